"""Drop-in parity with llama-index-llms-openai's ``OpenAI``, over the emulator's real server:
what a user's existing LlamaIndex code reads or passes must work the same with ``Qwen``."""

from __future__ import annotations

import pytest
from llama_index.core.base.llms.types import ChatMessage, LogProb
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler

import dashscope_models as core
from dashscope_models.emulator import Emulator, Reply
from llamaindex_dashscope_models import Qwen

USER = [ChatMessage(role="user", content="Hello there")]
USAGE = {"input_tokens": 1000, "output_tokens": 77, "total_tokens": 1077}


async def test_token_counting_handler_gets_the_service_counts_of_streams(
    emulator: Emulator,
) -> None:
    # TokenCountingHandler reads raw["usage"], then additional_kwargs; a streamed response
    # with no raw made it estimate with tiktoken instead (OpenAI's chunks are the raw).
    counter = TokenCountingHandler()
    llm = Qwen(callback_manager=CallbackManager([counter]))
    emulator.queue(*[Reply(usage=USAGE)] * 4)
    chats = list(llm.stream_chat(USER))
    [r async for r in await llm.astream_chat(USER)]
    completions = list(llm.stream_complete("Hello there"))
    [r async for r in await llm.astream_complete("Hello there")]
    counts = [(e.prompt_token_count, e.completion_token_count) for e in counter.llm_token_counts]
    assert counts == [(1000, 77)] * 4
    for response in (*chats, *completions):
        assert isinstance(response.raw, dict) and response.raw["request_id"]
    assert chats[-1].raw == {"request_id": chats[-1].additional_kwargs["request_id"],
                             "usage": USAGE}  # fmt: skip
    assert chats[0].raw is not None and chats[0].raw["usage"] is None


async def test_extra_body_parameters_go_to_the_top_level(emulator: Emulator, sync: bool) -> None:
    # With the OpenAI SDK (DashScope's compatible mode) DashScope's own parameters travel in
    # extra_body, which the SDK merges into the body; sent nested, the service ignores them.
    llm = Qwen(additional_kwargs={"extra_body": {"enable_thinking": True, "thinking_budget": 50}})
    extra_body = {"search_options": {"forced_search": True}, "enable_search": True}
    if sync:
        list(llm.stream_chat(USER, extra_body=extra_body))
    else:
        await Qwen().achat(USER, extra_body={"enable_thinking": True, "thinking_budget": 50})
    params = emulator.requests[-1].body["parameters"]
    assert "extra_body" not in params
    assert (params["enable_thinking"], params["thinking_budget"]) == (True, 50)
    if sync:
        assert params["enable_search"] is True and params["search_options"] == {
            "forced_search": True
        }
    with pytest.raises(core.RequestValidationError, match="extra_body must be a dict"):
        Qwen().chat(USER, extra_body="enable_thinking=true")
    with pytest.raises(core.RequestValidationError, match="has no thinking mode"):
        Qwen(model="qwen-max").chat(USER, extra_body={"enable_thinking": True})  # still checked
    assert len(emulator.requests) == 1


async def test_logprobs_as_llama_index_llms_openai_gives_them(
    emulator: Emulator, sync: bool
) -> None:
    # OpenAI's from_openai_token_logprobs: per token, its top_logprobs as LogProb objects.
    llm = Qwen(logprobs=True, top_logprobs=2)
    response = llm.chat(USER) if sync else await llm.achat(USER)
    assert emulator.requests[-1].body["parameters"]["top_logprobs"] == 2
    wire = response.raw["output"]["choices"][0]["logprobs"]["content"]
    assert response.logprobs is not None and len(response.logprobs) == len(wire) > 3
    for token, entry in zip(response.logprobs, wire, strict=True):
        assert token[0] == LogProb(token=entry["token"], logprob=entry["logprob"],
                                   bytes=entry["bytes"])  # fmt: skip
        assert len(token) == 2 and token[1].logprob < token[0].logprob < 0
    assert "".join(t[0].token for t in response.logprobs) == response.message.content
    # Streamed: each response holds the tokens of its text so far; the last, all of them.
    stream = (
        list(llm.stream_chat(USER)) if sync else [r async for r in await llm.astream_chat(USER)]
    )
    assert stream[-1].logprobs == response.logprobs
    assert all(len(r.logprobs or ()) == len(wire[: i + 1]) for i, r in enumerate(stream[:-1]))
    assert "".join(t[0].token for t in stream[-2].logprobs or ()) == stream[-2].message.content
    completion = llm.complete("Hello there") if sync else await llm.acomplete("Hello there")
    assert completion.logprobs == response.logprobs
    assert list(llm.stream_complete("Hello there"))[-1].logprobs == response.logprobs
    # Per call (additional_kwargs or call kwargs); logprobs alone lists no alternatives, so
    # (as OpenAI's converter) no token; not asked for: None.
    per_call = Qwen(additional_kwargs={"logprobs": True}).chat(USER, top_logprobs=1)
    assert per_call.logprobs is not None and all(len(t) == 1 for t in per_call.logprobs)
    assert Qwen().chat(USER, logprobs=True).logprobs == []
    assert Qwen().chat(USER).logprobs is None
    assert all(r.logprobs is None for r in Qwen().stream_chat(USER))
    with pytest.raises(core.RequestValidationError, match="needs logprobs=True"):
        Qwen(top_logprobs=3).chat(USER)
