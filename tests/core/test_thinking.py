"""The thinking decision (``settle_thinking``) and the request check (``check_thinking``): what
is sent for a forced tool choice or JSON output on a model that thinks by default, and what is
refused before any request, through the core client as well as the integrations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from dashscope_models import (
    DashScopeClient,
    GenerationRequest,
    Message,
    RequestValidationError,
    get_spec,
)
from dashscope_models._thinking import settle_thinking, thinking_asked
from dashscope_models.emulator import Emulator
from dashscope_models.integration import merge_request

Refused = Callable[[Callable[[], Any]], Awaitable[RequestValidationError]]
USER = [Message("user", "Weather in Paris?")]
TOOLS = [
    {"type": "function", "function": {"name": n, "parameters": {"type": "object"}}}
    for n in ("get_weather", "get_population")
]
NAMED = {"type": "function", "function": {"name": "get_weather"}}
JSON = {"type": "json_object"}


def request(model: str, **kwargs: Any) -> GenerationRequest:
    return GenerationRequest(model=model, messages=USER, **kwargs)


@pytest.mark.parametrize(
    ("model", "kwargs", "choice", "thinking"),
    [
        # the line thinks by default and refuses a forced choice while thinking: off for it
        ("qwen3.6-plus", {"tools": TOOLS, "tool_choice": NAMED}, NAMED, False),
        ("qwen4-max", {"tools": TOOLS, "tool_choice": "any"}, "required", False),
        ("qwen3.5-flash", {"tools": TOOLS, "tool_choice": "required"}, "required", False),
        # auto, none, and JSON output (accepted while thinking on the line): untouched
        ("qwen3.6-plus", {"tools": TOOLS, "tool_choice": "auto"}, "auto", None),
        ("qwen3.6-plus", {"tools": TOOLS, "tool_choice": "none"}, "none", None),
        ("qwen3.6-plus", {"response_format": JSON}, None, None),
        # JSON mode refused while thinking on the Qwen3 open-source line
        ("qwen3-32b", {"response_format": JSON}, None, False),
        # the caller chose: sent to the check as it is
        ("qwen3.6-plus", {"tools": TOOLS, "tool_choice": NAMED, "enable_thinking": True}, NAMED, True),
        ("qwen3.6-plus", {"tools": TOOLS, "tool_choice": NAMED, "enable_thinking": False}, NAMED, False),
        # models that do not think by default, or take a forced choice: untouched
        ("qwen-plus", {"tools": TOOLS, "tool_choice": NAMED}, NAMED, None),
        ("qwen-plus", {"tools": TOOLS, "tool_choice": "any"}, "any", None),
    ],
)  # fmt: skip
def test_settle_thinking(model: str, kwargs: dict[str, Any], choice: Any, thinking: Any) -> None:
    settled = settle_thinking(request(model, **kwargs))
    assert settled.tool_choice == choice
    assert settled.enable_thinking is thinking
    turned_off = thinking is False and "enable_thinking" not in kwargs
    assert (settled.thinking_disabled is not None) is turned_off


def test_merge_request_leaves_plain_calls_alone() -> None:
    plain = merge_request("qwen3.6-plus", {}, None, messages=USER, chat=True)
    assert plain.enable_thinking is None and plain.thinking_disabled is None
    forced = merge_request(
        "qwen3.6-plus", {}, {"tools": TOOLS, "tool_choice": NAMED}, messages=USER
    )
    assert forced.enable_thinking is False and forced.thinking_disabled is not None


def test_thinking_asked() -> None:
    assert thinking_asked(True, None) and thinking_asked(None, "low")
    assert not thinking_asked(None, None) and not thinking_asked(None, "none")
    assert not thinking_asked(False, "xhigh")


@pytest.mark.parametrize(
    ("model", "kwargs", "code"),
    [
        ("qwen3.6-plus", {"tools": TOOLS, "tool_choice": NAMED}, "ThinkingToolChoice"),
        ("qwen3.6-plus", {"tools": TOOLS, "tool_choice": "required"}, "ThinkingToolChoice"),
        ("qwen4-max", {"tools": TOOLS, "tool_choice": NAMED, "enable_thinking": True}, "ThinkingToolChoice"),
        ("qwen3.8-max", {"tools": TOOLS, "tool_choice": NAMED, "reasoning_effort": "low"}, "ThinkingToolChoice"),
        ("qwen3-32b", {"response_format": JSON}, "ThinkingJsonOutput"),
        ("qwen3.6-plus", {"tools": TOOLS, "tool_choice": "any"}, "ToolChoiceUnsupported"),
        ("qwen-plus", {"tools": TOOLS, "tool_choice": "required"}, "ToolChoiceUnsupported"),
    ],
)  # fmt: skip
async def test_core_client_refuses_before_any_request(
    refused: Refused, base_url: str, model: str, kwargs: dict[str, Any], code: str, sync: bool
) -> None:
    client = DashScopeClient(base_url=base_url)
    req = request(model, **kwargs)
    err = await refused(lambda: client.generate(req) if sync else client.agenerate(req))
    assert err.code == code


async def test_core_client_sends_what_the_check_allows(emulator: Emulator, base_url: str) -> None:
    client = DashScopeClient(base_url=base_url)
    result = client.generate(request("qwen3.6-plus", tools=TOOLS, tool_choice="required",
                                     enable_thinking=False))  # fmt: skip
    assert (
        result.tool_calls and emulator.requests[-1].body["parameters"]["tool_choice"] == "required"
    )
    settled = settle_thinking(request("qwen3.6-plus", tools=TOOLS, tool_choice=NAMED))
    result = await client.agenerate(settled)
    assert result.extras is not None and "thinking_disabled" in result.extras
    chunks = list(
        client.stream(settle_thinking(request("qwen3.6-plus", tools=TOOLS, tool_choice=NAMED)))
    )
    assert chunks[-1].extras is not None and "thinking_disabled" in chunks[-1].extras


def test_catalog_rules_have_sources() -> None:
    for model in ("qwen3.6-plus", "qwen3.5-35b-a3b", "qwen4-max", "qwen4-max-preview", "qwen4-plus",
                  "qwen3-32b"):  # fmt: skip
        spec = get_spec(model)
        assert spec.thinking_ref, model
    assert get_spec("qwen3.6-plus").stream_only_thinking is False
    assert get_spec("qwen4-max").endpoint == "multimodal-generation"
    assert get_spec("qwen4-plus").family == "qwen4"  # the rule
    assert get_spec("qwen3.8-max").reasoning_efforts == ("low", "medium", "xhigh")


def test_reasoning_effort_none_is_thinking_off(emulator: Emulator, base_url: str) -> None:
    spec = get_spec("qwen3.8-max")
    assert spec.thinks(None) and not spec.thinks(None, "none") and spec.thinks(True, "none")
    client = DashScopeClient(base_url=base_url)
    forced = request("qwen3.8-max", tools=TOOLS, tool_choice=NAMED, reasoning_effort="none")
    result = client.generate(settle_thinking(forced))  # no check error, no service refusal
    assert result.tool_calls and not result.reasoning_content
    assert "enable_thinking" not in emulator.requests[-1].body["parameters"]
