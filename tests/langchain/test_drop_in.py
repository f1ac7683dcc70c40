"""What a langchain-openai user does without thinking, over the emulator: streamed answers back
into the history, misspelt arguments, callbacks reading ``llm_output``, token counting.

Also: ``stream_usage``,
``extra_body``, ``model_name``, ``stop="..."``, streamed tool calls read chunk by chunk
(as LangGraph's ``stream_mode="messages"`` hands them out), and ``logprobs``/``top_logprobs``
(``response_metadata["logprobs"] = {"content": [...]}``, concatenated over added chunks)."""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler, CallbackManager
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    HumanMessageChunk,
    SystemMessageChunk,
    ToolMessage,
    trim_messages,
)
from langchain_core.outputs import LLMResult
from pydantic import ValidationError

import dashscope_models as core
import dashscope_models._config as config_module
from dashscope_models.emulator import Emulator, Reply
from langchain_dashscope_models import ChatQwen, ChatQwenVL, QwenLLM

IMAGE = "https://example.com/cat.png"


class Ends(BaseCallbackHandler):
    def __init__(self) -> None:
        self.results: list[LLMResult] = []
        self.tokens: list[str] = []

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        self.results.append(response)

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)


async def test_streamed_answer_goes_back_into_the_history(emulator: Emulator, sync: bool) -> None:
    model = ChatQwen()
    chunks = list(model.stream("Hello")) if sync else [c async for c in model.astream("Hello")]
    answer = chunks[0]
    for chunk in chunks[1:]:
        answer += chunk
    history = [SystemMessageChunk(content="Be brief."), HumanMessageChunk(content="Hello"), answer,
               HumanMessage("More")]  # fmt: skip
    reply = model.invoke(history) if sync else await model.ainvoke(history)
    assert "More" in str(reply.content)
    sent = emulator.requests[-1].body["input"]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[2]["content"] == answer.content


def test_invalid_tool_calls_go_back_with_their_raw_arguments(emulator: Emulator) -> None:
    bad = AIMessage(
        content="",
        invalid_tool_calls=[{"type": "invalid_tool_call", "name": "get_weather", "args": "{city:",
                             "id": "c1", "error": "not JSON"}],
    )  # fmt: skip
    ChatQwen().invoke([HumanMessage("Weather?"), bad, ToolMessage("bad args", tool_call_id="c1")])
    sent = emulator.requests[-1].body["input"]["messages"]
    call = sent[1]["tool_calls"][0]
    assert call["id"] == "c1" and call["function"] == {"name": "get_weather", "arguments": "{city:"}
    assert sent[2]["content"] == "bad args" and sent[2]["tool_call_id"] == "c1"


def _tool_history(content: Any) -> list[Any]:
    call = AIMessage(content="", tool_calls=[{"name": "snap", "args": {}, "id": "c1"}])
    return [HumanMessage("Look"), call, ToolMessage(content, tool_call_id="c1")]


def test_images_in_tool_results(emulator: Emulator) -> None:
    blocks = [{"type": "text", "text": "here"}, {"type": "image", "url": IMAGE}]
    ChatQwenVL().invoke(_tool_history(blocks))
    assert emulator.requests[-1].body["input"]["messages"][2]["content"] == [
        {"text": "here"},
        {"image": IMAGE},
    ]
    with pytest.raises(core.RequestValidationError, match="has no image input"):
        ChatQwen().invoke(_tool_history(blocks))
    assert len(emulator.requests) == 1  # refused before any request


def test_error_status_tool_result_with_media_is_marked(emulator: Emulator) -> None:
    blocks = [{"type": "image", "url": IMAGE}]
    history = _tool_history(blocks)
    history[2] = ToolMessage(blocks, tool_call_id="c1", status="error")
    ChatQwenVL().invoke(history)
    content = emulator.requests[-1].body["input"]["messages"][2]["content"]
    assert content == [{"text": "Error: "}, {"image": IMAGE}]


def test_empty_tool_result_is_refused_before_any_request(emulator: Emulator) -> None:
    with pytest.raises(core.RequestValidationError, match=r"tool result .* empty content"):
        ChatQwen().invoke(_tool_history(""))
    assert emulator.requests == []


