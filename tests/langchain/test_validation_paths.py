"""The LangChain classes reach the core's checks on every path: a tool history for a model
without tools, an out-of-range seed, ``model_kwargs`` and per-call kwargs the core must check,
all refused with a RequestValidationError before any request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

import dashscope_models as core
from dashscope_models.emulator import Emulator
from langchain_dashscope_models import ChatMoonshot, ChatQwen

TOOL_HISTORY = [
    HumanMessage("Weather in Hangzhou?"),
    AIMessage("", tool_calls=[{"name": "get_weather", "args": {"city": "Hangzhou"}, "id": "c1"}]),
    ToolMessage("sunny", tool_call_id="c1"),
]


@pytest.mark.parametrize("method", ["invoke", "ainvoke", "stream", "astream"])
async def test_moonshot_refuses_a_tool_history(
    method: str, refused: Callable[..., Awaitable[core.RequestValidationError]]
) -> None:
    model = ChatMoonshot()
    calls: dict[str, Callable[[], Any]] = {
        "invoke": lambda: model.invoke(TOOL_HISTORY),
        "ainvoke": lambda: model.ainvoke(TOOL_HISTORY),
        "stream": lambda: list(model.stream(TOOL_HISTORY)),
        "astream": lambda: _drain(model.astream(TOOL_HISTORY)),
    }
    err = await refused(calls[method])
    assert err.code == "ToolsUnsupported"
    assert "moonshot-v1-8k has no tool calling" in err.message


async def _drain(stream: Any) -> None:
    async for _ in stream:
        pass


async def test_model_kwargs_max_completion_tokens_is_checked(
    emulator: Emulator, refused: Callable[..., Awaitable[core.RequestValidationError]]
) -> None:
    big = ChatQwen(model="qwen-max", model_kwargs={"max_completion_tokens": 10**9})
    err = await refused(lambda: big.invoke("hi"))
    assert err.code == "ParameterOutOfRange"
    assert "max_completion_tokens=1000000000 exceeds qwen-max's maximum output" in err.message
    ChatQwen(model="qwen-max", model_kwargs={"max_completion_tokens": 100}).invoke("hi")
    assert emulator.requests[-1].body["parameters"]["max_completion_tokens"] == 100


async def test_per_call_non_number_is_a_validation_error(
    refused: Callable[..., Awaitable[core.RequestValidationError]],
) -> None:
    err = await refused(lambda: ChatQwen().invoke("hi", temperature="0.5"))
    assert err.code == "InvalidParameterType"
    assert "temperature must be a number, not '0.5' (str)" in err.message


async def test_seed_outside_unsigned_64_bit_is_refused(
    refused: Callable[..., Awaitable[core.RequestValidationError]],
) -> None:
    for model in (ChatQwen(seed=-1), ChatQwen(model_kwargs={"seed": 2**64})):
        err = await refused(lambda m=model: m.invoke("hi"))  # type: ignore[misc]
        assert err.code == "ParameterOutOfRange" and "[0, 2**64-1]" in err.message
