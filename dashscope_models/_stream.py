"""The stream state machine: SSE events in, :class:`Chunk` deltas out (sans-IO).

It turns cumulative events (a caller forced ``incremental_output=false``) into deltas, merges
tool-call fragments by ``index`` (falling back to ``id`` when a fragment has no index), keeps
the reasoning content apart, puts ``usage`` on the final chunk only, and gives each chunk the
log-probability entries new in its event (a cumulative event repeats the earlier ones). An
``event:error`` (or an event whose status is not 200) raises the same typed error a plain
answer would, even when its data is plain text (then the text is the message); other data that
is not JSON, or a stream that ends before its final event, raises :class:`StreamError`.

The fields the state reads itself (text, reasoning, tool calls, log-probabilities, finish
reason, usage) accumulate by hand, as the answer-field table's rows for them say (``append``,
``merge_by_index``, ``replace``; tests/core/test_answer_fields.py holds the two together): each
has its own work beside the rule (cumulative deltas, tool-call ids without an index, new
log-probability entries), and dispatching on the table's rules per event cost about 0.9 us
more an event (a sixth more in :meth:`StreamState.apply`) on the hottest path. The extras,
which are rare, accumulate by the table (``accumulate``).

Example::

    state = StreamState("qwen-plus", incremental=True)
    for event in SSEDecoder().feed(body):
        chunk = state.apply(event)
    state.finish()
    print(state.result().text)
"""

from __future__ import annotations

import json
from typing import Any

from dashscope_models._answer_fields import EXTRAS, accumulate
from dashscope_models._errors import DashScopeError, StreamError, error_from_body
from dashscope_models._parse import (
    logprob_entries,
    new_output,
    output_extras,
    read_output,
    require_output,
)
from dashscope_models._sse import SSEEvent
from dashscope_models._types import Chunk, GenerationResult, ToolCall, ToolCallDelta, Usage

__all__ = ["StreamState"]

_blank_chunk = object.__new__


class _Call:
    """One tool call being assembled from fragments."""

    __slots__ = ("arguments", "id", "name", "type")

    def __init__(self, call_id: str, name: str, type_: str) -> None:
        self.id = call_id
        self.name = name
        self.type = type_
        self.arguments = ""