def test_file_id_media_gets_a_clear_error(emulator: Emulator) -> None:
    message = HumanMessage([{"type": "image", "file_id": "file-1"}])
    with pytest.raises(core.RequestValidationError, match="by file_id"):
        ChatQwenVL().invoke([message])
    assert emulator.requests == []


def test_unknown_arguments_are_sent_with_a_warning(emulator: Emulator) -> None:
    with pytest.warns(UserWarning, match="'temprature' is not a parameter of ChatQwen"):
        model = ChatQwen(temprature=0.5)
    assert model.model_kwargs == {"temprature": 0.5}
    model.invoke("Hi")
    assert emulator.requests[-1].body["parameters"]["temprature"] == 0.5
    with pytest.warns(UserWarning, match="'max_tokns'"):
        assert QwenLLM(max_tokns=3).model_kwargs == {"max_tokns": 3}
    with pytest.raises(ValidationError, match="both as an argument and in model_kwargs"):
        ChatQwen(top_n=1, model_kwargs={"top_n": 2})


def test_known_arguments_and_aliases_do_not_warn(recwarn: pytest.WarningsRecorder) -> None:
    ChatQwen(model_name="qwen-max", max_completion_tokens=5, request_timeout=3, callbacks=[],
             dashscope_api_key="sk-x", stop_sequences=["x"], tags=["t"])  # fmt: skip
    assert not recwarn.list


async def test_llm_streaming_true_streams_inside_invoke(emulator: Emulator, sync: bool) -> None:
    emulator.queue(Reply(chunks=["one ", "two ", "three"]))
    ends = Ends()
    llm = QwenLLM(streaming=True, callbacks=[ends])
    text = llm.invoke("count", model="qwen-max") if sync else await llm.ainvoke("count")
    assert text == "one two three" and ends.tokens[:3] == ["one ", "two ", "three"]
    assert emulator.requests[-1].stream
    output = ends.results[-1].llm_output or {}
    assert output["model_name"] == ("qwen-max" if sync else "qwen-plus")
    assert output["token_usage"]["output_tokens"] > 0


def test_llm_output_model_name_follows_the_call(emulator: Emulator) -> None:
    result = QwenLLM().generate(["hi"], model="qwen-max")
    assert (result.llm_output or {})["model_name"] == "qwen-max"


async def test_chat_callbacks_see_llm_output_and_finish_reason(
    emulator: Emulator, sync: bool
) -> None:
    ends = Ends()
    model = ChatQwen(callbacks=[ends])
    if sync:
        model.invoke("Hi")
        model.batch(["a", "b"])
    else:
        await model.ainvoke("Hi")
        await model.abatch(["a", "b"])
    single = ends.results[0]
    output = single.llm_output or {}
    assert output["model_name"] == "qwen-plus" and output["request_id"]
    assert output["token_usage"]["total_tokens"] > 0
    assert single.generations[0][0].generation_info == {
        "finish_reason": "stop",
        "model_name": "qwen-plus",
    }
    streamed = list(model.stream("Hi"))
    assert streamed[-1].response_metadata["finish_reason"] == "stop"
    info = ends.results[-1].generations[0][0].generation_info
    assert info == {"finish_reason": "stop", "model_name": "qwen-plus"}


def test_batch_llm_output_sums_token_usage(emulator: Emulator) -> None:
    model = ChatQwen()
    single = model.generate([[HumanMessage("a")]]).llm_output or {}
    double = model.generate([[HumanMessage("a")], [HumanMessage("a")]]).llm_output or {}
    assert double["token_usage"]["total_tokens"] == 2 * single["token_usage"]["total_tokens"]
    assert double["model_name"] == "qwen-plus"


