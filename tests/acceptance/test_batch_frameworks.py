"""``submit_batch`` on the LangChain chat classes and the LlamaIndex LLMs, over the session's
emulator server (time compressed to nothing): answers as ``invoke`` / ``chat`` give them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool
from llama_index.core.base.llms.types import ChatMessage, ChatResponse

import dashscope_models as core
from dashscope_models.emulator import Emulator, EmulatorServer, Fault
from langchain_dashscope_models import ChatQwen
from langchain_dashscope_models._exceptions import DashScopeContentInspectionError
from llamaindex_dashscope_models import Qwen


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}"


@pytest.fixture
def quick(emulator_server: EmulatorServer, emulator: Emulator) -> Iterator[Emulator]:
    service = emulator_server.emulator.batches
    saved, service.batch_seconds = service.batch_seconds, 0.0
    yield emulator
    service.batch_seconds = saved


def _same_shape(batched: AIMessage, invoked: AIMessage) -> None:
    assert batched.content == invoked.content
    assert [(c["name"], c["args"]) for c in batched.tool_calls] == [(c["name"], c["args"]) for c in invoked.tool_calls]  # fmt: skip
    # Batch rows report no cache details (the recorded rows have none; batches get no cache).
    usage = dict(invoked.usage_metadata or {})
    usage.pop("input_token_details", None)
    assert batched.usage_metadata == usage
    assert set(batched.response_metadata) == set(invoked.response_metadata)
    for key in ("model_name", "finish_reason", "model_provider"):
        assert batched.response_metadata[key] == invoked.response_metadata[key]
    assert batched.response_metadata["request_id"] and batched.id


async def test_langchain_submit_batch_with_bound_tools(quick: Emulator, sync: bool) -> None:
    llm = ChatQwen(model="qwen-plus", temperature=0.2)
    bound = llm.bind_tools([get_weather])
    prompt = ChatPromptTemplate.from_messages([("system", "Be brief."), ("user", "{q}")])
    inputs: list[Any] = [
        "Weather in Paris?",
        [SystemMessage("Be brief."), HumanMessage("Weather in Rome?")],
        prompt.invoke({"q": "Weather in Oslo?"}),
    ]
    if sync:
        job = bound.submit_batch(inputs, config={"run_name": "weather"})  # type: ignore[attr-defined]
        job.wait(poll_interval=0.01, progress=False)
        results = job.results()
    else:
        job = await bound.asubmit_batch(inputs, config={"run_name": "weather"})  # type: ignore[attr-defined]
        await job.await_(poll_interval=0.01, progress=False)
        results = await job.aresults()
    rows = [r.body for r in quick.requests if r.path.startswith("/api/v1")]
    assert [r["parameters"]["temperature"] for r in rows] == [0.2] * 3
    assert all(r["parameters"]["tools"][0]["function"]["name"] == "get_weather" for r in rows)
    invoked = [bound.invoke(i) for i in inputs]
    assert len(results) == 3
    for batched, direct in zip(results, invoked, strict=True):
        assert isinstance(batched, AIMessage)
        _same_shape(batched, direct)  # type: ignore[arg-type]
    assert results[0].tool_calls[0]["name"] == "get_weather"
    batch = next(iter(quick.batches.batches.values())).obj
    assert batch["metadata"] == {"ds_name": "weather"}
    again = llm.attach_batch(job.id).results()
    assert [m.tool_calls for m in again] == [m.tool_calls for m in results]  # type: ignore[union-attr]


def test_langchain_failed_row_is_the_langchain_error(quick: Emulator) -> None:
    quick.queue(Fault.http_error(400, "DataInspectionFailed", "Input data may contain inappropriate content."))  # fmt: skip
    llm = ChatQwen(model="qwen-plus")
    job = llm.submit_batch(["bad words", "hello"])
    job.wait(poll_interval=0.01, progress=False)
    failed, answered = job.results()
    assert isinstance(failed, DashScopeContentInspectionError)
    assert isinstance(failed, core.ContentInspectionError) and failed.status_code == 400
    assert isinstance(answered, AIMessage) and answered.content == llm.invoke("hello").content


def test_langchain_bad_input_is_refused_before_any_upload(quick: Emulator) -> None:
    llm = ChatQwen(model="qwen-plus")
    with pytest.raises(ValueError, match="request 1: "):
        llm.submit_batch(["fine", []])  # an empty conversation
    with pytest.raises(ValueError, match="request 0: temperature"):
        llm.submit_batch(["fine", "also fine"], temperature=5.0)
    assert quick.batches.files.files == {} and quick.requests == []


async def test_llamaindex_submit_batch_gives_chat_responses(quick: Emulator, sync: bool) -> None:
    llm = Qwen(model="qwen-plus", temperature=0.3)
    conversations = [
        [ChatMessage(role="user", content="Hello")],
        [ChatMessage(role="system", content="Be brief."), ChatMessage(role="user", content="Why?")],
    ]
    if sync:
        job = llm.submit_batch(conversations, max_tokens=50)
        job.wait(poll_interval=0.01, progress=False)
        results = job.results()
    else:
        job = await llm.asubmit_batch(conversations, max_tokens=50)
        await job.await_(poll_interval=0.01, progress=False)
        results = await job.aresults()
    rows = [r.body["parameters"] for r in quick.requests if r.path.startswith("/api/v1")]
    assert [(p["temperature"], p["max_tokens"]) for p in rows] == [(0.3, 50)] * 2
    for batched, conversation in zip(results, conversations, strict=True):
        direct = llm.chat(conversation, max_tokens=50)
        assert isinstance(batched, ChatResponse)
        assert batched.message.content == direct.message.content
        # Batch rows report no cache details (as the recorded rows): no cached_tokens.
        assert set(batched.additional_kwargs) == set(direct.additional_kwargs) - {"cached_tokens"}
        for key in ("prompt_tokens", "completion_tokens", "total_tokens", "finish_reason"):
            assert batched.additional_kwargs[key] == direct.additional_kwargs[key]
    again = llm.attach_batch(job.id).results()
    assert [r.message.content for r in again] == [r.message.content for r in results]  # type: ignore[union-attr]


@pytest.fixture
def slow(emulator_server: EmulatorServer, emulator: Emulator) -> Iterator[Emulator]:
    service = emulator_server.emulator.batches
    saved, service.batch_seconds = service.batch_seconds, 60.0
    yield emulator
    service.batch_seconds = saved


async def test_langchain_job_errors_are_langchain_errors(slow: Emulator, sync: bool) -> None:
    # The job's own calls (polling, results before the end) raise LangChain's twins, as its
    # rows do: framework code catching langchain-core's classes sees them.
    from langchain_core.exceptions import ModelTimeoutError

    job = ChatQwen(model="qwen-plus").submit_batch(["Hello"])
    with pytest.raises(ModelTimeoutError) as info:
        if sync:
            job.wait(poll_interval=0.01, timeout=0.05, progress=False)
        else:
            await job.await_(poll_interval=0.01, timeout=0.05, progress=False)
    assert isinstance(info.value, core.APITimeoutError) and info.value.code
    job.cancel()


def test_langchain_row_of_a_missing_model_carries_the_hint(quick: Emulator) -> None:
    job = ChatQwen(model="qwen-plsu").submit_batch(["hello"])
    (failed,) = job.results()
    assert isinstance(failed, core.ModelNotFoundError)  # the LangChain twin of the core error
    assert "did you mean 'qwen-plus'?" in str(failed)


def test_llamaindex_row_of_a_missing_model_carries_the_hint(quick: Emulator) -> None:
    job = Qwen(model="qwen-plsu").submit_batch([[ChatMessage(role="user", content="hello")]])
    (failed,) = job.results()
    assert isinstance(failed, core.ModelNotFoundError)
    assert failed.hint == "model 'qwen-plsu' does not exist; did you mean 'qwen-plus'?"


async def test_documents_in_batches_of_both_frameworks(quick: Emulator, sync: bool) -> None:
    # A LlamaIndex DocumentBlock and a LangChain file block go as they do live: uploaded once
    # (file-extract) before the batch is created, named by file id; the answers read them.
    import base64

    from llama_index.core.base.llms.types import DocumentBlock, TextBlock

    from dashscope_models._uploads import forget_uploads
    from langchain_dashscope_models import ChatDashScope
    from llamaindex_dashscope_models import DashScope

    forget_uploads()
    text = b"The warranty lasts two years."
    blocks = [DocumentBlock(data=text, title="terms.txt"), TextBlock(text="How long is it?")]
    file_block = {"type": "file", "base64": base64.b64encode(text).decode(),
                  "mime_type": "text/plain", "filename": "terms.txt"}  # fmt: skip
    llm, chat = DashScope(model="qwen-long"), ChatDashScope(model="qwen-long")
    conversation = [ChatMessage(role="user", blocks=blocks)]
    message = [HumanMessage([file_block, {"type": "text", "text": "What is the warranty?"}])]
    if sync:
        answers = [llm.submit_batch([conversation]).results()[0].message.content,
                   chat.submit_batch([message]).results()[0].content]  # fmt: skip
    else:
        answers = [(await (await llm.asubmit_batch([conversation])).aresults())[0].message.content,
                   (await (await chat.asubmit_batch([message])).aresults())[0].content]  # fmt: skip
    assert all("The warranty lasts two years." in str(a) for a in answers), answers
    documents = [f for f in quick.batches.files.files.values() if f.purpose == "file-extract"]
    assert len(documents) == 1  # the same content: uploaded once for both
