"""Reading a streamed application answer without I/O: bytes in, :class:`AppChunk` out.

The events are the generation stream's (``id``/``event``/``:HTTP_STATUS``/``data``, decoded by
``_sse``), each with the whole ``output`` shape: text (a delta with ``incremental_output``,
else the text so far), ``session_id``, ``finish_reason`` ``"null"`` until the last event, the
``doc_references`` and ``thoughts`` so far, and cumulative ``usage``. An ``event:error`` (or a
status that is not 200) raises the typed error a plain answer would.

Example::

    reader = AppStreamReader(incremental=True)
    for data in response.iter_bytes():
        yield from reader.feed(data)
    yield from reader.close()
    reader.finish()
    reader.result()  # the whole answer
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from dashscope_models._app_result import (
    AppChunk,
    AppResult,
    AppThought,
    AppUsage,
    DocReference,
    parse_app_result,
    read_parts,
)
from dashscope_models._errors import StreamError, error_from_body
from dashscope_models._parse import require_output
from dashscope_models._reply import read_json
from dashscope_models._sse import SSEDecoder, SSEEvent

__all__ = ["AppStreamReader", "read_app_response"]


def read_app_response(status: int, headers: Mapping[str, str], body: bytes) -> AppResult:
    """A whole answer: the typed error for a non-200 status, else the parsed result."""
    return parse_app_result(read_json(status, headers, body))


class AppStreamReader:
    """Bytes of an SSE answer in, chunks out; also the answer so far (see the module
    docstring). ``delivered``, ``events_seen`` and ``request_id`` tell the retry loop whether
    the stream may be sent again (never after its first event)."""

    __slots__ = (
        "_decoder",
        "_final",
        "_incremental",
        "_last",
        "_seen_text",
        "_text",
        "delivered",
        "events_seen",
        "finish_reason",
        "refs",
        "session_id",
        "state_request_id",
        "thoughts",
        "usage",
    )

    def __init__(self, *, incremental: bool) -> None:
        self._decoder = SSEDecoder()
        self._incremental = incremental
        self._text: list[str] = []
        self._seen_text = ""  # cumulative mode: the whole text so far
        self._last: dict[str, Any] = {}
        self._final: AppResult | None = None
        self.delivered = False
        self.events_seen = 0
        self.finish_reason: str | None = None
        self.session_id: str | None = None
        self.state_request_id = ""
        self.thoughts: list[AppThought] = []
        self.refs: list[DocReference] = []
        self.usage = AppUsage()

    @property
    def request_id(self) -> str | None:
        """The answer's request id (its events', else its header's), once known."""
        return self.state_request_id or None

    def start(self, status: int, headers: Mapping[str, str]) -> bool:
        """True when the answer is an SSE stream to feed; False when :meth:`whole` reads it."""
        self.state_request_id = headers.get("x-request-id") or ""
        return status == 200 and "json" not in headers.get("content-type", "")

    def whole(self, status: int, headers: Mapping[str, str], body: bytes) -> list[AppChunk]:
        """A non-SSE answer to a stream request: raise its error, or return it as one chunk."""
        result = self._final = read_app_response(status, headers, body)
        self.delivered = True
        return [
            AppChunk(
                text=result.text,
                request_id=result.request_id,
                session_id=result.session_id,
                finish_reason=result.finish_reason or "stop",
                thoughts=result.thoughts,
                doc_references=result.doc_references,
                usage=result.usage,
            )
        ]

    def feed(self, data: bytes) -> Iterator[AppChunk]:
        """Decode ``data``; yield the chunks it completes (an in-stream error is raised when
        reached, after the chunks before it)."""
        return self._apply(self._decoder.feed(data))

    def close(self) -> Iterator[AppChunk]:
        """End of body: the chunks of a last unterminated line (then call :meth:`finish`)."""
        return self._apply(self._decoder.close())

    def finish(self) -> None:
        """Raise :class:`StreamError` if the stream ended before its final event."""
        if self.finish_reason is None and self._final is None:
            raise StreamError(
                "the stream ended before its final event",
                code="TruncatedStream",
                status_code=200,
                request_id=self.request_id,
            )

    def _apply(self, events: list[SSEEvent]) -> Iterator[AppChunk]:
        for event in events:
            chunk = self._one(event)
            if chunk is not None:
                yield chunk

    def _one(self, event: SSEEvent) -> AppChunk | None:
        self.events_seen += 1
        data = _json(event, self.state_request_id)
        if event.event == "error" or (event.status or 200) != 200:
            status = event.status if event.status not in (None, 200) else 400
            raise error_from_body(status or 400, data, self.request_id)
        self.delivered = True
        text, session_id, finish, thoughts, refs = read_parts(require_output(data))
        self._last = data
        self.state_request_id = str(data.get("request_id") or self.state_request_id)
        if not self._incremental:
            whole = text or self._seen_text
            text = whole[len(self._seen_text) :] if whole.startswith(self._seen_text) else whole
            self._seen_text = whole
        if text:
            self._text.append(text)
        self.session_id = session_id or self.session_id
        if thoughts:
            self.thoughts = thoughts
        if refs:
            self.refs = refs
        if "usage" in data:
            self.usage = AppUsage.from_wire(data.get("usage"))
        if finish is not None:
            self.finish_reason = finish
        elif not text:
            return None
        return AppChunk(
            text=text,
            request_id=self.state_request_id,
            session_id=self.session_id,
            finish_reason=finish,
            thoughts=self.thoughts,
            doc_references=self.refs,
            usage=self.usage if finish is not None else None,
        )

    @property
    def text(self) -> str:
        """The text so far."""
        return self._final.text if self._final is not None else "".join(self._text)

    def result(self) -> AppResult:
        """The whole answer so far, as one result."""
        if self._final is not None:
            return self._final
        return AppResult(
            text=self.text,
            request_id=self.state_request_id,
            session_id=self.session_id,
            finish_reason=self.finish_reason,
            thoughts=self.thoughts,
            doc_references=self.refs,
            usage=self.usage,
            raw=self._last,
        )


def _json(event: SSEEvent, request_id: str) -> Any:
    try:
        return json.loads(event.data)
    except ValueError:
        if event.event == "error" or (event.status or 200) != 200:
            return event.data  # a plain-text error is still that error
        raise StreamError(
            f"the stream carried data that is not JSON: {event.data[:200]!r}",
            code="MalformedStream",
            status_code=200,
            request_id=request_id or None,
        ) from None