def test_token_counting_works_offline() -> None:
    model = ChatQwen()
    assert model.get_num_tokens("abcdefgh") == 2 and model.get_num_tokens("你好") == 2
    messages = [HumanMessage("a" * 40), AIMessage("b" * 40), HumanMessage("c")]
    assert model.get_num_tokens_from_messages(messages) > model.get_num_tokens("a" * 40)
    kept = trim_messages(messages, max_tokens=15, token_counter=model, strategy="last")
    assert kept == messages[1:]
    counted = ChatQwen(custom_get_token_ids=lambda text: list(range(len(text))))
    assert counted.get_num_tokens("abcdefgh") == 8


def test_json_mode_without_a_schema_returns_a_dict(emulator: Emulator) -> None:
    emulator.queue(Reply(text='{"name": "Tom", "color": "black"}'))
    parsed = ChatQwen().with_structured_output(method="json_mode").invoke("A cat as JSON")
    assert parsed == {"name": "Tom", "color": "black"}
    assert emulator.requests[-1].body["parameters"]["response_format"] == {"type": "json_object"}
    with pytest.raises(ValueError, match="only json_mode works without one"):
        ChatQwen().with_structured_output(None, method="json_schema")


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


async def _stream(model: ChatQwen, sync: bool, **kwargs: object) -> list[AIMessageChunk]:
    if sync:
        return list(model.stream("Hi", **kwargs))
    return [c async for c in model.astream("Hi", **kwargs)]


async def test_stream_usage_is_a_field_and_never_sent(
    emulator: Emulator, sync: bool, recwarn: pytest.WarningsRecorder
) -> None:
    quiet = ChatQwen(stream_usage=False)
    assert not recwarn.list and quiet.model_kwargs == {}
    chunks = await _stream(quiet, sync)
    assert all(c.usage_metadata is None for c in chunks)
    assert chunks[-1].response_metadata["finish_reason"] == "stop"
    assert "stream_usage" not in emulator.requests[-1].body["parameters"]
    chunks = await _stream(quiet, sync, stream_usage=True)
    assert chunks[-1].usage_metadata is not None
    assert all(
        c.usage_metadata is None for c in await _stream(ChatQwen(), sync, stream_usage=False)
    )
    assert ChatQwen().invoke("Hi", stream_usage=True).usage_metadata is not None
    assert "stream_usage" not in emulator.requests[-1].body["parameters"]


def test_extra_body_entries_are_sent_as_parameters(
    emulator: Emulator, recwarn: pytest.WarningsRecorder
) -> None:
    model = ChatQwen(extra_body={"enable_thinking": False, "search_options": {"forced": True}})
    assert not recwarn.list
    model.invoke("Hi")
    params = emulator.requests[-1].body["parameters"]
    assert params["enable_thinking"] is False and params["search_options"] == {"forced": True}
    assert "extra_body" not in params
    model.invoke("Hi", extra_body={"top_k": 5})
    params = emulator.requests[-1].body["parameters"]
    assert params["top_k"] == 5 and "extra_body" not in params
    QwenLLM(extra_body={"seed": 7}).invoke("Hi")
    assert emulator.requests[-1].body["parameters"]["seed"] == 7
    with pytest.raises(ValidationError, match="both in extra_body and in model_kwargs"):
        ChatQwen(extra_body={"x": 1}, model_kwargs={"x": 2})
    # Not a dict: a clear error, before any request (the core's one check, as in LlamaIndex).
    sent = len(emulator.requests)
    with pytest.raises(core.RequestValidationError, match="extra_body must be a dict"):
        model.invoke("Hi", extra_body=["top_k", 5])
    with pytest.raises(ValidationError, match="extra_body must be a dict"):
        ChatQwen(extra_body="enable_thinking=false")
    assert len(emulator.requests) == sent


def test_model_name_and_a_single_stop_string(emulator: Emulator) -> None:
    assert ChatQwen(model="qwen-max").model_name == "qwen-max"
    assert QwenLLM(model_name="qwen-turbo").model_name == "qwen-turbo"
    model = ChatQwen(stop="END")
    assert model.stop == ["END"] and ChatQwen(stop_sequences="x").stop == ["x"]
    model.invoke("Hi")
    assert emulator.requests[-1].body["parameters"]["stop"] == ["END"]


