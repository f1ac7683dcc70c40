"""The LangChain classes over the emulator's real HTTP server, sync and async."""

from __future__ import annotations

import base64
import json
import warnings
from typing import Any

import pytest
from langchain_core._api.beta_decorator import LangChainBetaWarning
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelRateLimitError,
)
from langchain_core.load import dumpd, dumps, load
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from pydantic import BaseModel, Field

import dashscope_models as core
from dashscope_models.emulator import Emulator, Fault
from langchain_dashscope_models import (
    ChatDeepSeek,
    ChatKimi,
    ChatMoonshot,
    ChatMoss,
    ChatQwen,
    ChatQwenVL,
    ChatYuan,
    ChatYuanLLM,
    MossLLM,
    QwenLLM,
)


class TokenCounter(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.starts = self.ends = 0

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self.starts += 1

    def on_llm_end(self, *args: Any, **kwargs: Any) -> None:
        self.ends += 1


class AsyncTokenCounter(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    async def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"{city}: sunny, 22 C"


@tool
def get_population(city: str) -> str:
    """Population of a city."""
    return f"{city}: 12 million"


class City(BaseModel):
    """A city."""

    name: str = Field(description="the city")
    country: str = Field(description="its country")


async def test_lcel_chain_all_entry_points(emulator: Emulator) -> None:
    prompt = ChatPromptTemplate.from_messages([("system", "Be brief."), ("user", "{q}")])
    chain = prompt | ChatQwen() | StrOutputParser()
    assert chain.invoke({"q": "Hello"}) == "[qwen-plus] You said: Hello"
    counter = TokenCounter()
    pieces = list(chain.stream({"q": "one two three"}, {"callbacks": [counter]}))
    assert "".join(pieces) == "[qwen-plus] You said: one two three" and len(pieces) > 3
    assert "".join(counter.tokens) == "".join(pieces) and counter.starts == counter.ends == 1
    assert chain.batch([{"q": "a"}, {"q": "b"}]) == [
        "[qwen-plus] You said: a",
        "[qwen-plus] You said: b",
    ]
    assert await chain.ainvoke({"q": "async"}) == "[qwen-plus] You said: async"
    acounter = AsyncTokenCounter()
    apieces = [p async for p in chain.astream({"q": "x y"}, {"callbacks": [acounter]})]
    assert "".join(apieces) == "".join(acounter.tokens) == "[qwen-plus] You said: x y"
    sent = emulator.requests[-1]
    assert sent.stream and sent.body["parameters"] == {
        "result_format": "message",
        "incremental_output": True,
    }
    assert sent.body["input"]["messages"][0] == {"role": "system", "content": "Be brief."}


async def test_usage_and_metadata(emulator: Emulator, sync: bool) -> None:
    model = ChatQwen(model="qwen-max")
    message = model.invoke("hi") if sync else await model.ainvoke("hi")
    assert message.usage_metadata and message.usage_metadata["total_tokens"] > 0
    assert message.response_metadata["model_name"] == "qwen-max"
    assert (
        message.response_metadata["finish_reason"] == "stop"
        and message.response_metadata["request_id"]
    )
    chunks = (
        list(model.stream("hello world"))
        if sync
        else [c async for c in model.astream("hello world")]
    )
    assert [c.usage_metadata is not None for c in chunks].count(True) == 1
    assert chunks[-1].response_metadata["finish_reason"] == "stop"


def test_only_set_parameters_are_sent(emulator: Emulator) -> None:
    ChatQwen().invoke("hi")
    assert emulator.requests[-1].body["parameters"] == {"result_format": "message"}
    ChatQwen(temperature=0.3, top_k=5, seed=7, max_tokens=50, stop=["END"], enable_search=True,
             model_kwargs={"vl_high_resolution_images": True}).invoke("hi", presence_penalty=0.5)  # fmt: skip
    assert emulator.requests[-1].body["parameters"] == {
        "result_format": "message", "temperature": 0.3, "top_k": 5, "seed": 7, "max_tokens": 50,
        "stop": ["END"], "enable_search": True, "presence_penalty": 0.5, "vl_high_resolution_images": True,
    }  # fmt: skip
    ChatQwen().invoke("hi", model="qwen-flash")
    assert emulator.requests[-1].body["model"] == "qwen-flash"


async def test_tool_calls_and_history_in_dashscope_format(emulator: Emulator, sync: bool) -> None:
    model = ChatQwen().bind_tools([get_weather, get_population])
    ask = [HumanMessage("What is the weather in 'Hangzhou'?")]
    first = model.invoke(ask) if sync else await model.ainvoke(ask)
    assert isinstance(first, AIMessage)
    assert [(c["name"], c["args"]) for c in first.tool_calls] == [
        ("get_weather", {"city": "Hangzhou"})
    ]
    streamed: AIMessageChunk | None = None
    for chunk in model.stream(ask):
        streamed = chunk if streamed is None else streamed + chunk  # type: ignore[assignment]
    assert streamed is not None and streamed.tool_calls[0]["args"] == {"city": "Hangzhou"}
    history = [*ask, first, ToolMessage("Hangzhou: sunny", tool_call_id=first.tool_calls[0]["id"])]
    final = model.invoke(history) if sync else await model.ainvoke(history)
    assert "Hangzhou: sunny" in str(final.content)
    sent = emulator.requests[-1].body
    assert sent["input"]["messages"][1] == {
        "role": "assistant", "content": "",
        "tool_calls": [{"index": 0, "id": first.tool_calls[0]["id"], "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Hangzhou"}'}}],
    }  # fmt: skip
    assert sent["input"]["messages"][2] == {"role": "tool", "content": "Hangzhou: sunny",
                                            "tool_call_id": first.tool_calls[0]["id"]}  # fmt: skip
    assert sent["parameters"]["tools"][0]["function"]["name"] == "get_weather"


def test_tool_choice_mapping(emulator: Emulator) -> None:
    ChatQwen().bind_tools([get_weather], tool_choice="any").invoke("Paris?")
    forced = {"type": "function", "function": {"name": "get_weather"}}
    assert emulator.requests[-1].body["parameters"]["tool_choice"] == forced
    ChatQwen().bind_tools([get_weather, get_population], tool_choice="get_population").invoke("x")
    assert (
        emulator.requests[-1].body["parameters"]["tool_choice"]["function"]["name"]
        == "get_population"
    )
    sent = len(emulator.requests)
    for choice in ("required", "any", True):
        both = ChatQwen().bind_tools([get_weather, get_population], tool_choice=choice)
        with pytest.raises(ValueError, match="can force one named function") as caught:
            both.invoke("x")
        assert isinstance(caught.value, core.RequestValidationError)
        assert caught.value.code == "ToolChoiceUnsupported"
    assert len(emulator.requests) == sent  # refused before any request
    ChatQwen().bind_tools([get_weather], tool_choice="none", parallel_tool_calls=True).invoke("x")
    params = emulator.requests[-1].body["parameters"]
    assert params["tool_choice"] == "none" and params["parallel_tool_calls"] is True


def tool_agent(model: ChatQwen, tools: list[Any]) -> Any:
    """The classic LangGraph agent: model node, tool node, loop until no tool calls."""
    bound = model.bind_tools(tools)
    call = RunnableLambda(
        lambda state: {"messages": [bound.invoke(state["messages"])]},
        afunc=lambda state: _acall(bound, state),
    )
    graph = StateGraph(MessagesState)
    graph.add_node("model", call)
    graph.add_node("tools", ToolNode(tools))
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", tools_condition)
    graph.add_edge("tools", "model")
    return graph.compile()


async def _acall(bound: Any, state: Any) -> dict[str, Any]:
    return {"messages": [await bound.ainvoke(state["messages"])]}


async def test_langgraph_agent_with_two_tools(emulator: Emulator, sync: bool) -> None:
    agent = tool_agent(ChatQwen(), [get_weather, get_population])
    question = {"messages": [("user", "What is the weather in 'Hangzhou'?")]}
    state = agent.invoke(question) if sync else await agent.ainvoke(question)
    kinds = [m.type for m in state["messages"]]
    assert kinds == ["human", "ai", "tool", "ai"]
    assert state["messages"][2].content == "Hangzhou: sunny, 22 C"
    assert "Hangzhou: sunny, 22 C" in state["messages"][-1].content


@pytest.mark.parametrize("method", ["function_calling", "json_schema", "json_mode"])
async def test_structured_output(emulator: Emulator, sync: bool, method: str) -> None:
    text = (
        "Describe 'name' and 'country'"
        if method == "json_mode"
        else "Tell me about 'Paris' in 'France'"
    )
    runnable = ChatQwen().with_structured_output(City, method=method)  # type: ignore[arg-type]
    city = runnable.invoke(text) if sync else await runnable.ainvoke(text)
    assert isinstance(city, City)
    if method != "json_mode":
        assert (city.name, city.country) == ("Paris", "France")
    raw = ChatQwen().with_structured_output(City, method=method, include_raw=True).invoke(text)  # type: ignore[arg-type]
    assert (
        isinstance(raw, dict) and isinstance(raw["raw"], AIMessage) and raw["parsing_error"] is None
    )


def test_structured_output_checks_the_catalog() -> None:
    with pytest.raises(ValueError, match="json_schema"):
        ChatMoonshot().with_structured_output(City, method="json_schema")
    with pytest.raises(ValueError, match="tool calling"):
        ChatMoonshot().with_structured_output(City)


def test_family_classes(emulator: Emulator) -> None:
    for cls, model in [(ChatQwen, "qwen-plus"), (ChatMoonshot, "moonshot-v1-8k"), (ChatDeepSeek, "deepseek-v3"),
                       (ChatKimi, "Moonshot-Kimi-K2-Instruct"), (ChatQwenVL, "qwen-vl-plus")]:  # fmt: skip
        message = cls().invoke("hello")
        assert (
            message.content == f"[{model}] You said: hello"
            and emulator.requests[-1].body["model"] == model
        )
    moss = ChatMoss().invoke([SystemMessage("Be kind."), HumanMessage("你好")])
    prompt = emulator.requests[-1].body["input"]["prompt"]
    assert prompt.startswith("You are an AI assistant whose name is MOSS.") and "Be kind." in prompt
    assert prompt.endswith("<|Human|>: 你好<eoh>\n<|MOSS|>:")
    assert moss.content == "[moss-moon-003-sft] You said: 你好"  # echo and <eom> stripped
    yuan = ChatYuan().invoke([HumanMessage("你好"), AIMessage("您好"), HumanMessage("写诗")])
    assert emulator.requests[-1].body["input"] == {
        "prompt": "用户：你好\n小元：您好\n用户：写诗\n小元："
    }
    assert yuan.content == "[chatyuan-large-v2] You said: 写诗"
    assert (
        "".join(str(c.content) for c in ChatMoss().stream("你好"))
        == "[moss-moon-003-sft] You said: 你好"
    )


async def test_llm_classes(emulator: Emulator, sync: bool) -> None:
    assert QwenLLM().invoke("1+1=") == "[qwen-plus] You said: 1+1="
    assert emulator.requests[-1].body["input"] == {
        "messages": [{"role": "user", "content": "1+1="}]
    }
    raw = "<|Human|>: hi<eoh>\n<|MOSS|>:"
    text = MossLLM().invoke(raw) if sync else await MossLLM().ainvoke(raw)
    assert text == "[moss-moon-003-sft] You said: hi" and emulator.requests[-1].body["input"] == {
        "prompt": raw
    }
    pieces = (
        list(ChatYuanLLM().stream("用户：你好\n小元："))
        if sync
        else [p async for p in ChatYuanLLM().astream("用户：你好\n小元：")]
    )
    assert "".join(pieces) == "[chatyuan-large-v2] You said: 你好"
    assert await QwenLLM().abatch(["a", "b"]) == [
        "[qwen-plus] You said: a",
        "[qwen-plus] You said: b",
    ]


async def test_reasoning_surfaced_and_sent_back(emulator: Emulator, sync: bool) -> None:
    model = ChatDeepSeek(model="deepseek-r1")
    message = model.invoke("Why?") if sync else await model.ainvoke("Why?")
    reasoning = message.additional_kwargs["reasoning_content"]
    assert reasoning and message.content
    assert any(
        b["type"] == "reasoning" and b["reasoning"] == reasoning for b in message.content_blocks
    )
    assert (
        message.usage_metadata and message.usage_metadata["output_token_details"]["reasoning"] > 0
    )
    model.invoke([HumanMessage("Why?"), message, HumanMessage("And then?")])
    assert emulator.requests[-1].body["input"]["messages"][1]["reasoning_content"] == reasoning
    # qwen-plus thinks only as a stream: invoke streams for the user
    thought = ChatQwen(enable_thinking=True).invoke("Think")
    assert thought.additional_kwargs["reasoning_content"] and emulator.requests[-1].stream


def test_images_in_multimodal_format(emulator: Emulator) -> None:
    data = base64.b64encode(b"\x89PNG fake").decode()
    message = HumanMessage(content=[
        {"type": "text", "text": "What is this?"},
        {"type": "image", "url": "https://example.com/a.png"},
        {"type": "image", "base64": data, "mime_type": "image/png"},
        {"type": "image_url", "image_url": {"url": "https://example.com/b.jpg"}},
    ])  # fmt: skip
    ChatQwenVL().invoke([message])
    sent = emulator.requests[-1]
    assert sent.path.endswith("/multimodal-generation/generation")
    assert sent.body["input"]["messages"][0]["content"] == [
        {"text": "What is this?"}, {"image": "https://example.com/a.png"},
        {"image": f"data:image/png;base64,{data}"}, {"image": "https://example.com/b.jpg"},
    ]  # fmt: skip
    with pytest.raises(core.RequestValidationError, match="has no image input"):
        ChatQwen().invoke([message])


ERRORS = [
    (Fault.http_error(401, "InvalidApiKey", "Invalid API-key provided."), core.AuthenticationError, ModelAuthenticationError),
    (Fault.http_error(400, "InvalidParameter", "Model not exist."), core.ModelNotFoundError, ModelNotFoundError),
    (Fault.http_error(400, "DataInspectionFailed", "Input data may contain inappropriate content."), core.ContentInspectionError, ModelInvalidRequestError),
    (Fault.http_error(400, "InvalidParameter", "Range of input length should be [1, 30720]"), core.ContextLengthError, ContextOverflowError),
    (Fault.http_error(429, "Throttling.AllocationQuota", "Free allocated quota exceeded."), core.RateLimitError, ModelRateLimitError),
    (Fault.server_error(), core.InternalServerError, ModelAPIError),
]  # fmt: skip


@pytest.mark.parametrize(("fault", "core_cls", "lc_cls"), ERRORS)
@pytest.mark.parametrize("streaming", [False, True])
async def test_typed_errors(
    emulator: Emulator,
    sync: bool,
    streaming: bool,
    fault: Fault,
    core_cls: type[Exception],
    lc_cls: type[Exception],
) -> None:
    model = ChatQwen(max_retries=0)
    emulator.queue(fault)
    with pytest.raises(core_cls) as info:
        if streaming:
            _ = list(model.stream("hi")) if sync else [c async for c in model.astream("hi")]
        else:
            _ = model.invoke("hi") if sync else await model.ainvoke("hi")
    assert isinstance(info.value, lc_cls) and isinstance(info.value.__cause__, core_cls)
    assert info.value.request_id and info.value.code  # type: ignore[attr-defined]


async def test_rate_limit_is_retried_transparently(emulator: Emulator, sync: bool) -> None:
    emulator.queue(Fault.rate_limit(retry_after=0.01), Fault.server_error())
    message = ChatQwen().invoke("again") if sync else await ChatQwen().ainvoke("again")
    assert message.content == "[qwen-plus] You said: again" and len(emulator.requests) == 3


def test_bad_input_fails_before_any_request(emulator: Emulator) -> None:
    with pytest.raises(core.RequestValidationError, match="temperature"):
        ChatMoonshot(temperature=1.5).invoke("hi")
    with pytest.raises(ValueError, match="unsupported message role 'robot'"):
        ChatQwen().invoke([ChatMessage(role="robot", content="beep")])
    assert emulator.requests == []


def test_serialization_and_secrets() -> None:
    model = ChatQwen(model="qwen-max", temperature=0.2, api_key="sk-very-secret")
    assert "sk-very-secret" not in repr(model) and "sk-very-secret" not in str(model)
    assert "sk-very-secret" not in dumps(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LangChainBetaWarning)  # load() is marked beta
        revived = load(dumpd(model), valid_namespaces=["langchain_dashscope_models"],
                       allowed_objects=[ChatQwen], secrets_map={"DASHSCOPE_API_KEY": "sk-other"})  # fmt: skip
    assert isinstance(revived, ChatQwen) and (revived.model, revived.temperature) == (
        "qwen-max",
        0.2,
    )
    assert revived.api_key is not None and revived.api_key.get_secret_value() == "sk-other"
    params = model._get_ls_params()
    assert params["ls_provider"] == "dashscope" and params["ls_model_name"] == "qwen-max"
    assert model.profile and model.profile["tool_calling"] and not model.profile["image_inputs"]
    assert ChatQwenVL().profile["image_inputs"]  # type: ignore[index]


def test_construction_does_no_io_and_shares_one_pool() -> None:
    a, b = ChatQwen(), ChatMoonshot()
    assert a._client is None  # nothing made until the first call
    assert a.client.config.pool_key == b.client.config.pool_key
    assert a.client is a.client  # made once ...
    a.region = "singapore"  # ... and again when a connection setting changes
    assert "dashscope-intl" in a.client.config.base_url
    assert "api_key" not in a.model_dump()  # the key is never dumped (nor shown: see repr)


def test_ls_structured_output_format_reaches_callbacks(emulator: Emulator) -> None:
    seen: list[Any] = []

    class Spy(BaseCallbackHandler):
        def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
            seen.append(kwargs.get("options", {}).get("ls_structured_output_format"))

    ChatQwen().with_structured_output(City).invoke("'Paris' 'France'", {"callbacks": [Spy()]})
    assert seen and seen[0]["kwargs"]["method"] == "function_calling" and seen[0]["schema"]
    assert "ls_structured_output_format" not in json.dumps(emulator.requests[-1].body)
