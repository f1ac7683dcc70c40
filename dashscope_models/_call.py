"""Reading answers without I/O: the part of a call that the sync and async paths share.

* :func:`read_result` turns a 200 JSON body into a :class:`GenerationResult` (a non-200 one
  is its typed error: ``_reply``).
* :class:`StreamReader` turns body bytes into :class:`Chunk` objects (SSE decoding, the
  stream state machine and the reply filter of prompt-only models, in one object).

Example::

    reader = StreamReader(prepared)
    for data in response.iter_bytes():
        yield from reader.feed(data)
    yield from reader.close()
    reader.finish()
    reader.result()  # the whole answer (reader.text ...: the answer so far, as chunks come)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from dashscope_models._parse import parse_result
from dashscope_models._reply import read_json
from dashscope_models._request import PreparedRequest
from dashscope_models._sse import SSEDecoder, SSEEvent
from dashscope_models._stream import StreamState
from dashscope_models._types import Chunk, GenerationResult, ToolCall, ToolCallDelta

__all__ = ["StreamReader", "read_response", "read_result"]


def read_response(
    prepared: PreparedRequest, status: int, headers: Mapping[str, str], body: bytes
) -> GenerationResult:
    """A whole answer: the typed error for a non-200 status, else the parsed result."""
    return read_result(prepared, read_json(status, headers, body))


def read_result(prepared: PreparedRequest, data: Any) -> GenerationResult:
    """Parse a JSON answer, applying the prompt-only reply filter when there is one."""
    result = parse_result(data, prepared.body["model"])
    note = prepared.request.thinking_disabled
    if note is not None:  # the integrations turned default thinking off: the answer says so
        result.extras = {**(result.extras or {}), "thinking_disabled": note}
    if prepared.reply_filter is not None:
        result.text = prepared.reply_filter.feed(result.text) + prepared.reply_filter.flush()
    return result


class StreamReader:
    """Bytes of an SSE answer in, :class:`Chunk` objects out (see the module docstring).

    It is also the answer accumulated so far (``text``, ``reasoning_content``, ``tool_calls``,
    ``logprobs``, ``request_id``): events are applied one at a time as their chunks are taken,
    so while a caller holds a chunk these are the answer up to and including it.
    """

    __slots__ = (
        "_decoder",
        "_filter",
        "_final",
        "_prepared",
        "_texts",
        "delivered",
        "events_seen",
        "state",
    )

    def __init__(self, prepared: PreparedRequest) -> None:
        self._decoder = SSEDecoder()
        note = prepared.request.thinking_disabled
        self.state = StreamState(
            prepared.body["model"],
            incremental=prepared.incremental,
            extras=None if note is None else {"thinking_disabled": note},
        )
        self._filter = prepared.reply_filter
        self._texts: list[str] = []  # filtered reply pieces (prompt-only models only)
        self._final: GenerationResult | None = None  # a whole (non-SSE) answer
        self.events_seen = 0
        self.delivered = False  # a result event arrived: from here on, never retry
        self._prepared = prepared

    def start(self, status: int, headers: Mapping[str, str]) -> bool:
        """True when the answer is an SSE stream to feed; False when :meth:`whole` must read it
        (an error status, or a plain JSON answer to a stream request)."""
        # The header's id until an event carries one: errors of this answer report it.
        self.state.request_id = headers.get("x-request-id") or ""
        # Some real SSE answers carry no content type at all: only JSON is read whole.
        return status == 200 and "json" not in headers.get("content-type", "")

    def whole(self, status: int, headers: Mapping[str, str], body: bytes) -> list[Chunk]:
        """Read a non-SSE answer to a stream request: raise its error, or return one chunk."""
        result = self._final = read_response(self._prepared, status, headers, body)
        deltas = [
            ToolCallDelta(index=c.index, id=c.id, name=c.name, arguments=c.arguments)
            for c in result.tool_calls
        ]
        self.delivered = True
        return [
            Chunk(
                text=result.text,
                request_id=result.request_id,
                reasoning_content=result.reasoning_content or "",
                tool_calls=deltas,
                finish_reason=result.finish_reason or "stop",
                usage=result.usage,
                logprobs=result.logprobs or None,
                extras=result.extras,
            )
        ]

    @property
    def request_id(self) -> str | None:
        """The answer's request id (from its events, else its header), once known."""
        return self.state.request_id or None

    def feed(self, data: bytes) -> Iterable[Chunk]:
        """Decode ``data``; yield the chunks it completes, applying each event as its chunk is
        taken. An in-stream error is raised when reached: the chunks before it were yielded,
        so nothing the service sent is lost."""
        events = self._decoder.feed(data)
        if len(events) == 1:  # a sync stream's usual read: one event, applied at once
            chunk = self._one(events[0])
            return () if chunk is None else (chunk,)
        return self._apply(events)

    def close(self) -> Iterator[Chunk]:
        """End of body: the chunks of a last unterminated line (then call :meth:`finish`)."""
        return self._apply(self._decoder.close())

    def finish(self) -> None:
        """Raise :class:`StreamError` if the stream ended before its final event."""
        self.state.finish()

    def _apply(self, events: list[SSEEvent]) -> Iterator[Chunk]:
        for event in events:
            chunk = self._one(event)
            if chunk is not None:
                yield chunk

    def _one(self, event: SSEEvent) -> Chunk | None:
        chunk = self.state.apply(event)
        self.events_seen += 1
        self.delivered = True  # a result event arrived: from here on, never retry
        if chunk is None or self._filter is None:
            return chunk
        return self._filtered(chunk)

    def _filtered(self, chunk: Chunk) -> Chunk:
        assert self._filter is not None
        text = self._filter.feed(chunk.text)
        if chunk.finish_reason is not None:
            text += self._filter.flush()
        chunk.text = text
        self._texts.append(text)
        return chunk

    # -- the answer so far ------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The reply text so far (filtered, for prompt-only models)."""
        if self._final is not None:
            return self._final.text
        return "".join(self._texts) if self._filter is not None else self.state.text

    @property
    def reasoning_content(self) -> str | None:
        """The reasoning so far (``None`` while there is none)."""
        return (
            self._final.reasoning_content
            if self._final is not None
            else self.state.reasoning_content
        )

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The tool calls so far, merged from their fragments, in index order."""
        return self._final.tool_calls if self._final is not None else self.state.tool_calls

    @property
    def logprobs(self) -> list[dict[str, Any]] | None:
        """Every log-probability entry so far (``None`` until one came)."""
        return self._final.logprobs if self._final is not None else self.state.logprobs

    def result(self) -> GenerationResult:
        """The whole answer so far, as one result (for generate-by-streaming)."""
        if self._final is not None:
            return self._final
        result = self.state.result()
        if self._filter is not None:
            result.text = "".join(self._texts)
        return result
