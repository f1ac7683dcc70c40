"""The LlamaIndex classes reach the core's checks on every path: ``additional_kwargs`` and
per-call kwargs the core must check, a tool history for a model without tools, an
out-of-range seed, all refused with a RequestValidationError before any request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from llama_index.core.base.llms.types import ChatMessage

import dashscope_models as core
from dashscope_models.emulator import Emulator
from llamaindex_dashscope_models import Moonshot, Qwen

USER = [ChatMessage(role="user", content="hi")]
CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
TOOL_HISTORY = [
    ChatMessage(role="user", content="Use f."),
    ChatMessage(role="assistant", content="", additional_kwargs={"tool_calls": [CALL]}),
    ChatMessage(role="tool", content="42", additional_kwargs={"tool_call_id": "c1"}),
]


@pytest.mark.parametrize("where", ["additional_kwargs", "per_call"])
async def test_max_completion_tokens_is_checked(
    emulator: Emulator, where: str, refused: Callable[..., Awaitable[core.RequestValidationError]]
) -> None:
    if where == "additional_kwargs":
        llm = Qwen(model="qwen-max", additional_kwargs={"max_completion_tokens": 10**9})
        err = await refused(lambda: llm.chat(USER))
    else:
        err = await refused(lambda: Qwen(model="qwen-max").achat(USER, max_completion_tokens=10**9))
    assert err.code == "ParameterOutOfRange"
    assert "max_completion_tokens=1000000000 exceeds qwen-max's maximum output" in err.message
    Qwen(model="qwen-max", additional_kwargs={"max_completion_tokens": 100}).chat(USER)
    assert emulator.requests[-1].body["parameters"]["max_completion_tokens"] == 100


async def test_moonshot_refuses_a_tool_history(
    refused: Callable[..., Awaitable[core.RequestValidationError]],
) -> None:
    for call in (lambda: Moonshot().chat(TOOL_HISTORY), lambda: Moonshot().achat(TOOL_HISTORY)):
        err = await refused(call)
        assert err.code == "ToolsUnsupported"
        assert "moonshot-v1-8k has no tool calling" in err.message


async def test_non_numbers_and_bad_seeds_are_validation_errors(
    refused: Callable[..., Awaitable[core.RequestValidationError]],
) -> None:
    err = await refused(lambda: Qwen().chat(USER, temperature="0.5"))
    assert err.code == "InvalidParameterType" and "temperature must be a number" in err.message
    for llm in (Qwen(seed=-1), Qwen(additional_kwargs={"seed": 2**64})):
        err = await refused(lambda m=llm: m.chat(USER))  # type: ignore[misc]
        assert err.code == "ParameterOutOfRange" and "[0, 2**64-1]" in err.message


def test_extra_parameters_reach_the_request(emulator: Emulator) -> None:
    extra = {"extra_parameters": {"vl_high_resolution_images": True}, "top_k": 2}
    llm = Qwen(additional_kwargs=extra)
    llm.chat([ChatMessage(role="user", content="Hi")], extra_parameters={"n": 1})
    params = emulator.requests[-1].body["parameters"]
    assert params["n"] == 1 and params["top_k"] == 2 and "vl_high_resolution_images" not in params
    llm.chat([ChatMessage(role="user", content="Hi")])
    params = emulator.requests[-1].body["parameters"]
    assert params["vl_high_resolution_images"] is True and params["top_k"] == 2
