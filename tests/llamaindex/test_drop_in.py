"""Drop-in parity with llama-index-llms-openai's ``OpenAI``, over the emulator's real server:
what a user's existing LlamaIndex code reads or passes must work the same with ``Qwen``."""

from __future__ import annotations

import pytest
from llama_index.core.base.llms.types import ChatMessage
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
    with pytest.raises(core.RequestValidationError, match="not a thinking model"):
        Qwen(model="qwen-max").chat(USER, extra_body={"enable_thinking": True})  # still checked
    assert len(emulator.requests) == 1