async def test_every_tool_call_fragment_is_in_the_chunks_blocks(
    emulator: Emulator, sync: bool
) -> None:
    emulator.queue(Reply(tool_calls=[("get_weather", {"city": "Hangzhou"})]))
    model = ChatQwen().bind_tools([WEATHER])
    if sync:
        chunks = list(model.stream("Weather?"))
    else:
        chunks = [c async for c in model.astream("Weather?")]
    # A streaming UI rebuilds the call from each chunk's standard blocks.
    blocks = [b for c in chunks for b in c.content_blocks if b["type"] == "tool_call_chunk"]
    assert "".join(str(b.get("args") or "") for b in blocks) == '{"city": "Hangzhou"}'
    last = chunks[-1]
    assert last.chunk_position == "last" and last.tool_call_chunks == []
    assert last.response_metadata["finish_reason"] == "tool_calls" and last.usage_metadata
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert total.tool_calls[0]["args"] == {"city": "Hangzhou"}
    assert total.usage_metadata == last.usage_metadata


def _tokens(entries: list[dict[str, Any]]) -> str:
    return "".join(e["token"] for e in entries)


async def test_logprobs_as_fields_per_call_and_bound(
    emulator: Emulator, sync: bool, recwarn: pytest.WarningsRecorder
) -> None:
    model = ChatQwen(logprobs=True, top_logprobs=2)
    assert not recwarn.list and model.model_kwargs == {}  # fields, as ChatOpenAI's
    message = model.invoke("Hi") if sync else await model.ainvoke("Hi")
    content = message.response_metadata["logprobs"]["content"]
    assert _tokens(content) == message.content and len(content) > 3
    assert all(len(e["top_logprobs"]) == 2 and e["logprob"] < 0 for e in content)
    assert emulator.requests[-1].body["parameters"]["top_logprobs"] == 2
    # Per call, and bound (langchain-openai's documented way), on a model without them.
    plain = ChatQwen()
    per_call = plain.invoke("Hi", logprobs=True, top_logprobs=1).response_metadata["logprobs"]
    assert [len(e["top_logprobs"]) for e in per_call["content"]] == [1] * len(content)
    bound = plain.bind(logprobs=True).invoke("Hi").response_metadata["logprobs"]["content"]
    assert all(e["top_logprobs"] == [] for e in bound) and _tokens(bound) == message.content
    generation = plain.generate([[HumanMessage("Hi")]], logprobs=True).generations[0][0]
    assert generation.generation_info is not None
    assert generation.generation_info["logprobs"]["content"] == bound
    # Not asked for: not sent, not reported.
    assert "logprobs" not in plain.invoke("Hi").response_metadata
    assert "logprobs" not in emulator.requests[-1].body["parameters"]


async def test_streamed_logprobs_concatenate(emulator: Emulator, sync: bool) -> None:
    model = ChatQwen(logprobs=True, top_logprobs=1)
    whole = model.invoke("Hi").response_metadata["logprobs"]["content"]
    chunks = await _stream(model, sync)
    for chunk in chunks:
        if chunk.content:  # each text chunk: its own entry
            assert _tokens(chunk.response_metadata["logprobs"]["content"]) == chunk.content
    total = reduce(operator.add, chunks)
    assert total.response_metadata["logprobs"]["content"] == whole
    assert total.response_metadata["finish_reason"] == "stop"
    # streaming=True inside invoke: the aggregated answer has them all, once.
    streamed = ChatQwen(logprobs=True, top_logprobs=1, streaming=True).invoke("Hi")
    assert streamed.response_metadata["logprobs"]["content"] == whole
    assert all("logprobs" not in c.response_metadata for c in await _stream(ChatQwen(), sync))


def test_bad_logprobs_are_refused_before_any_request(emulator: Emulator) -> None:
    cases: list[tuple[ChatQwen, dict[str, Any]]] = [
        (ChatQwen(top_logprobs=2), {}), (ChatQwen(), {"logprobs": "yes"}),
        (ChatQwen(logprobs=True), {"top_logprobs": -1}),
    ]  # fmt: skip
    for model, kwargs in cases:
        with pytest.raises(core.RequestValidationError):
            model.invoke("Hi", **kwargs)
    assert emulator.requests == []