class StreamState:
    """Accumulates one streamed answer; :meth:`apply` returns the new part of each event."""

    __slots__ = (
        "_by_id",
        "_calls",
        "_extras",
        "_incremental",
        "_last_index",
        "_logprobs",
        "_model",
        "_output",
        "_prev",
        "_reasoning",
        "_text",
        "_usage",
        "finish_reason",
        "last_event",
        "request_id",
    )

    def __init__(
        self, model: str, *, incremental: bool, extras: dict[str, Any] | None = None
    ) -> None:
        """``extras``: what the answer carries from the start (the client's own notes, such
        as ``thinking_disabled``), merged under the service's."""
        self._model = model
        self._incremental = incremental
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._calls: dict[int, _Call] = {}
        self._by_id: dict[str, int] = {}
        self._prev = ("", "")  # cumulative mode: the whole text and reasoning so far
        self._last_index = 0
        self._output = new_output()  # each event is read into this one (see read_output)
        self._logprobs: list[dict[str, Any]] | None = None  # every entry so far, once any came
        self.request_id = ""
        self._usage: dict[str, Any] | None = None
        self._extras = extras  # our notes, then the answer's by the table's rules
        self.finish_reason: str | None = None
        self.last_event: dict[str, Any] = {}

    def apply(self, event: SSEEvent) -> Chunk | None:
        """Read one event; return its delta, or ``None`` when it adds nothing."""
        data = _json(event, self.request_id)
        if event.event == "error" or (event.status or 200) != 200:
            raise _event_error(event, data, self.request_id)
        wire = require_output(data)
        output = read_output(wire, self._output)
        self.last_event = data
        self.request_id = str(data.get("request_id") or self.request_id)
        text, reasoning, raw_calls = output.text, output.reasoning_content, output.tool_calls
        finish, logprobs = output.finish_reason, output.logprobs
        if not self._incremental:
            whole = (text or self._prev[0], reasoning or self._prev[1])
            text, reasoning = _new_part(text, self._prev[0]), _new_part(reasoning, self._prev[1])
            self._prev = whole
        if text:
            self._text.append(text)
        if reasoning:
            self._reasoning.append(reasoning)
        deltas = [d for d in map(self._merge, raw_calls) if d is not None] if raw_calls else []
        usage = data.get("usage")
        if isinstance(usage, dict):
            self._usage = usage  # cumulative: read it once, at the end
        new_logprobs = self._new_logprobs(logprobs) if logprobs is not None else None
        extras = output_extras(wire)
        if extras is not None:
            self._extras = self._accumulated(extras)
        if finish is not None:
            self.finish_reason = finish
        elif not (text or reasoning or deltas or new_logprobs):
            return None
        # Each field set by name on a blank chunk: a keyword call of Chunk's constructor costs
        # ~0.4 us more per event (tests check that every field of every chunk is set).
        chunk = _blank_chunk(Chunk)
        chunk.text = text
        chunk.request_id = self.request_id
        chunk.reasoning_content = reasoning
        chunk.tool_calls = deltas
        chunk.finish_reason = finish
        chunk.usage = self.usage if finish is not None else None
        chunk.logprobs = new_logprobs
        chunk.extras = self._extras if finish is not None else None
        return chunk

    def _accumulated(self, extras: dict[str, Any]) -> dict[str, Any]:
        """The extras so far with this event's, each by its rule in the answer-field table
        (an undeclared one is replaced; a cumulative stream's values are each the whole)."""
        merged = dict(self._extras) if self._extras else {}
        for key, value in extras.items():
            rule = EXTRAS.get(key, "replace") if self._incremental else "replace"
            merged[key] = accumulate(rule, merged.get(key), value)
        return merged

    def _new_logprobs(self, logprobs: Any) -> list[dict[str, Any]] | None:
        """The entries of an event's ``logprobs`` not seen before (``None`` when none are)."""
        entries = logprob_entries(logprobs)
        if entries is None:
            return None
        seen = self._logprobs
        if seen is None:
            seen = self._logprobs = []
        if not self._incremental:
            entries = entries[len(seen) :]  # cumulative: the whole list so far
        seen.extend(entries)
        return entries or None

    @property
    def usage(self) -> Usage | None:
        """The latest usage the service reported (``None`` if it reports none)."""
        return Usage.from_wire(self._usage) if self._usage is not None else None

    def _merge(self, raw: dict[str, Any]) -> ToolCallDelta | None:
        function = raw.get("function") or {}
        call_id = raw.get("id") or ""
        index = raw.get("index")
        if index is None:
            index = self._by_id.get(call_id, len(self._calls)) if call_id else self._last_index
        index = int(index)
        self._last_index = index
        arguments = function.get("arguments") or ""
        call = self._calls.get(index)
        if call is None:
            call = self._calls[index] = _Call(
                call_id, function.get("name") or "", raw.get("type") or "function"
            )
            if call_id:
                self._by_id[call_id] = index
            new_id: str | None = call_id or None
            new_name: str | None = call.name or None
        else:
            new_id = new_name = None
            if call_id and not call.id:
                call.id = new_id = call_id
                self._by_id[call_id] = index
            name = function.get("name") or ""
            if name and not call.name:
                call.name = new_name = name
            if not self._incremental:
                arguments = (
                    arguments[len(call.arguments) :]
                    if arguments.startswith(call.arguments)
                    else arguments
                )
        if not (arguments or new_id or new_name):
            return None
        call.arguments += arguments
        return ToolCallDelta(index=index, id=new_id, name=new_name, arguments=arguments)

    def finish(self) -> None:
        """End of body: a stream must end with its final (finish_reason) event."""
        if self.finish_reason is None:
            raise StreamError(
                "the stream ended before its final event",
                code="TruncatedStream",
                status_code=200,
                request_id=self.request_id or None,
            )

    @property
    def text(self) -> str:
        """The text so far."""
        return "".join(self._text)

    @property
    def reasoning_content(self) -> str | None:
        """The reasoning so far (``None`` while there is none)."""
        return "".join(self._reasoning) or None

    @property
    def logprobs(self) -> list[dict[str, Any]] | None:
        """Every log-probability entry so far (``None`` until one came; the live list)."""
        return self._logprobs

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The complete tool calls assembled so far, in index order."""
        return [
            ToolCall(id=c.id, name=c.name, arguments=c.arguments, index=i, type=c.type)
            for i, c in sorted(self._calls.items())
        ]

    def result(self) -> GenerationResult:
        """The whole answer as one :class:`GenerationResult`."""
        return GenerationResult(
            text=self.text,
            request_id=self.request_id,
            model=self._model,
            finish_reason=self.finish_reason,
            reasoning_content=self.reasoning_content,
            tool_calls=self.tool_calls,
            usage=self.usage,
            raw=self.last_event,
            logprobs=None if self._logprobs is None else list(self._logprobs),
            extras=self._extras,
        )


def _json(event: SSEEvent, request_id: str) -> Any:
    try:
        return json.loads(event.data)
    except ValueError:
        pass
    # Not JSON: an error event (e.g. a gateway's plain-text 503) is still that error.
    if event.event == "error" or (event.status or 200) != 200:
        raise _event_error(event, event.data, request_id)
    raise StreamError(
        f"the stream carried data that is not JSON: {event.data[:200]!r}",
        code="MalformedStream",
        status_code=200,
        request_id=request_id or None,
    )


def _event_error(event: SSEEvent, body: Any, request_id: str) -> DashScopeError:
    """The typed error of an in-stream error event (its status, else 400)."""
    status = event.status if event.status is not None and event.status != 200 else 400
    return error_from_body(status, body, request_id or None)


def _new_part(whole: str, seen: str) -> str:
    """The new suffix of a cumulative value (the whole value if it was rewritten)."""
    if not whole:
        return ""
    if whole.startswith(seen):
        return whole[len(seen) :]
    return whole
