"""LlamaIndex on the thinking-by-default lines (Qwen3.5+ and Qwen4), against the emulator that
refuses what the service refuses while thinking: structured_predict (sync, async, streamed),
chat_with_tools(tool_required=True) with one tool and with two, a FunctionAgent; thinking
asked for with a forced tool is a typed error before any request; plain chats keep thinking."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, ThinkingBlock
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from dashscope_models import RequestValidationError
from dashscope_models.emulator import Emulator, Reply
from llamaindex_dashscope_models import DashScope

Refused = Callable[[Callable[[], Any]], Awaitable[RequestValidationError]]
MODELS = ["qwen3.6-plus", "qwen3.5-flash", "qwen3.7-max-preview", "qwen4-max"]
PATHS = ["sync", "async", "stream", "astream"]
PROMPT = PromptTemplate("Describe {who}.")


class Person(BaseModel):
    """A person."""

    name: str
    age: int


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"{city}: sunny, 22 C"


def get_population(city: str) -> str:
    """Population of a city."""
    return f"{city}: 12 million"


TOOLS = [FunctionTool.from_defaults(get_weather), FunctionTool.from_defaults(get_population)]


def sent(emulator: Emulator) -> dict[str, Any]:
    params: dict[str, Any] = emulator.requests[-1].body["parameters"]
    return params


async def predict(llm: DashScope, path: str) -> Any:
    if path == "sync":
        return llm.structured_predict(Person, PROMPT, who="Ada, 36")
    if path == "async":
        return await llm.astructured_predict(Person, PROMPT, who="Ada, 36")
    if path == "astream":
        gen = await llm.astream_structured_predict(Person, PROMPT, who="Ada, 36")
        return [p async for p in gen][-1]
    return list(llm.stream_structured_predict(Person, PROMPT, who="Ada, 36"))[-1]


async def with_tools(llm: DashScope, tools: list[FunctionTool], path: str, **kwargs: Any) -> Any:
    text = "Weather in 'Paris'?"
    if path == "sync":
        return llm.chat_with_tools(tools, text, **kwargs)
    if path == "async":
        return await llm.achat_with_tools(tools, text, **kwargs)
    if path == "astream":
        gen = await llm.astream_chat_with_tools(tools, text, **kwargs)
        return [r async for r in gen][-1]
    return list(llm.stream_chat_with_tools(tools, text, **kwargs))[-1]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("path", PATHS)
async def test_structured_predict_works_on_the_line(
    emulator: Emulator, model: str, path: str
) -> None:
    person = await predict(DashScope(model=model), path)
    assert isinstance(person, Person) and person.age == 36
    params = sent(emulator)
    assert params["response_format"]["type"] == "json_schema"
    assert "enable_thinking" not in params  # JSON with thinking is accepted on this line


@pytest.mark.parametrize("path", PATHS)
async def test_structured_predict_turns_default_thinking_off_where_json_needs_it(
    emulator: Emulator, path: str
) -> None:
    # Qwen3 open-source: JSON mode only, refused while thinking (its default)
    emulator.queue(Reply(text='{"name": "Ada", "age": 36}'))
    person = await predict(DashScope(model="qwen3-32b"), path)
    assert isinstance(person, Person)
    params = sent(emulator)
    assert params["response_format"] == {"type": "json_object"}
    assert params["enable_thinking"] is False


@pytest.mark.parametrize("path", PATHS)
async def test_structured_predict_with_thinking_asked_where_json_needs_it_off(
    refused: Refused, path: str
) -> None:
    llm = DashScope(model="qwen3-32b", enable_thinking=True)
    err = await refused(lambda: predict(llm, path))
    assert err.code == "ThinkingJsonOutput" and "enable_thinking=False" in err.message


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("count", [1, 2])
@pytest.mark.parametrize("path", PATHS)
async def test_tool_required_returns_a_tool_call(
    emulator: Emulator, model: str, count: int, path: str
) -> None:
    llm = DashScope(model=model)
    response = await with_tools(llm, TOOLS[:count], path, tool_required=True)
    calls = llm.get_tool_calls_from_response(response)
    assert [c.tool_name for c in calls] == ["get_weather"]
    params = sent(emulator)
    assert params["enable_thinking"] is False
    assert params["tool_choice"] == ("required" if count == 2 else _named("get_weather"))
    assert response.additional_kwargs["thinking_disabled"].startswith("enable_thinking=False")


def _named(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name}}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("streaming", [True, False])
async def test_function_agent_works_on_the_line(
    emulator: Emulator, model: str, streaming: bool
) -> None:
    agent = FunctionAgent(tools=TOOLS, llm=DashScope(model=model), streaming=streaming)
    answer = await agent.run("What is the weather in 'Hangzhou'?")
    assert "Hangzhou: sunny, 22 C" in str(answer)
    first = next(r for r in emulator.requests if r.body["parameters"].get("tools"))
    assert "enable_thinking" not in first.body["parameters"]  # no forced choice: thinking stays
    assert first.stream is streaming


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("where", ["constructor", "call", "additional_kwargs", "effort"])
@pytest.mark.parametrize("path", PATHS)
async def test_thinking_asked_with_a_forced_tool_is_refused_before_any_request(
    refused: Refused, model: str, where: str, path: str
) -> None:
    fields: dict[str, Any] = {
        "constructor": {"enable_thinking": True},
        "additional_kwargs": {"additional_kwargs": {"enable_thinking": True}},
        "effort": {"reasoning_effort": "xhigh"},
    }.get(where, {})
    call = {"enable_thinking": True} if where == "call" else {}
    llm = DashScope(model=model, **fields)
    err = await refused(lambda: with_tools(llm, TOOLS, path, tool_required=True, **call))
    assert err.code == "ThinkingToolChoice"
    assert "enable_thinking=False" in err.message and "tool_choice='auto'" in err.message


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("path", PATHS)
async def test_plain_chat_keeps_default_thinking(emulator: Emulator, model: str, path: str) -> None:
    llm = DashScope(model=model)
    messages = [ChatMessage(role="user", content="Why is the sky blue?")]
    if path == "sync":
        response = llm.chat(messages)
    elif path == "async":
        response = await llm.achat(messages)
    elif path == "stream":
        response = list(llm.stream_chat(messages))[-1]
    else:
        response = [r async for r in await llm.astream_chat(messages)][-1]
    assert any(isinstance(b, ThinkingBlock) and b.content for b in response.message.blocks)
    assert "thinking_disabled" not in response.additional_kwargs
    assert "enable_thinking" not in sent(emulator)
    assert emulator.requests[-1].stream is path.endswith("stream")
