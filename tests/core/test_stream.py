"""``_stream``: the stream state machine: cumulative events become deltas, tool-call
fragments merge, usage comes last, error events are typed, bad streams are refused."""

from __future__ import annotations

import json

import pytest

from dashscope_models import (
    ContentInspectionError,
    InternalServerError,
    ModelNotFoundError,
    StreamError,
)
from dashscope_models._sse import SSEEvent
from dashscope_models._stream import StreamState


def event(payload: object, kind: str = "result", status: int | None = 200) -> SSEEvent:
    return SSEEvent(kind, json.dumps(payload), None, status)


def message(content: str, finish: str = "null", **extra: object) -> dict[str, object]:
    return {
        "output": {"choices": [{"message": {"role": "assistant", "content": content, **extra}, "finish_reason": finish}]},
        "usage": {"input_tokens": 5, "output_tokens": 2},
        "request_id": "r-1",
    }  # fmt: skip


def test_cumulative_events_become_deltas_and_usage_only_at_the_end() -> None:
    state = StreamState("qwen-plus", incremental=False)
    chunks = [
        state.apply(event(message(text, finish)))
        for text, finish in [("Spring", "null"), ("Spring has", "null"), ("Spring has", "null"), ("Spring has come.", "stop")]
    ]  # fmt: skip
    assert [c.text if c else None for c in chunks] == ["Spring", " has", None, " come."]
    assert [c.usage is not None for c in chunks if c] == [False, False, True]
    state.finish()
    assert state.result().text == "Spring has come." and state.result().request_id == "r-1"


def test_tool_fragments_merge_by_index_and_fall_back_to_id() -> None:
    state = StreamState("qwen-plus", incremental=True)
    frames = [
        [
            {
                "index": 0,
                "id": "call_a",
                "type": "function",
                "function": {"name": "f", "arguments": '{"x": '},
            }
        ],
        [{"index": 0, "id": "", "type": "function", "function": {"arguments": "1}"}}],
        [
            {"id": "call_b", "type": "function", "function": {"name": "g", "arguments": "{}"}}
        ],  # no index
        [{"id": "", "function": {"arguments": ""}}],
    ]
    deltas = []
    for i, calls in enumerate(frames):
        chunk = state.apply(
            event(message("", "tool_calls" if i == 3 else "null", tool_calls=calls))
        )
        deltas += chunk.tool_calls if chunk else []
    assert [(d.index, d.id, d.name, d.arguments) for d in deltas] == [
        (0, "call_a", "f", '{"x": '),
        (0, None, None, "1}"),
        (1, "call_b", "g", "{}"),
    ]
    assert [(c.id, c.name, c.arguments) for c in state.tool_calls] == [
        ("call_a", "f", '{"x": 1}'),
        ("call_b", "g", "{}"),
    ]


def test_cumulative_tool_arguments_become_deltas() -> None:
    state = StreamState("qwen-plus", incremental=False)
    for args, finish in [('{"ci', "null"), ('{"city": "Hangzhou"}', "tool_calls")]:
        calls = [{"index": 0, "id": "call_a", "function": {"name": "w", "arguments": args}}]
        state.apply(event(message("", finish, tool_calls=calls)))
    assert state.tool_calls[0].arguments == '{"city": "Hangzhou"}'


@pytest.mark.parametrize(
    ("payload", "status", "cls"),
    [
        ({"code": "InternalError", "message": "boom", "request_id": "r"}, 500, InternalServerError),
        (
            {"code": "DataInspectionFailed", "message": "bad output", "request_id": "r"},
            400,
            ContentInspectionError,
        ),
        (
            {"code": "InvalidParameter", "message": "Model not exist.", "request_id": "r"},
            None,
            ModelNotFoundError,
        ),
    ],
)
def test_error_events_raise_typed_errors(
    payload: dict[str, str], status: int | None, cls: type[Exception]
) -> None:
    state = StreamState("qwen-plus", incremental=True)
    state.apply(event(message("partial")))
    with pytest.raises(cls) as info:
        state.apply(event(payload, "error", status))
    assert info.value.status_code == (status or 400) and info.value.request_id == "r"  # type: ignore[attr-defined]


def test_malformed_and_truncated_streams() -> None:
    state = StreamState("qwen-plus", incremental=True)
    with pytest.raises(StreamError) as info:
        state.apply(SSEEvent("result", "{not json", None, 200))
    assert info.value.code == "MalformedStream"
    with pytest.raises(StreamError) as info:
        state.apply(event({"usage": {}}))
    assert info.value.code == "MalformedResponse"
    state.apply(event(message("half")))
    with pytest.raises(StreamError) as info:
        state.finish()
    assert info.value.code == "TruncatedStream"
