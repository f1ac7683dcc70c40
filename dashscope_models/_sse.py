"""A sans-IO decoder for DashScope's server-sent events.

DashScope frames every event as ``id:N`` / ``event:result|error`` / ``:HTTP_STATUS/200`` /
``data:{json}``, usually followed by a blank line; some real streams omit the blank lines, so
(like the official SDK) an event is dispatched as soon as its ``data:`` line is complete. The
``:HTTP_STATUS/NNN`` comment is kept: it carries the real status of an in-stream error.

The decoder only sees bytes, so the sync and async paths share it, and a body split at any
byte offset decodes to the same events.

Example::

    decoder = SSEDecoder()
    events = decoder.feed(b'id:1\\nevent:result\\n:HTTP_STATUS/200\\ndata:{"output":{}}\\n\\n')
    events += decoder.close()
    assert events[0].data == '{"output":{}}' and events[0].status == 200
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass

__all__ = ["SSEDecoder", "SSEEvent", "aiter_events", "iter_events"]

_BOM = "\ufeff".encode()
_STATUS_COMMENT = b":HTTP_STATUS/"
_RESULT_LINES = frozenset({b"", b"\r", b"event:result", b"event:result\r", b":HTTP_STATUS/200"})


@dataclass(slots=True)  # not frozen: a frozen init costs 0.4 us, once per streamed event
class SSEEvent:
    """One decoded event: its ``event`` type, ``data`` text, ``id`` and HTTP ``status``
    (from the ``:HTTP_STATUS/NNN`` comment or a ``status:`` field; ``None`` when absent)."""

    event: str
    data: str
    id: str | None = None
    status: int | None = None


class SSEDecoder:
    """Feed body bytes, get the events they complete; :meth:`close` flushes a last line."""

    __slots__ = ("_buffer", "_event", "_id", "_started", "_status")

    def __init__(self) -> None:
        self._buffer = b""
        self._event = "result"
        self._id: str | None = None
        self._status: int | None = None
        self._started = False

    def feed(self, data: bytes) -> list[SSEEvent]:
        """Decode ``data``; return the events whose ``data:`` line it completed."""
        buffer = self._buffer + data if self._buffer else data
        if b"\n" not in buffer:
            self._buffer = buffer
            return []
        *lines, self._buffer = buffer.split(b"\n")
        events: list[SSEEvent] = []
        line_of = self._line
        for raw in lines:
            # Fast path (per line, per event: this is the hot loop of every stream): the
            # service's id/event/status lines for a normal result event need no state.
            if raw[:5] == b"data:" and self._started:
                if raw.endswith(b"\r"):
                    raw = raw[:-1]
                events.append(
                    SSEEvent(
                        self._event,
                        raw[5:].decode("utf-8", "replace").strip(),
                        self._id,
                        self._status,
                    )
                )
                self._event, self._id, self._status = "result", None, None
            elif raw in _RESULT_LINES and self._started:
                if raw[:1] == b":":
                    self._status = 200
            elif raw[:3] == b"id:" and self._started:
                self._id = raw[3:].decode("utf-8", "replace").strip()
            else:
                event = line_of(raw)
                if event is not None:
                    events.append(event)
        return events

    def close(self) -> list[SSEEvent]:
        """End of body: decode a last line that had no newline."""
        rest, self._buffer = self._buffer, b""
        if not rest.strip():
            return []
        event = self._line(rest)
        return [event] if event is not None else []

    def _line(self, raw: bytes) -> SSEEvent | None:
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if not self._started:
            raw = raw.removeprefix(_BOM)
            self._started = bool(raw)
        if raw.startswith(b"data:"):
            data = raw[5:].decode("utf-8", "replace").strip()
            event = SSEEvent(self._event, data, self._id, self._status)
            self._event, self._id, self._status = "result", None, None
            return event
        if not raw:
            return None
        if raw.startswith(_STATUS_COMMENT):
            self._status = _int(raw[len(_STATUS_COMMENT) :])
        elif raw.startswith(b"event:"):
            self._event = raw[6:].decode("utf-8", "replace").strip()
        elif raw.startswith(b"id:"):
            self._id = raw[3:].decode("utf-8", "replace").strip()
        elif raw.startswith(b"status:"):
            self._status = _int(raw[7:])
        return None  # other comments and unknown fields are ignored, as SSE requires


def _int(text: bytes) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def iter_events(chunks: Iterable[bytes]) -> Iterator[SSEEvent]:
    """Decode a whole byte stream (sync)."""
    decoder = SSEDecoder()
    for data in chunks:
        yield from decoder.feed(data)
    yield from decoder.close()


async def aiter_events(chunks: AsyncIterable[bytes]) -> AsyncIterator[SSEEvent]:
    """Decode a whole byte stream (async)."""
    decoder = SSEDecoder()
    async for data in chunks:
        for event in decoder.feed(data):
            yield event
    for event in decoder.close():
        yield event
