"""Where the LangChain classes skip langchain-core's per-call or per-chunk work, the result
must equal what langchain-core's own path gives: these tests check each such shortcut."""

from __future__ import annotations

import warnings
from typing import get_type_hints

from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.load import dumps
from langchain_core.messages import AIMessage, AIMessageChunk

from dashscope_models import all_specs
from langchain_dashscope_models import ChatDashScope, ChatQwen


def test_profile_keys_are_declared() -> None:
    # ChatDashScope skips langchain-core's per-instance unknown-key check: this is that check.
    declared = set(get_type_hints(ModelProfile))
    for spec in all_specs():
        profile = ChatDashScope(model=spec.name).profile
        assert profile is not None and set(profile) <= declared


def test_invocation_dict_equals_langchain_cores() -> None:
    # Our _dict_for_compat skips the deprecated dict() path langchain-core takes per call;
    # it must give what that path gives, for chat models and LLMs alike.
    from langchain_core.language_models import BaseChatModel, BaseLLM

    from langchain_dashscope_models import QwenLLM

    chat = ChatQwen(model="qwen-max", temperature=0.3, stop=["x"], enable_thinking=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and nothing of ours warns
        assert chat._dict_for_compat() == BaseChatModel._dict_for_compat(chat)
        params = chat._get_invocation_params(stop=["y"], tool_choice="auto")
    assert params == {"model": "qwen-max", "temperature": 0.3, "stop": ["y"],
                      "enable_thinking": False, "_type": "dashscope-chat",
                      "tool_choice": "auto"}  # fmt: skip
    llm = QwenLLM(max_tokens=5)
    assert llm._dict_for_compat() == BaseLLM._dict_for_compat(llm)


def test_trusted_classes_have_only_the_fields_we_name() -> None:
    # _convert builds these without validation, naming every field: a new field in
    # langchain-core must make this fail (then name it there).
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    common = {"content", "additional_kwargs", "response_metadata", "type", "name", "id",
              "tool_calls", "invalid_tool_calls", "usage_metadata"}  # fmt: skip
    assert set(AIMessage.model_fields) == common
    assert set(AIMessageChunk.model_fields) == common | {"tool_call_chunks", "chunk_position"}
    for cls in (ChatGeneration, ChatGenerationChunk):
        assert set(cls.model_fields) == {"text", "generation_info", "type", "message"}
    assert set(ChatResult.model_fields) == {"generations", "llm_output"}


def test_fast_stream_chunks_equal_validated_ones() -> None:
    from langchain_core.outputs import ChatGenerationChunk

    from dashscope_models import Chunk
    from langchain_dashscope_models._convert import chunk_message, generation_chunk

    for reasoning in ("", "hmm"):
        fast = chunk_message(
            Chunk(text="hi", request_id="r", reasoning_content=reasoning), "qwen-plus"
        )
        extra = {"reasoning_content": reasoning} if reasoning else {}
        slow = AIMessageChunk(
            content="hi",
            id="r",
            additional_kwargs=extra,
            response_metadata={"model_provider": "dashscope"},
            tool_calls=[],
            invalid_tool_calls=[],
            tool_call_chunks=[],
            usage_metadata=None,
            chunk_position=None,
        )
        assert fast == slow and fast.model_dump() == slow.model_dump()
        assert fast.model_fields_set == slow.model_fields_set
        assert fast.model_dump_json() == slow.model_dump_json() and dumps(fast) == dumps(slow)
        assert (fast + fast).content == "hihi" and fast.content_blocks == slow.content_blocks
        assert generation_chunk(fast) == ChatGenerationChunk(message=slow)
        assert generation_chunk(fast).model_fields_set == {"message", "text"}
    # A chunk with log probabilities: in response_metadata and generation_info, as validated.
    entries = [{"token": "hi", "logprob": -0.5, "bytes": [104, 105], "top_logprobs": []}]
    fast = chunk_message(Chunk(text="hi", request_id="r", logprobs=entries), "qwen-plus")
    logprobs = {"content": entries}
    assert fast.response_metadata == {"model_provider": "dashscope", "logprobs": logprobs}
    slow_chunk = ChatGenerationChunk(message=fast, generation_info={"logprobs": logprobs})
    assert generation_chunk(fast) == slow_chunk
    assert generation_chunk(fast).model_fields_set == slow_chunk.model_fields_set


def test_fast_results_equal_validated_ones() -> None:
    from langchain_core.outputs import ChatGeneration, ChatResult

    from dashscope_models import GenerationResult, Usage
    from langchain_dashscope_models._convert import chat_result, result_message

    for reasoning in (None, "hmm"):
        result = GenerationResult(text="hi", request_id="r", model="qwen-plus", finish_reason="stop",
                                  reasoning_content=reasoning, usage=Usage(3, 2, 5, 1, None))  # fmt: skip
        fast = result_message(result)
        slow = AIMessage(content="hi", id="r", additional_kwargs=fast.additional_kwargs,
                         response_metadata=fast.response_metadata, usage_metadata=fast.usage_metadata,
                         tool_calls=[], invalid_tool_calls=[])  # fmt: skip
        assert fast == slow and fast.model_dump() == slow.model_dump()
        assert fast.model_fields_set == slow.model_fields_set
        assert fast.model_dump_json() == slow.model_dump_json() and dumps(fast) == dumps(slow)
        assert fast.content_blocks == slow.content_blocks
        info = {"finish_reason": "stop", "model_name": "qwen-plus"}
        usage = {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
        llm_output = {"token_usage": usage, "model_name": "qwen-plus", "request_id": "r"}
        validated = ChatResult(
            generations=[ChatGeneration(message=slow, generation_info=info)], llm_output=llm_output
        )
        assert chat_result(fast) == validated
        assert chat_result(fast).model_fields_set == validated.model_fields_set
        generation = chat_result(fast).generations[0]
        assert generation.model_fields_set == validated.generations[0].model_fields_set