def test_token_callbacks_get_the_logprobs(emulator: Emulator) -> None:
    """When langchain-core hands ``_stream`` a run manager (its v2 streaming path does), each
    token callback gets that chunk's entries as ``logprobs=``, as from ChatOpenAI."""
    seen: list[Any] = []

    class Handler(BaseCallbackHandler):
        def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            seen.append(kwargs.get("logprobs"))

    model = ChatQwen(logprobs=True, top_logprobs=1)
    whole = model.invoke("Hi").response_metadata["logprobs"]["content"]
    [run] = CallbackManager.configure([Handler()]).on_chat_model_start({}, [[HumanMessage("Hi")]])
    chunks = list(model._stream([HumanMessage("Hi")], run_manager=run))
    assert len(seen) == len(chunks) and seen[-1] is None  # the empty last chunk has none
    assert [e for lp in seen if lp is not None for e in lp["content"]] == whole


def _every_langchain_class() -> list[type]:
    """Every model class the package exports (each holds connection settings and a key)."""
    import langchain_dashscope_models as lc
    from dashscope_models.integration import ConnectionSettings

    exported = [getattr(lc, n) for n in lc.__all__]
    return [c for c in exported if isinstance(c, type) and issubclass(c, ConnectionSettings)]


@pytest.mark.parametrize("cls", _every_langchain_class(), ids=lambda c: c.__name__)
def test_dashscope_api_key_reads_back_as_a_secret(
    cls: type, caplog: pytest.LogCaptureFixture
) -> None:
    """langchain-community's name for the key, on every class: a constructor alias and a
    read-only ``SecretStr`` attribute, never in a repr, a str, a dump or a serialization."""
    from langchain_core.load import dumpd, dumps
    from pydantic import SecretStr

    secret = "sk-never-shown-123"
    required = {"app_id": "app-1"} if "app_id" in cls.model_fields else {}  # ChatDashScopeApp
    for model in (cls(dashscope_api_key=secret, **required), cls(api_key=secret, **required)):
        key = model.dashscope_api_key
        assert isinstance(key, SecretStr) and key.get_secret_value() == secret
        assert key == secret and key == SecretStr(secret)  # Tongyi's plain-string comparison
        shown = [repr(model), str(model), repr(key), str(key), f"{key}",
                 str(model.model_dump()), model.model_dump_json()]  # fmt: skip
        if getattr(model, "is_lc_serializable", lambda: False)():
            shown.append(dumps(model))
            assert list(dumpd(model)["kwargs"]).count("api_key") == 1  # the key, named once
            assert "dashscope_api_key" not in dumpd(model)["kwargs"]
        assert not any(secret in text for text in shown)
        with pytest.raises(AttributeError):
            model.dashscope_api_key = "sk-other"
    assert secret not in caplog.text


def test_api_key_none_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``api_key=None`` (langchain-community's rerank test passes it) means "from
    ``DASHSCOPE_API_KEY``", as it did there."""
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-from-env")
    key = ChatQwen(api_key=None).dashscope_api_key
    assert key is not None and key.get_secret_value() == "sk-from-env"
    monkeypatch.delenv("DASHSCOPE_API_KEY")
    # With no key at all, the emulator's local base_url gets a placeholder key and a warning
    # (once per process: reset here so the test does not depend on which tests ran before).
    monkeypatch.setattr(config_module, "_placeholder_warned", False)
    with pytest.warns(UserWarning, match="No DashScope API key set"):
        assert ChatQwen(api_key=None).dashscope_api_key is None


async def test_stream_arguments_per_call_are_not_sent(emulator: Emulator) -> None:
    """``stream=True`` / ``streaming=True`` per call (ChatTongyi's examples pass them) pick
    nothing but the method: they are not request parameters."""
    llm = ChatQwen()
    list(llm.stream("hi", streaming=True))
    await llm.ainvoke("hi", stream=True)
    for request in emulator.requests:
        assert not {"stream", "streaming"} & set(request.body["parameters"])
