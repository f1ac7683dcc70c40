"""``_answer_fields``: every answer field declared once, with how a stream accumulates it.

The stream state follows the table for the fields it reads itself (text, reasoning, tool
calls, logprobs, finish reason, usage) and applies it to the extras; a field no row declares
is kept but raises ``UndeclaredAnswerField`` (an error here: the tests turn warnings into
errors), and every field the recorded exchanges carry is declared.
"""

from __future__ import annotations

import glob
import json
from pathlib import Path
from typing import Any

import pytest

from dashscope_models._answer_fields import (
    ANSWER_FIELDS,
    KNOWN,
    RULES,
    UndeclaredAnswerField,
    accumulate,
)
from dashscope_models._parse import parse_result
from dashscope_models._sse import SSEEvent
from dashscope_models._stream import StreamState

RECORDED = Path(__file__).parent.parent / "data"


def _event(output: dict[str, Any], **top: Any) -> SSEEvent:
    return SSEEvent("result", json.dumps({"output": output, "request_id": "r-1", **top}), None, 200)


def _message(finish: str = "null", **message: Any) -> dict[str, Any]:
    return {"choices": [{"message": {"role": "assistant", **message}, "finish_reason": finish}]}


def test_each_field_is_declared_once_per_place() -> None:
    seen = [(row.place, row.name) for row in ANSWER_FIELDS]
    assert len(seen) == len(set(seen))
    assert {row.rule for row in ANSWER_FIELDS} <= {"replace", "append", "merge_by_index",
                                                    "container"}  # fmt: skip


def test_the_stream_state_accumulates_as_the_table_says() -> None:
    assert RULES["message"]["content"] == RULES["message"]["reasoning_content"] == "append"
    assert RULES["message"]["tool_calls"] == "merge_by_index"
    assert RULES["choice"]["logprobs"] == "append" and RULES["choice"]["finish_reason"] == "replace"
    assert RULES["top"]["usage"] == "replace"
    state = StreamState("qwen-plus", incremental=True)
    call = {"index": 0, "id": "c1", "type": "function", "function": {"name": "f", "arguments": "{"}}
    state.apply(_event(_message(content="Hel", reasoning_content="th", tool_calls=[call]),
                       usage={"input_tokens": 1, "output_tokens": 1}))  # fmt: skip
    more = {"index": 0, "function": {"arguments": "}"}}
    state.apply(_event(_message("stop", content="lo", reasoning_content="ink", tool_calls=[more]),
                       usage={"input_tokens": 1, "output_tokens": 2}))  # fmt: skip
    assert state.text == "Hello" and state.reasoning_content == "think"  # append
    assert [(c.id, c.arguments) for c in state.tool_calls] == [("c1", "{}")]  # merge by index
    assert state.finish_reason == "stop" and state.usage is not None  # replace
    assert state.usage.output_tokens == 2


def test_extras_accumulate_by_their_rule_in_a_stream() -> None:
    state = StreamState("qwen-plus", incremental=True)
    state.apply(_event({**_message(content="a"), "search_info": {"search_results": [1]}}))
    state.apply(_event({**_message("stop", content="b"), "search_info": {"search_results": [2]}}))
    assert state.result().extras == {"search_info": {"search_results": [2]}}  # replace


@pytest.mark.parametrize(
    ("rule", "old", "new", "expected"),
    [
        ("replace", {"a": 1}, {"b": 2}, {"b": 2}),
        ("append", "ab", "cd", "abcd"),
        ("append", [1], [2, 3], [1, 2, 3]),
        ("append", None, "x", "x"),
        ("merge_by_index",
         [{"index": 0, "id": "c", "function": {"name": "f", "arguments": "{\"a"}}],
         [{"index": 0, "function": {"arguments": "\": 1}"}}, {"index": 1, "id": "d"}],
         [{"index": 0, "id": "c", "function": {"name": "f", "arguments": "{\"a\": 1}"}},
          {"index": 1, "id": "d"}]),
    ],
)  # fmt: skip
def test_the_rules(rule: Any, old: Any, new: Any, expected: Any) -> None:
    assert accumulate(rule, old, new) == expected


def test_an_undeclared_streamed_field_is_an_error_in_tests_and_never_lost_silently() -> None:
    state = StreamState("qwen-plus", incremental=True)
    with pytest.raises(UndeclaredAnswerField, match="'audio_piece_of_this_test'"):
        state.apply(_event(_message(content="a", audio_piece_of_this_test={"data": "AA"})))
    with pytest.warns(UndeclaredAnswerField, match="'citations_of_this_test'"):
        state.apply(_event({**_message("stop", content="b"), "citations_of_this_test": [1]}))
    assert state.result().extras == {"citations_of_this_test": [1]}  # kept, with the warning


def test_an_undeclared_field_of_a_plain_answer_is_kept_with_the_warning() -> None:
    body = {"output": {**_message("stop", content="hi"), "verdict_of_this_test": "ok"},
            "request_id": "r-1"}  # fmt: skip
    with pytest.warns(UndeclaredAnswerField, match="'verdict_of_this_test'"):
        result = parse_result(body, "qwen-plus")
    assert result.extras == {"verdict_of_this_test": "ok"}


def _generation_answers() -> list[dict[str, Any]]:
    answers = []
    for name in glob.glob(str(RECORDED / "recorded*" / "*.response.body.txt")):
        if "application" in name or "embedding" in name or "rerank" in name:
            continue  # other endpoints, other readers
        text = Path(name).read_text("utf-8").lstrip("\ufeff")
        try:
            answers.append(json.loads(text))
        except ValueError:
            answers += [json.loads(line[5:]) for line in text.splitlines()
                        if line.startswith("data:") and line[5:].strip().startswith("{")]  # fmt: skip
    return [a for a in answers if isinstance(a, dict) and isinstance(a.get("output"), dict)]


def test_every_field_the_recordings_carry_is_declared() -> None:
    answers = _generation_answers()
    assert len(answers) > 50
    for answer in answers:
        output = answer["output"]
        if "choices" not in output and "text" not in output:
            continue  # not a generation answer (files, batches, uploads)
        assert output.keys() <= KNOWN["output"], sorted(output.keys() - KNOWN["output"])
        for choice in output.get("choices") or []:
            assert choice.keys() <= KNOWN["choice"]
            message = choice.get("message") or {}
            assert message.keys() <= KNOWN["message"]
            content = message.get("content")
            for part in content if isinstance(content, list) else []:
                assert part.keys() <= KNOWN["part"]
