"""``_sse``: the sans-IO SSE decoder, on recorded real streams and on edge cases (the stream
state machine: ``test_stream.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashscope_models._sse import SSEDecoder, SSEEvent, aiter_events, iter_events

RECORDED = Path(__file__).parent.parent / "data" / "recorded"
STREAMS = sorted(
    p.name.removesuffix(".response.body.txt") for p in RECORDED.glob("*-sse.response.body.txt")
)


def body(name: str) -> bytes:
    return (RECORDED / f"{name}.response.body.txt").read_bytes()


def decode(data: bytes, cuts: list[int]) -> list[SSEEvent]:
    decoder = SSEDecoder()
    events: list[SSEEvent] = []
    start = 0
    for cut in [*cuts, len(data)]:
        events += decoder.feed(data[start:cut])
        start = cut
    return events + decoder.close()


@pytest.mark.parametrize("name", STREAMS)
def test_recorded_stream_decodes_identically_at_every_split(name: str) -> None:
    data = body(name)
    whole = decode(data, [])
    assert len(whole) == data.count(b"\ndata:") + data.startswith(b"data:")
    assert all(json.loads(e.data) for e in whole)
    for offset in range(len(data) + 1):
        assert decode(data, [offset]) == whole, f"split at byte {offset}"
    assert decode(data, list(range(1, len(data)))) == whole  # byte by byte


def test_fields_status_comment_and_missing_blank_lines() -> None:
    data = (
        b'\xef\xbb\xbfid:1\r\nevent:result\r\n:HTTP_STATUS/200\r\ndata:{"a":1}\r\n'
        b'id:2\nevent:error\n:HTTP_STATUS/500\ndata: {"code":"InternalError"}\n\n'
        b': a comment\nretry:100\ndata:{"last":true}'
    )
    events = decode(data, [])
    assert events == [
        SSEEvent("result", '{"a":1}', "1", 200),
        SSEEvent("error", '{"code":"InternalError"}', "2", 500),
        SSEEvent("result", '{"last":true}', None, None),
    ]


def test_multibyte_characters_split_across_reads() -> None:
    data = 'data:{"text":"春天来了"}\n\n'.encode()
    for offset in range(len(data)):
        assert decode(data, [offset])[0].data == '{"text":"春天来了"}'


def test_iterators_sync_and_async() -> None:
    data = body("single-generation-text-sse")
    assert list(iter_events([data[:7], data[7:]])) == decode(data, [])

    async def chunks():  # type: ignore[no-untyped-def]
        yield data[:100]
        yield data[100:]

    async def collect() -> list[SSEEvent]:
        return [e async for e in aiter_events(chunks())]

    import asyncio

    assert asyncio.run(collect()) == decode(data, [])
