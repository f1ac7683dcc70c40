"""What a test can queue on the emulator: a scripted :class:`Reply` or a :class:`Fault`.

Queued items are used one per request, first in first out; when the queue is empty the
emulator answers with its deterministic default reply.

Example::

    emulator.queue(
        Fault.rate_limit(retry_after=0.01),      # first request: 429 with Retry-After
        Reply(chunks=["Spring ", "has ", "come."]),  # second: this text, in these pieces
    )
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Fault", "Reply", "ScriptItem"]


@dataclass(frozen=True, slots=True)
class Reply:
    """A scripted answer; fields left ``None`` fall back to the default reply's.

    ``chunks`` fixes how a streamed answer is cut (their concatenation is the text);
    ``tool_calls`` are ``(name, arguments)`` pairs or wire-shaped dicts; ``reasoning`` is the
    thinking text; ``usage`` replaces the computed usage object. ``logprobs`` are the
    ``choices[0].logprobs.content`` entries to send (message format), whatever the request
    asked: one per text piece (per chunk when ``chunks`` is given), one per streamed text
    event in order, any left over on the last one.

    Example: ``Reply(tool_calls=[("get_weather", {"city": "Hangzhou"})])``.
    """

    text: str | None = None
    chunks: Sequence[str] | None = None
    tool_calls: Sequence[tuple[str, Mapping[str, Any]] | Mapping[str, Any]] | None = None
    reasoning: str | None = None
    finish_reason: str | None = None
    usage: Mapping[str, Any] | None = None
    logprobs: Sequence[Mapping[str, Any]] | None = None


FaultKind = Literal["http_error", "error_event", "drop", "slow", "malformed"]


@dataclass(frozen=True, slots=True)
class Fault:
    """A scripted failure. Build one with the class methods, e.g. ``Fault.server_error()``.

    Example::

        emulator.queue(Fault.error_event(after=2, status=500, code="InternalError",
                                         message="boom"))
    """

    kind: FaultKind
    status: int = 500
    code: str = ""
    message: str = ""
    after: int | None = None
    retry_after: float | None = None
    chunk_delay: float = 0.0
    first_byte_delay: float = 0.0
    times: int = 1
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def http_error(cls, status: int, code: str, message: str, times: int = 1) -> Fault:
        """Answer with this HTTP status and error body (for a stream: an ``event:error``)."""
        return cls("http_error", status=status, code=code, message=message, times=times)

    @classmethod
    def rate_limit(cls, retry_after: float = 0.01, times: int = 1) -> Fault:
        """429 ``Throttling.RateQuota`` with ``Retry-After`` (seconds) and ``retry-after-ms``."""
        headers = {"Retry-After": f"{retry_after:g}", "retry-after-ms": f"{retry_after * 1000:g}"}
        return cls(
            "http_error",
            status=429,
            code="Throttling.RateQuota",
            message="Requests rate limit exceeded, please try again later.",
            retry_after=retry_after,
            times=times,
            headers=headers,
        )

    @classmethod
    def server_error(cls, times: int = 1) -> Fault:
        """500 ``InternalError`` for the next ``times`` requests."""
        message = (
            "An internal error has occured, please try again later or contact service support."
        )
        return cls("http_error", status=500, code="InternalError", message=message, times=times)

    @classmethod
    def error_event(
        cls,
        after: int = 1,
        status: int = 500,
        code: str = "InternalError",
        message: str = "An internal error has occured, please try again later.",
    ) -> Fault:
        """A stream sends ``after`` result events, then an ``event:error`` with this status."""
        return cls("error_event", status=status, code=code, message=message, after=after)

    @classmethod
    def drop(cls, after: int = 1) -> Fault:
        """Break the connection after ``after`` body frames (events) without ending the body."""
        return cls("drop", after=after)

    @classmethod
    def slow(cls, chunk_delay: float = 0.05, first_byte_delay: float = 0.0) -> Fault:
        """The default answer, with ``first_byte_delay`` before the headers and
        ``chunk_delay`` before each streamed event."""
        return cls("slow", chunk_delay=chunk_delay, first_byte_delay=first_byte_delay)

    @classmethod
    def malformed(cls, after: int | None = None) -> Fault:
        """Invalid JSON: in the data line of event ``after + 1`` of a stream, or as the body."""
        return cls("malformed", after=after)


ScriptItem = Reply | Fault
