"""LangChain on the thinking-by-default lines (Qwen3.5+ and Qwen4), against the emulator that
refuses what the service refuses while thinking: structured output by every method, forced and
"any" tool choices, agents with ToolStrategy, each sync, async and streamed; thinking asked for
with a forced tool is a typed error before any request; plain calls keep their thinking."""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, AIMessageChunk
from pydantic import BaseModel

from dashscope_models import RequestValidationError
from dashscope_models.emulator import Emulator, Reply
from langchain_dashscope_models import ChatDashScope

Refused = Callable[[Callable[[], Any]], Awaitable[RequestValidationError]]
MODELS = ["qwen3.6-plus", "qwen3.5-flash", "qwen3.7-max-preview", "qwen4-max"]
METHODS = [None, "function_calling", "json_schema", "json_mode"]
PATHS = ["sync", "async", "stream", "astream"]


class Person(BaseModel):
    """A person."""

    name: str
    age: int


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


def get_population(city: str) -> str:
    """Population of a city."""
    return f"many in {city}"


async def run(runnable: Any, text: Any, path: str) -> Any:
    if path == "sync":
        return runnable.invoke(text)
    if path == "async":
        return await runnable.ainvoke(text)
    parts = (
        list(runnable.stream(text))
        if path == "stream"
        else [p async for p in runnable.astream(text)]
    )
    last = None
    for part in parts:
        last = part if last is None or not isinstance(part, AIMessageChunk) else last + part
    return last


def sent(emulator: Emulator) -> dict[str, Any]:
    params: dict[str, Any] = emulator.requests[-1].body["parameters"]
    return params


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", PATHS)
async def test_structured_output_works_on_the_line(
    emulator: Emulator, model: str, method: str | None, path: str
) -> None:
    llm = ChatDashScope(model=model)
    kwargs = {} if method is None else {"method": method}
    text = "Describe 'name' and 'age' of Ada, 36." if method == "json_mode" else "Ada is 36."
    structured = llm.with_structured_output(Person if method != "json_mode" else None, **kwargs)
    result = await run(structured, text, path)
    assert result is not None
    params = sent(emulator)
    if method in (None, "function_calling"):
        assert isinstance(result, Person)
        # forced tool while thinking is refused: default thinking is turned off for it
        assert params["enable_thinking"] is False
        assert params["tool_choice"]["function"]["name"] == "Person"
    else:
        assert isinstance(result, Person if method == "json_schema" else dict)
        # JSON output with thinking is accepted on this line: nothing changes
        assert "enable_thinking" not in params


@pytest.mark.parametrize("path", PATHS)
async def test_json_mode_turns_default_thinking_off_where_json_needs_it(
    emulator: Emulator, path: str
) -> None:
    # Qwen3 open-source: JSON mode only, refused while thinking (its default)
    structured = ChatDashScope(model="qwen3-32b").with_structured_output(None, method="json_mode")
    result = await run(structured, "Give 'name' and 'age' of Ada, 36.", path)
    assert set(result) == {"name", "age"}
    params = sent(emulator)
    assert params["response_format"] == {"type": "json_object"}
    assert params["enable_thinking"] is False
    raw = await run(
        ChatDashScope(model="qwen3-32b").bind(response_format={"type": "json_object"}),
        "Give 'name' as JSON.",
        path,
    )
    assert raw.response_metadata["thinking_disabled"].endswith(
        "JSON output (response_format) while thinking"
    )


@pytest.mark.parametrize("path", PATHS)
async def test_json_mode_with_thinking_asked_where_json_needs_it_off(
    refused: Refused, path: str
) -> None:
    llm = ChatDashScope(model="qwen3-32b", enable_thinking=True)
    structured = llm.with_structured_output(None, method="json_mode")
    err = await refused(lambda: run(structured, "Give 'name' of Ada.", path))
    assert err.code == "ThinkingJsonOutput" and "enable_thinking=False" in err.message


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("path", PATHS)
async def test_forced_tool_by_name_returns_a_tool_call(
    emulator: Emulator, model: str, path: str
) -> None:
    bound = ChatDashScope(model=model).bind_tools(
        [get_weather, get_population], tool_choice="get_population"
    )
    message = await run(bound, "Tell me about Paris", path)
    assert isinstance(message, AIMessage)
    assert [c["name"] for c in message.tool_calls] == ["get_population"]
    assert message.response_metadata["thinking_disabled"].startswith("enable_thinking=False")
    assert sent(emulator)["enable_thinking"] is False


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("choice", ["any", "required", True])
@pytest.mark.parametrize("path", PATHS)
async def test_any_tool_with_two_tools_is_sent_as_required(
    emulator: Emulator, model: str, choice: Any, path: str
) -> None:
    bound = ChatDashScope(model=model).bind_tools([get_weather, get_population], tool_choice=choice)
    message = await run(bound, "Weather in Paris?", path)
    assert message.tool_calls and message.tool_calls[0]["name"] == "get_weather"
    params = sent(emulator)
    assert params["tool_choice"] == "required" and params["enable_thinking"] is False


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("path", ["sync", "async"])
async def test_agent_with_tool_strategy_returns_the_structured_response(
    emulator: Emulator, model: str, path: str
) -> None:
    from langchain.agents import create_agent
    from langchain.agents.structured_output import ToolStrategy

    agent = create_agent(
        ChatDashScope(model=model), tools=[get_weather], response_format=ToolStrategy(Person)
    )
    emulator.queue(Reply(tool_calls=[("Person", {"name": "Ada", "age": 36})]))
    inputs = {"messages": [{"role": "user", "content": "Who is Ada?"}]}
    state = agent.invoke(inputs) if path == "sync" else await agent.ainvoke(inputs)
    assert state["structured_response"] == Person(name="Ada", age=36)
    params = sent(emulator)
    assert params["tool_choice"] == "required" and params["enable_thinking"] is False


