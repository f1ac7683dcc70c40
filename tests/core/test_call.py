"""``_call``: the I/O-free reading of answers, and the answer accumulated as chunks are taken."""

from __future__ import annotations

import json

from dashscope_models import DashScopeClient, GenerationRequest, Message
from dashscope_models._call import StreamReader
from dashscope_models._parse import read_output
from dashscope_models._request import build_body
from dashscope_models.emulator import Emulator, EmulatorTransport, Reply

JSON = {"content-type": "application/json", "x-request-id": "r-1"}


def _event(i: int, content: str, finish: str = "null", calls: list[dict] | None = None) -> str:
    message: dict = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = calls
    data = {"output": {"choices": [{"message": message, "finish_reason": finish}]},
            "request_id": "r-1"}  # fmt: skip
    if finish != "null":
        data["usage"] = {"input_tokens": 3, "output_tokens": 3}
    return f"id:{i}\nevent:result\n:HTTP_STATUS/200\ndata:{json.dumps(data)}\n\n"


def test_the_answer_so_far_is_exact_at_each_chunk_of_one_read() -> None:
    """Three events arrive in one read: while the caller holds a chunk, the reader's answer so
    far ends with that chunk (events are applied as their chunks are taken)."""
    call = {"index": 0, "id": "c1", "type": "function",
            "function": {"name": "f", "arguments": '{"a":'}}  # fmt: skip
    rest = {"index": 0, "function": {"arguments": " 1}"}}
    body = _event(1, "Hel") + _event(2, "lo", calls=[call]) + _event(3, "!", "tool_calls", [rest])
    prepared = build_body(GenerationRequest(model="qwen-plus", prompt="hi"), stream=True)
    reader = StreamReader(prepared)
    seen = []
    for chunk in reader.feed(body.encode()):
        seen.append((chunk.text, reader.text, [c.arguments for c in reader.tool_calls]))
    assert seen == [("Hel", "Hel", []), ("lo", "Hello", ['{"a":']), ("!", "Hello!", ['{"a": 1}'])]
    reader.finish()
    assert reader.result().text == "Hello!"


def test_a_whole_answer_to_a_stream_request_is_the_answer_so_far() -> None:
    """A plain JSON answer to a stream request: one chunk, and the result is that answer (it
    used to be empty, losing the text of generate-by-streaming)."""
    prepared = build_body(GenerationRequest(model="qwen-plus", prompt="hi"), stream=True)
    reader = StreamReader(prepared)
    assert not reader.start(200, JSON)
    body = {"output": {"text": "hello", "finish_reason": "stop"}, "request_id": "r-1"}
    [chunk] = reader.whole(200, JSON, json.dumps(body).encode())
    assert chunk.text == reader.text == reader.result().text == "hello"
    assert reader.request_id == "r-1" and reader.tool_calls == []


def test_output_fields_are_named() -> None:
    output = read_output({"text": "2", "finish_reason": "stop"})
    assert (output.text, output.finish_reason, output.tool_calls) == ("2", "stop", [])


async def test_stream_accumulated_pairs_each_chunk_with_the_answer_so_far() -> None:
    emulator = Emulator()
    emulator.queue(Reply(text="one two three"))
    emulator.queue(Reply(text="one two three"))
    client = DashScopeClient(api_key="sk-x", transport=EmulatorTransport(emulator))
    request = GenerationRequest(model="qwen-plus", messages=[Message("user", "count")])
    texts, sofar = [], []
    for chunk, so_far in client.stream_accumulated(request):
        texts.append(chunk.text)
        sofar.append(so_far.text)
    assert sofar == ["".join(texts[: i + 1]) for i in range(len(texts))] and len(texts) > 1
    async for chunk, so_far in client.astream_accumulated(request):
        assert so_far.text.endswith(chunk.text)
    assert so_far.text == "one two three"


def test_every_field_of_every_streamed_chunk_is_set() -> None:
    """The stream state sets each field of a chunk by name on a blank one (faster than a
    keyword call): a field added to Chunk must be set there too, or this fails."""
    from dataclasses import fields

    from dashscope_models import Chunk

    call = {
        "index": 0,
        "id": "c1",
        "type": "function",
        "function": {"name": "f", "arguments": "{}"},
    }
    body = _event(1, "Hel") + _event(2, "lo", "tool_calls", [call])
    reader = StreamReader(
        build_body(GenerationRequest(model="qwen-plus", prompt="hi"), stream=True)
    )
    chunks = list(reader.feed(body.encode()))
    assert len(chunks) == 2
    for chunk in chunks:
        for f in fields(Chunk):
            getattr(chunk, f.name)  # AttributeError: a field the stream state does not set
    assert chunks[1].usage is not None and chunks[1].finish_reason == "tool_calls"
