"""``_parse``: the one reader of answer bodies (both result formats, multimodal parts)."""

from __future__ import annotations

import pytest

from dashscope_models import BadRequestError, StreamError
from dashscope_models._parse import new_output, parse_result, read_output, require_output


def test_text_and_message_formats_read_alike() -> None:
    text = read_output({"text": "2", "finish_reason": "stop"})
    message = read_output(
        {"choices": [{"message": {"role": "assistant", "content": "2"}, "finish_reason": "stop"}]}
    )
    assert (text.text, text.finish_reason) == (message.text, message.finish_reason) == ("2", "stop")


def test_multimodal_parts_join_and_null_finish_reads_as_none() -> None:
    parts = [{"text": "a"}, {"image": "x"}, {"text": "b"}]
    output = read_output({"choices": [{"message": {"content": parts}, "finish_reason": "null"}]})
    assert output.text == "ab" and output.finish_reason is None


def test_an_event_is_read_into_the_output_given() -> None:
    into = new_output()
    assert read_output({"text": "x", "finish_reason": None}, into) is into and into.text == "x"
    read_output({"text": "y", "finish_reason": "stop"}, into)
    assert (into.text, into.finish_reason) == ("y", "stop")


def test_parse_result_usage_tool_calls_and_logprobs() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    logprobs = {"content": [{"token": "2", "logprob": -0.1, "bytes": [50], "top_logprobs": []}]}
    body = {
        "output": {"choices": [{"message": {"content": "", "tool_calls": [call]},
                                "finish_reason": "tool_calls", "logprobs": logprobs}]},
        "usage": {"input_tokens": 3, "output_tokens": 1},
        "request_id": "r-1",
    }  # fmt: skip
    result = parse_result(body, "qwen-plus")
    assert result.usage is not None and result.usage.total_tokens == 4
    assert [c.name for c in result.tool_calls] == ["f"] and result.request_id == "r-1"
    assert result.logprobs == logprobs["content"]


def test_a_body_without_output_is_an_error() -> None:
    with pytest.raises(BadRequestError):
        require_output({"code": "InvalidParameter", "message": "bad"})
    with pytest.raises(StreamError, match="without an 'output' object"):
        require_output({"request_id": "r-1"})
