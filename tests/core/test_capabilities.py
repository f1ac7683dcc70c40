"""Capability errors name what the model lacks, what it has instead (never a method it lacks
too), and catalogued models that have it; a refused tool_choice is shown in the user's own
word. All before any request, checked against the emulator's request log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from pydantic import BaseModel

from dashscope_models import DashScopeClient, GenerationRequest, Message, RequestValidationError
from dashscope_models.emulator import Emulator

Refused = Callable[[Callable[[], Any]], Awaitable[RequestValidationError]]


class Joke(BaseModel):
    setup: str
    punchline: str


def weather(city: str) -> str:
    """Current weather for a city."""
    return city


def population(city: str) -> str:
    """Population of a city."""
    return city


@pytest.mark.parametrize("method", ["function_calling", "json_mode", "json_schema"])
def test_model_with_no_structured_output_says_so_without_circular_advice(
    emulator: Emulator, method: str
) -> None:
    from langchain_dashscope_models import ChatMoonshot

    with pytest.raises(RequestValidationError) as info:
        ChatMoonshot(model="moonshot-v1-8k").with_structured_output(Joke, method=method)  # type: ignore[arg-type]
    message = info.value.message
    assert f"method={method!r} cannot work: moonshot-v1-8k has no" in message
    assert "no structured-output method works on it" in message
    assert "models that have it: qwen-plus" in message
    assert "use method=" not in message  # no advice to use what it lacks too
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("model", "method", "lacks", "instead"),
    [
        (
            "deepseek-v3",
            "json_schema",
            "JSON schema output",
            "use method='function_calling', which it has",
        ),
        ("deepseek-v3", "json_mode", "JSON mode", "use method='function_calling', which it has"),
        ("qwen-plus", "function_calling", None, None),
    ],
)
def test_the_methods_a_model_has_are_offered(
    emulator: Emulator, model: str, method: str, lacks: str | None, instead: str | None
) -> None:
    from langchain_dashscope_models import ChatDashScope

    chat = ChatDashScope(model=model)
    if lacks is None:
        chat.with_structured_output(Joke, method=method)  # type: ignore[arg-type]
        return
    with pytest.raises(RequestValidationError) as info:
        chat.with_structured_output(Joke, method=method)  # type: ignore[arg-type]
    assert f"{model} has no {lacks} (catalog); models that have it: qwen-plus" in info.value.message
    assert instead is not None and instead in info.value.message
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("model", "kwargs", "code", "expected"),
    [
        ("moonshot-v1-8k", {"tools": [{"type": "function", "function": {"name": "f"}}]}, "ToolsUnsupported",
         "tools were offered, but moonshot-v1-8k has no tool calling (catalog); models that have it: qwen-plus"),
        ("deepseek-r1", {"tools": [{"type": "function", "function": {"name": "f"}}]}, "ToolsUnsupported",
         "deepseek-r1 has no tool calling (catalog); models that have it: deepseek-v3"),
        ("qwen-max", {"enable_thinking": True}, "ThinkingUnsupported",
         "enable_thinking=True, but qwen-max has no thinking mode (catalog); models that have it: qwen-plus"),
        ("deepseek-v3", {"response_format": {"type": "json_object"}}, "JsonModeUnsupported",
         "response_format asks for a JSON object, but deepseek-v3 has no JSON mode (catalog); models that have it: qwen-plus"),
        ("qwen-plus", {"messages": [Message("user", [{"text": "What is it?"}, {"image": "https://x/a.png"}])]},
         "UnsupportedContent", "qwen-plus has no image input (catalog); models that have it: qwen3-vl-plus"),
    ],
)  # fmt: skip
async def test_request_checks_name_models_that_have_the_capability(
    base_url: str,
    refused: Refused,
    model: str,
    kwargs: dict[str, Any],
    code: str,
    expected: str,
    sync: bool,
) -> None:
    client = DashScopeClient(base_url=base_url)
    kwargs = {"messages": [Message("user", "Hi")], **kwargs}
    request = GenerationRequest(model=model, **kwargs)
    err = await refused(lambda: client.generate(request) if sync else client.agenerate(request))
    assert err.code == code and expected in err.message


@pytest.mark.parametrize("word", ["any", "required"])
async def test_refused_tool_choice_is_shown_in_the_users_word(
    refused: Refused, word: str, sync: bool
) -> None:
    from langchain_dashscope_models import ChatQwen

    model = ChatQwen(model="qwen-plus").bind_tools([weather, population], tool_choice=word)
    err = await refused(lambda: model.invoke("Hi") if sync else model.ainvoke("Hi"))
    assert err.code == "ToolChoiceUnsupported"
    assert f"tool_choice={word!r} with 2 tools" in err.message


async def test_llamaindex_refused_tool_choice_keeps_the_word(refused: Refused) -> None:
    from llama_index.core.tools import FunctionTool

    from llamaindex_dashscope_models import Qwen

    tools = [FunctionTool.from_defaults(weather), FunctionTool.from_defaults(population)]
    err = await refused(lambda: Qwen().chat_with_tools(tools, "Hi", tool_choice="any"))
    assert "tool_choice='any' with 2 tools" in err.message
