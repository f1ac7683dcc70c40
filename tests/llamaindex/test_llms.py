"""The LlamaIndex classes over the emulator's real HTTP server, sync and async."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core import Document, MockEmbedding, Settings, VectorStoreIndex
from llama_index.core.agent.workflow import AgentStream, FunctionAgent, ReActAgent
from llama_index.core.base.llms.types import ChatMessage, ImageBlock, TextBlock, ThinkingBlock
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.memory import Memory
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import create_async_engine

import dashscope_models as core
from dashscope_models.emulator import Emulator, Fault, Reply
from llamaindex_dashscope_models import (
    ChatYuan,
    DashScope,
    DeepSeek,
    Kimi,
    Moonshot,
    Moss,
    Qwen,
    QwenVL,
)

USER = [ChatMessage(role="user", content="Hello there")]
ANSWER = "[qwen-plus] You said: Hello there"


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"{city}: sunny, 22 C"


def get_population(city: str) -> str:
    """Population of a city."""
    return f"{city}: 12 million"


TOOLS = [FunctionTool.from_defaults(get_weather), FunctionTool.from_defaults(get_population)]


class Person(BaseModel):
    name: str
    age: int


class Recorder(BaseEventHandler):
    events: list[str] = []  # noqa: RUF012 - a pydantic field (copied per instance)

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        self.events.append(type(event).__name__)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    handler = Recorder(events=[])
    dispatcher = get_dispatcher()
    dispatcher.add_event_handler(handler)
    yield handler
    dispatcher.event_handlers.remove(handler)


async def test_chat_and_complete(emulator: Emulator, sync: bool) -> None:
    llm = Qwen()
    response = llm.chat(USER) if sync else await llm.achat(USER)
    assert response.message.content == ANSWER
    usage = response.additional_kwargs
    assert (
        usage["prompt_tokens"] > 0
        and usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    )
    assert response.raw and response.raw["request_id"] == usage["request_id"]
    done = llm.complete("1+1=") if sync else await llm.acomplete("1+1=")
    assert done.text == "[qwen-plus] You said: 1+1=" and done.additional_kwargs["total_tokens"] > 0
    assert emulator.requests[-1].body["parameters"] == {
        "result_format": "message"
    }  # nothing else set


async def test_streaming_methods(emulator: Emulator, sync: bool) -> None:
    llm = Qwen()
    if sync:
        chats = list(llm.stream_chat(USER))
        completions = list(llm.stream_complete("a b c"))
    else:
        chats = [r async for r in await llm.astream_chat(USER)]
        completions = [r async for r in await llm.astream_complete("a b c")]
    assert "".join(r.delta or "" for r in chats) == chats[-1].message.content == ANSWER
    assert len(chats) > 3 and chats[-1].additional_kwargs["total_tokens"] > 0
    assert [r.additional_kwargs.get("total_tokens") is not None for r in chats].count(True) == 1
    assert (
        completions[-1].text
        == "".join(r.delta or "" for r in completions)
        == "[qwen-plus] You said: a b c"
    )
    sent = emulator.requests[-1]
    assert sent.stream and sent.headers["x-dashscope-sse"] == "enable"
    assert sent.body["parameters"]["incremental_output"] is True


def test_only_set_parameters_are_sent(emulator: Emulator) -> None:
    Qwen(
        temperature=0.2,
        max_tokens=40,
        stop=["END"],
        seed=3,
        additional_kwargs={"enable_search": True},
    ).chat(USER, top_k=4)
    assert emulator.requests[-1].body["parameters"] == {
        "result_format": "message", "temperature": 0.2, "max_tokens": 40, "stop": ["END"], "seed": 3,
        "enable_search": True, "top_k": 4,
    }  # fmt: skip


async def test_instrumentation_events(emulator: Emulator, recorder: Recorder) -> None:
    llm = Qwen()
    llm.chat(USER)
    list(llm.stream_chat(USER))
    await llm.acomplete("x")
    assert {"LLMChatStartEvent", "LLMChatInProgressEvent", "LLMChatEndEvent"} <= set(
        recorder.events
    )
    assert {"LLMCompletionStartEvent", "LLMCompletionEndEvent"} <= set(recorder.events)


async def test_function_agent_with_default_streaming(emulator: Emulator) -> None:
    agent = FunctionAgent(tools=TOOLS, llm=Qwen())
    assert agent.streaming  # the default
    handler = agent.run("What is the weather in 'Hangzhou'?")
    deltas = [e.delta async for e in handler.stream_events() if isinstance(e, AgentStream)]
    answer = await handler
    assert "Hangzhou: sunny, 22 C" in str(answer) and "".join(deltas)
    first, second = (r for r in emulator.requests if r.body["parameters"].get("tools"))
    assert first.stream and second.body["input"]["messages"][-1]["role"] == "tool"
    schema = first.body["parameters"]["tools"][0]
    assert schema["type"] == "function" and schema["function"]["name"] == "get_weather"
    assert schema["function"]["parameters"]["properties"]["city"]["type"] == "string"
    call = second.body["input"]["messages"][-2]["tool_calls"][0]
    assert call["function"] == {"name": "get_weather", "arguments": '{"city": "Hangzhou"}'}


async def test_react_agent(emulator: Emulator) -> None:
    emulator.queue(
        Reply(
            text='Thought: I need the weather.\nAction: get_weather\nAction Input: {"city": "Paris"}'
        ),
        Reply(text="Thought: I can answer without using any more tools.\nAnswer: Paris is sunny."),
    )
    answer = await ReActAgent(tools=TOOLS, llm=Qwen()).run("Weather in Paris?")
    assert "Paris is sunny." in str(answer)
    assert "Paris: sunny, 22 C" in str(emulator.requests[-1].body["input"]["messages"])


class Cat(BaseModel):
    name: str
    color: str


@pytest.mark.parametrize("model", ["qwen-plus", "deepseek-v3"])
async def test_structured_predict(emulator: Emulator, sync: bool, model: str) -> None:
    llm = DashScope(model=model)
    prompt = PromptTemplate("Describe the cat {name} whose color is 'black'.")
    cat = (
        llm.structured_predict(Cat, prompt, name="'Tom'")
        if sync
        else await llm.astructured_predict(Cat, prompt, name="'Tom'")
    )
    assert cat == Cat(name="Tom", color="black")
    params = emulator.requests[-1].body["parameters"]
    if model == "qwen-plus":  # native JSON schema (catalog: json_schema)
        assert params["response_format"]["type"] == "json_schema"
    else:  # forced tool call
        assert params["tool_choice"] == {"type": "function", "function": {"name": "Cat"}}


@pytest.fixture
def index() -> VectorStoreIndex:
    Settings.llm = Qwen()
    Settings.embed_model = MockEmbedding(embed_dim=8)
    docs = [
        Document(text="DashScope is Alibaba Cloud's model service."),
        Document(text="Qwen is a model family."),
    ]
    return VectorStoreIndex.from_documents(docs)


@pytest.fixture
def memory() -> Iterator[Memory]:
    """LlamaIndex's default chat memory, on a SQLite engine closed after the test.

    Left to the garbage collector, its aiosqlite connection stops its worker thread with a future
    of whatever event loop is current then, often a closed one, and the thread fails in a later
    test.
    """
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    yield Memory.from_defaults(async_engine=engine)
    asyncio.run(engine.dispose())


def test_rag_query_and_chat_engines(
    emulator: Emulator, index: VectorStoreIndex, memory: Memory
) -> None:
    answer = index.as_query_engine().query("What is DashScope?")
    assert "qwen-plus" in str(answer)
    assert "DashScope is Alibaba Cloud" in str(emulator.requests[-1].body["input"]["messages"])
    chat = index.as_chat_engine(memory=memory).chat("Tell me about Qwen")
    assert "qwen-plus" in str(chat)
    assert "Qwen is a model family" in str(emulator.requests[-1].body["input"]["messages"])


async def test_rag_async_query_and_chat_engines(
    emulator: Emulator, index: VectorStoreIndex, memory: Memory
) -> None:
    answer = await index.as_query_engine().aquery("What is Qwen?")
    assert "qwen-plus" in str(answer)
    chat = await index.as_chat_engine(memory=memory).achat("Tell me about Qwen")
    assert "qwen-plus" in str(chat)
    assert "Qwen is a model family" in str(emulator.requests[-1].body["input"]["messages"])


def test_family_classes(emulator: Emulator) -> None:
    for cls, model in [(Qwen, "qwen-plus"), (Moonshot, "moonshot-v1-8k"), (DeepSeek, "deepseek-v3"),
                       (Kimi, "Moonshot-Kimi-K2-Instruct"), (QwenVL, "qwen-vl-plus")]:  # fmt: skip
        assert cls().chat(USER).message.content == f"[{model}] You said: Hello there"
        assert emulator.requests[-1].body["model"] == model
        assert cls().metadata.model_name == model
    assert (
        Moss().chat([ChatMessage(role="user", content="你好")]).message.content
        == "[moss-moon-003-sft] You said: 你好"
    )
    assert emulator.requests[-1].body["input"]["prompt"].endswith("<|Human|>: 你好<eoh>\n<|MOSS|>:")
    raw = "<|Human|>: hi<eoh>\n<|MOSS|>:"
    assert Moss().complete(raw).text == "[moss-moon-003-sft] You said: hi"
    assert emulator.requests[-1].body["input"] == {"prompt": raw}
    assert (
        ChatYuan().chat([ChatMessage(role="user", content="你好")]).message.content
        == "[chatyuan-large-v2] You said: 你好"
    )
    assert emulator.requests[-1].body["input"] == {"prompt": "用户：你好\n小元："}
    meta = Moonshot().metadata
    assert (meta.context_window, meta.is_function_calling_model) == (8192, False)
    assert Qwen().metadata.is_function_calling_model


async def test_reasoning_as_thinking_blocks(emulator: Emulator) -> None:
    llm = DeepSeek(model="deepseek-r1")
    message = llm.chat(USER).message
    thinking = [b for b in message.blocks if isinstance(b, ThinkingBlock)]
    assert thinking and thinking[0].content and message.content
    streamed = [r async for r in await llm.astream_chat(USER)]
    assert any(r.additional_kwargs.get("thinking_delta") for r in streamed)
    llm.chat([*USER, message, ChatMessage(role="user", content="more")])
    assert (
        emulator.requests[-1].body["input"]["messages"][1]["reasoning_content"]
        == thinking[0].content
    )


def test_images_go_to_the_multimodal_endpoint(emulator: Emulator) -> None:
    message = ChatMessage(role="user", blocks=[
        ImageBlock(url="https://example.com/dog.jpeg"),
        ImageBlock(image=b"\x89PNG\r\n\x1a\nfake", image_mimetype="image/png"),
        TextBlock(text="What is this?"),
    ])  # fmt: skip
    assert QwenVL().chat([message]).message.content == "[qwen-vl-plus] You said: What is this?"
    sent = emulator.requests[-1]
    assert sent.path.endswith("/multimodal-generation/generation")
    content = sent.body["input"]["messages"][0]["content"]
    assert content[0] == {"image": "https://example.com/dog.jpeg"}
    assert content[1]["image"].startswith("data:image/png;base64,") and content[2] == {
        "text": "What is this?"
    }


ERRORS = [
    (Fault.http_error(401, "InvalidApiKey", "Invalid API-key provided."), core.AuthenticationError),
    (Fault.http_error(400, "DataInspectionFailed", "Input data may contain inappropriate content."), core.ContentInspectionError),
    (Fault.http_error(429, "Throttling.AllocationQuota", "Free allocated quota exceeded."), core.RateLimitError),
    (Fault.server_error(), core.InternalServerError),
]  # fmt: skip


@pytest.mark.parametrize(("fault", "cls"), ERRORS)
async def test_typed_errors_from_chat_stream_and_agent(
    emulator: Emulator, fault: Fault, cls: type[Exception]
) -> None:
    llm = Qwen(max_retries=0)
    emulator.queue(fault)
    with pytest.raises(cls):
        llm.chat(USER)
    emulator.queue(fault)
    with pytest.raises(cls):
        [r async for r in await llm.astream_chat(USER)]
    emulator.queue(fault)
    with pytest.raises(cls):
        await FunctionAgent(tools=TOOLS, llm=llm).run("weather in 'Paris'?")


async def test_rate_limit_retried_transparently(emulator: Emulator, sync: bool) -> None:
    emulator.queue(Fault.rate_limit(retry_after=0.01))
    response = Qwen().chat(USER) if sync else await Qwen().achat(USER)
    assert response.message.content == ANSWER and len(emulator.requests) == 2
    emulator.queue(Fault.rate_limit(retry_after=0.01))  # before a stream starts, too
    if sync:
        streamed = list(Qwen().stream_chat(USER))
    else:
        streamed = [r async for r in await Qwen().astream_chat(USER)]
    assert streamed[-1].message.content == ANSWER and len(emulator.requests) == 4


def test_tool_required_mapping(emulator: Emulator) -> None:
    llm = Qwen()
    llm.chat_with_tools(TOOLS[:1], "weather?", tool_required=True)
    assert (
        emulator.requests[-1].body["parameters"]["tool_choice"]["function"]["name"] == "get_weather"
    )
    with pytest.raises(ValueError, match="can force one named function"):
        llm.chat_with_tools(TOOLS, "weather?", tool_required=True)
    llm.chat_with_tools(TOOLS, "weather in 'Rome'?", allow_parallel_tool_calls=True)
    assert emulator.requests[-1].body["parameters"]["parallel_tool_calls"] is True


def test_partial_tool_call_arguments_while_streaming(emulator: Emulator) -> None:
    llm = Qwen()
    seen = []
    for response in llm.stream_chat_with_tools(TOOLS, "weather in 'Oslo'?"):
        seen.append(llm.get_tool_calls_from_response(response, error_on_no_tool_call=False))
    assert seen[-1][0].tool_kwargs == {"city": "Oslo"}
    assert any(
        s and s[0].tool_kwargs != {"city": "Oslo"} for s in seen[:-1]
    )  # partial arguments were parsed


def test_serialization_without_key() -> None:
    llm = Qwen(api_key="sk-very-secret", temperature=0.1)
    dumped = llm.to_dict()
    assert (
        "api_key" not in dumped
        and "sk-very-secret" not in str(dumped)
        and "sk-very-secret" not in repr(llm)
    )
    again = Qwen.from_dict(dumped)
    assert (again.model, again.temperature) == ("qwen-plus", 0.1)


def test_bad_input_fails_before_any_request(emulator: Emulator) -> None:
    with pytest.raises(core.RequestValidationError):
        Moonshot(temperature=1.5).chat(USER)
    with pytest.raises(core.RequestValidationError, match="role"):
        Qwen().chat([ChatMessage(role="function", content="x")])
    assert emulator.requests == []


def test_fast_constructors_equal_validated_ones() -> None:
    # The streaming path builds these without validation; they must equal the real thing,
    # and name every field (a new field in llama-index would make this fail).
    from llama_index.core.base.llms.types import ChatResponse, CompletionResponse

    from dashscope_models._trusted import trusted
    from llamaindex_dashscope_models._convert import _completion, assistant, text_block

    assert set(TextBlock.model_fields) == {"block_type", "text"}
    assert set(ChatMessage.model_fields) == {"role", "additional_kwargs", "blocks"}
    assert set(ChatResponse.model_fields) == {
        "message",
        "raw",
        "delta",
        "logprobs",
        "additional_kwargs",
    }
    block = text_block("hi")
    assert block == TextBlock(text="hi")
    message = assistant([block], {"a": 1})
    assert message == ChatMessage(
        role="assistant", blocks=[TextBlock(text="hi")], additional_kwargs={"a": 1}
    )
    values = {
        "message": message,
        "raw": None,
        "delta": "hi",
        "logprobs": None,
        "additional_kwargs": {},
    }
    assert trusted(ChatResponse, dict(values)) == ChatResponse(**values)
    assert set(CompletionResponse.model_fields) == {
        "text",
        "additional_kwargs",
        "raw",
        "logprobs",
        "delta",
    }
    assert _completion("ab", "b", {"x": 1}, {"k": 2}) == CompletionResponse(
        text="ab", delta="b", raw={"x": 1}, additional_kwargs={"k": 2}
    )