async def test_agent_with_tool_strategy_unscripted_calls_its_tool_then_answers(
    emulator: Emulator,
) -> None:
    from langchain.agents import create_agent
    from langchain.agents.structured_output import ToolStrategy

    agent = create_agent(
        ChatDashScope(model="qwen4-max"), tools=[get_weather], response_format=ToolStrategy(Person)
    )
    state = await agent.ainvoke({"messages": [{"role": "user", "content": "Weather in Paris?"}]})
    assert isinstance(state["structured_response"], Person)
    calls = [c["name"] for m in state["messages"] for c in getattr(m, "tool_calls", [])]
    assert calls == ["get_weather", "Person"]  # "required" after a tool result: still a call


async def test_agent_with_tool_strategy_streams(emulator: Emulator) -> None:
    from langchain.agents import create_agent
    from langchain.agents.structured_output import ToolStrategy

    agent = create_agent(
        ChatDashScope(model="qwen3.6-plus"),
        tools=[get_weather],
        response_format=ToolStrategy(Person),
    )
    emulator.queue(Reply(tool_calls=[("Person", {"name": "Ada", "age": 36})]))
    states = list(
        agent.stream({"messages": [{"role": "user", "content": "Who?"}]}, stream_mode="values")
    )
    assert states[-1]["structured_response"] == Person(name="Ada", age=36)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("where", ["constructor", "call", "model_kwargs", "reasoning_effort"])
@pytest.mark.parametrize("path", PATHS)
async def test_thinking_asked_with_a_forced_tool_is_refused_before_any_request(
    refused: Refused, model: str, where: str, path: str
) -> None:
    fields: dict[str, Any] = {
        "constructor": {"enable_thinking": True},
        "model_kwargs": {"model_kwargs": {"enable_thinking": True}},
        "reasoning_effort": {"reasoning_effort": "low"},
    }.get(where, {})
    call = {"enable_thinking": True} if where == "call" else {}
    bound = ChatDashScope(model=model, **fields).bind_tools(
        [get_weather], tool_choice="get_weather", **call
    )

    def attempt() -> Any:
        return run(bound, "Weather in Paris?", path)

    err = await refused(attempt)
    assert err.code == "ThinkingToolChoice"
    assert "enable_thinking=False" in err.message and "tool_choice='auto'" in err.message
    assert isinstance(err, ValueError)


@pytest.mark.parametrize("path", PATHS)
async def test_structured_output_with_thinking_asked_offers_the_tool_unforced(
    emulator: Emulator, path: str
) -> None:
    llm = ChatDashScope(model="qwen3.6-plus", enable_thinking=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warned once per model: see the test below
        structured = llm.with_structured_output(Person)
    person = await run(structured, "Ada is 36.", path)
    assert isinstance(person, Person)
    params = sent(emulator)
    assert "tool_choice" not in params and params["enable_thinking"] is True
    emulator.queue(Reply(text="I would rather not call a tool."))
    with pytest.raises(OutputParserException):
        await run(structured, "Ada is 36.", path)


def test_unforced_structured_output_warns_once_per_model() -> None:
    llm = ChatDashScope(model="qwen3.7-flash", reasoning_effort="low")
    with pytest.warns(UserWarning, match="without forcing it"):
        llm.with_structured_output(Person)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        llm.with_structured_output(Person)  # no second warning


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("path", PATHS)
async def test_plain_calls_keep_default_thinking(emulator: Emulator, model: str, path: str) -> None:
    message = await run(ChatDashScope(model=model), "Why is the sky blue?", path)
    assert message.additional_kwargs["reasoning_content"]
    assert message.usage_metadata["output_token_details"]["reasoning"] > 0
    assert "thinking_disabled" not in message.response_metadata
    params = sent(emulator)
    assert "enable_thinking" not in params
    # a plain invoke on the line stays a plain (non-stream) call
    assert emulator.requests[-1].stream is path.endswith("stream")


def test_profile_lists_reasoning_effort_levels_where_known() -> None:
    assert ChatDashScope(model="qwen3.8-max").profile["reasoning_effort_levels"] == [
        "low", "medium", "xhigh",
    ]  # fmt: skip
    assert "reasoning_effort_levels" not in (ChatDashScope(model="qwen3.6-plus").profile or {})


def test_reasoning_effort_and_preserve_thinking_are_sent_as_given(emulator: Emulator) -> None:
    llm = ChatDashScope(model="qwen3.8-max", reasoning_effort="max", preserve_thinking=True)
    llm.invoke("Hi")
    params = sent(emulator)
    assert params["reasoning_effort"] == "max" and params["preserve_thinking"] is True
    assert "enable_thinking" not in params
