"""``_app_stream``: a streamed application answer read from bytes, however they are cut."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashscope_models import AppChunk, BadRequestError, InternalServerError, StreamError
from dashscope_models._app_stream import AppStreamReader

RECORDED = Path(__file__).parent.parent / "data" / "recorded"
SSE = (RECORDED / "application-single-generation-text-sse.response.body.txt").read_bytes()
HEADERS = {"content-type": "text/event-stream;charset=UTF-8", "x-request-id": "hdr-1"}


def read(
    data: bytes, size: int, *, incremental: bool = True
) -> tuple[list[AppChunk], AppStreamReader]:
    reader = AppStreamReader(incremental=incremental)
    assert reader.start(200, HEADERS)
    chunks: list[AppChunk] = []
    for i in range(0, len(data), size):
        chunks += reader.feed(data[i : i + size])
    chunks += reader.close()
    reader.finish()
    return chunks, reader


@pytest.mark.parametrize("size", [1, 7, 100, 4096, len(SSE)])
def test_the_recorded_stream_reads_the_same_however_it_is_cut(size: int) -> None:
    chunks, reader = read(SSE, size)
    events = [json.loads(line[5:]) for line in SSE.decode("utf-8-sig").splitlines()
              if line.startswith("data:")]  # fmt: skip
    assert "".join(c.text for c in chunks) == "".join(e["output"]["text"] for e in events)
    assert chunks[-1].finish_reason == "stop" and chunks[-1].usage is not None
    assert chunks[-1].usage.models[0].output_tokens == 244
    assert all(c.usage is None for c in chunks[:-1])
    assert [r.index_id for r in chunks[-1].doc_references] == ["2", "3", "4", "5"]
    assert not chunks[0].doc_references and chunks[9].doc_references  # as they were cited
    result = reader.result()
    assert result.session_id == "069db8223d514dab91185954dc5108de"
    assert result.request_id == "44862941-b743-9332-b49f-5f3db75a4873"
    assert reader.events_seen == len(events) and reader.delivered


def frame(i: int, output: dict[str, object], status: int = 200, kind: str = "result") -> bytes:
    data = json.dumps({"output": output, "request_id": "r-1"})
    return f"id:{i}\nevent:{kind}\n:HTTP_STATUS/{status}\ndata:{data}\n\n".encode()


def test_a_cumulative_stream_becomes_deltas() -> None:
    data = b"".join([
        frame(1, {"text": "Hel", "session_id": "s", "finish_reason": "null"}),
        frame(2, {"text": "Hello", "session_id": "s", "finish_reason": "null"}),
        frame(3, {"text": "Hello!", "session_id": "s", "finish_reason": "stop"}),
    ])  # fmt: skip
    chunks, reader = read(data, 5, incremental=False)
    assert [c.text for c in chunks] == ["Hel", "lo", "!"]
    assert reader.result().text == "Hello!"


def test_an_error_event_is_the_typed_error_after_the_chunks_before_it() -> None:
    error = json.dumps({"code": "InternalError", "message": "boom", "request_id": "r-2"})
    data = frame(1, {"text": "Hi", "finish_reason": "null"}) + (
        f"id:2\nevent:error\n:HTTP_STATUS/500\ndata:{error}\n\n".encode()
    )
    reader = AppStreamReader(incremental=True)
    reader.start(200, HEADERS)
    got = []
    with pytest.raises(InternalServerError) as info:
        for chunk in reader.feed(data):
            got.append(chunk)
    assert [c.text for c in got] == ["Hi"] and info.value.request_id == "r-2"


def test_a_validation_error_in_a_200_stream_is_a_bad_request() -> None:
    error = '{"code":"InvalidParameter","message":"bad","request_id":"r"}'
    reader = AppStreamReader(incremental=True)
    reader.start(200, HEADERS)
    with pytest.raises(BadRequestError):
        list(reader.feed(f"id:1\nevent:error\n:HTTP_STATUS/400\ndata:{error}\n\n".encode()))


def test_a_stream_that_ends_early_is_a_stream_error() -> None:
    with pytest.raises(StreamError, match="before its final event"):
        read(frame(1, {"text": "Hi", "finish_reason": "null"}), 10)
    with pytest.raises(StreamError, match="not JSON"):
        read(b"id:1\nevent:result\n:HTTP_STATUS/200\ndata:{oops\n\n", 10)


def test_a_plain_json_answer_to_a_stream_request_is_one_chunk() -> None:
    body = json.dumps({"output": {"text": "code", "session_id": "s", "finish_reason": "stop"},
                       "usage": {}, "request_id": "r"}).encode()  # fmt: skip
    reader = AppStreamReader(incremental=True)
    assert not reader.start(200, {"content-type": "application/json"})
    [chunk] = reader.whole(200, {"content-type": "application/json"}, body)
    assert chunk.text == "code" and chunk.finish_reason == "stop" and chunk.session_id == "s"
    reader.finish()
    assert reader.result().text == "code"
