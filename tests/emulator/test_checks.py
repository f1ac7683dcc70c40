"""The emulator's thinking rules, as the service words them (the catalog's ``thinking_ref``
cites the public issues that quote each text): the Qwen3.5+ and Qwen4 lines think by default,
answer a plain (non-stream) call while thinking, refuse a forced tool choice while thinking
and accept "required" outside it; the Qwen3 open-source line refuses JSON mode while thinking."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dashscope_models.emulator import Emulator, EmulatorResponse
from dashscope_models.emulator._checks import FORCED_TOOL_WHILE_THINKING, JSON_WHILE_THINKING

MULTIMODAL = "/api/v1/services/aigc/multimodal-generation/generation"
TEXT = "/api/v1/services/aigc/text-generation/generation"
AUTH = {"authorization": "Bearer sk-test"}
SSE = {**AUTH, "x-dashscope-sse": "enable"}
TOOLS = [
    {"type": "function", "function": {"name": name, "description": f"{name} of a city",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}
    for name in ("get_weather", "get_population")
]  # fmt: skip
NAMED = {"type": "function", "function": {"name": "get_weather"}}
LINE = ["qwen3.5-plus", "qwen3.5-flash", "qwen3.6-plus", "qwen3.7-max-preview", "qwen3.8-max",
        "qwen4-max", "qwen4-max-preview"]  # fmt: skip


def ask(
    model: str, stream: bool = False, path: str = MULTIMODAL, **params: Any
) -> EmulatorResponse:
    messages = [{"role": "user", "content": [{"text": "Weather in Paris?"}]}]
    if path == TEXT:
        messages = [{"role": "user", "content": "Weather in Paris?"}]
    body = {"model": model, "input": {"messages": messages}, "parameters": params}
    return Emulator().handle("POST", path, SSE if stream else AUTH, json.dumps(body).encode())


def answer(response: EmulatorResponse) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(b"".join(f.data for f in response.frames))
    return data


def error_event(response: EmulatorResponse) -> dict[str, Any]:
    text = b"".join(f.data for f in response.frames).decode()
    assert response.status == 200 and ":HTTP_STATUS/400" in text
    data: dict[str, Any] = json.loads(text.split("data:", 1)[1].splitlines()[0])
    return data


@pytest.mark.parametrize("model", LINE)
def test_the_line_thinks_by_default_in_a_plain_call(model: str) -> None:
    response = ask(model)
    assert response.status == 200
    data = answer(response)
    assert data["output"]["choices"][0]["message"]["reasoning_content"]
    assert data["usage"]["output_tokens_details"]["reasoning_tokens"] > 0


@pytest.mark.parametrize("model", LINE)
@pytest.mark.parametrize("choice", ["required", NAMED])
@pytest.mark.parametrize("thinking", [None, True])
def test_forced_tool_choice_is_refused_while_thinking(
    model: str, choice: Any, thinking: bool | None
) -> None:
    params: dict[str, Any] = {"tools": TOOLS, "tool_choice": choice}
    if thinking is not None:
        params["enable_thinking"] = thinking
    response = ask(model, **params)
    assert response.status == 400
    data = answer(response)
    assert data["code"] == "InvalidParameter"
    assert data["message"] == FORCED_TOOL_WHILE_THINKING
    assert error_event(ask(model, stream=True, **params))["message"] == FORCED_TOOL_WHILE_THINKING


@pytest.mark.parametrize("model", LINE)
@pytest.mark.parametrize("choice", ["required", NAMED])
def test_forced_tool_choice_is_answered_with_thinking_off(model: str, choice: Any) -> None:
    data = answer(ask(model, tools=TOOLS, tool_choice=choice, enable_thinking=False))
    message = data["output"]["choices"][0]["message"]
    assert message["tool_calls"][0]["function"]["name"] == "get_weather"
    assert "reasoning_content" not in message


@pytest.mark.parametrize("model", ["qwen3.6-plus", "qwen4-max"])
@pytest.mark.parametrize("fmt", ["json_object", "json_schema"])
def test_json_output_with_thinking_is_accepted_on_the_line(model: str, fmt: str) -> None:
    response_format: dict[str, Any] = {"type": fmt}
    if fmt == "json_schema":
        response_format["json_schema"] = {"name": "x", "schema": {"type": "object"}}
    data = answer(ask(model, response_format=response_format))
    message = data["output"]["choices"][0]["message"]
    assert message["reasoning_content"]
    json.loads(message["content"][0]["text"])


def test_json_mode_is_refused_while_thinking_on_the_qwen3_open_source_line() -> None:
    json_mode = {"type": "json_object"}
    response = ask("qwen3-32b", path=TEXT, stream=True, response_format=json_mode)
    assert error_event(response)["message"] == JSON_WHILE_THINKING
    plain = ask("qwen3-32b", path=TEXT, response_format=json_mode, enable_thinking=False)
    assert plain.status == 200 and json.loads(
        answer(plain)["output"]["choices"][0]["message"]["content"]
    )


def test_older_families_keep_their_rules() -> None:
    # qwen-plus thinks only when asked, and no source shows it refusing a forced choice.
    data = answer(
        ask("qwen-plus", path=TEXT, tools=TOOLS, tool_choice=NAMED, result_format="message")
    )
    assert data["output"]["choices"][0]["message"]["tool_calls"]
    # qwen3 open-source thinking still needs a stream (the catalog's stream_only_thinking).
    refused = answer(ask("qwen3-32b", path=TEXT))
    assert (
        refused["message"]
        == "parameter.enable_thinking must be set to false for non-streaming calls"
    )
