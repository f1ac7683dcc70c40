"""The transport seam: what a sender must do, and the one map from its failures to our errors.

Two senders carry requests: httpx (the sync path, and any transport given to a client, such
as the in-process emulator) and aiohttp (the async path's default, ``_aio``). Both are used
through the same small interface (:class:`AsyncSender` and :class:`AsyncResponse` for the
async path; httpx's ``Client`` for the sync one), and their failures reach the caller through
one map, :func:`transport_error`: a timeout, a connection that could not be made or broke, or
a stream cut after its first event. aiohttp raises :class:`TransportFailure` (an
``httpx.TransportError``, so the client's retry loop catches both alike), telling the map
whether it was a timeout.

Example::

    try:
        response = await sender.handle_async_request(request)
    except httpx.HTTPError as exc:
        raise transport_error(exc) from None
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol

import httpx

from dashscope_models._errors import (
    APIConnectionError,
    APITimeoutError,
    DashScopeError,
    StreamError,
)

__all__ = ["AsyncResponse", "AsyncSender", "TransportFailure", "transport_error"]


class AsyncResponse(Protocol):
    """What the client reads from an async answer (``httpx.Response`` has it too)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    async def aread(self) -> bytes: ...

    def aiter_bytes(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class AsyncSender(Protocol):
    """Sends one request (``httpx.AsyncBaseTransport`` fits too)."""

    async def handle_async_request(self, request: httpx.Request) -> Any: ...

    async def aclose(self) -> None: ...


class TransportFailure(httpx.TransportError):
    """A failure of a sender that is not httpx, as the map reads it: its text, and whether it
    was a timeout (not a refused or broken connection).

    Example: ``TransportFailure("ServerDisconnectedError", timeout=False)``
    """

    def __init__(
        self, message: str, *, timeout: bool, request: httpx.Request | None = None
    ) -> None:
        super().__init__(message, request=request)
        self.timeout = timeout


def _is_timeout(exc: httpx.HTTPError) -> bool:
    if isinstance(exc, TransportFailure):
        return exc.timeout
    return isinstance(exc, httpx.TimeoutException) and not _refused(exc)


def transport_error(
    exc: httpx.HTTPError, *, events_seen: int = 0, request_id: str | None = None
) -> DashScopeError:
    """The one map: after the first event a broken connection is a truncated stream; else a
    timeout is :class:`APITimeoutError` and anything else :class:`APIConnectionError`.

    The error keeps the failure's type name and text in its message, never ``exc`` itself: an
    httpx exception holds the request, whose headers hold the API key. Raise it ``from None``,
    outside the ``except`` block, so that neither ``__cause__`` nor ``__context__`` leads there.
    """
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    host = _host(exc)
    if events_seen:
        return StreamError(
            f"the stream broke after {events_seen} events ({message})",
            code="TruncatedStream",
            status_code=200,
            request_id=request_id,
        )
    if _is_timeout(exc):
        return APITimeoutError(
            f"request to {host} timed out ({message})", code="Timeout", request_id=request_id
        )
    return APIConnectionError(
        f"could not reach DashScope at {host} ({message}); check base_url or region",
        code="ConnectionError",
        request_id=request_id,
    )


def _host(exc: httpx.HTTPError) -> str:
    """The host (and port) the failed request went to: a region or base_url mistake shows.

    httpx sets the request on its sync errors, ``_aio`` on the async ones."""
    try:
        url = exc.request.url
    except RuntimeError:  # an error raised without its request
        return "the service"
    return f"{url.host}:{url.port}" if url.port else url.host  # never the URL's user:password


def _refused(exc: BaseException) -> bool:
    """True when the cause chain shows a refused/failed connect (some transports report
    those as connect timeouts)."""
    seen: BaseException | None = exc
    for _ in range(8):
        seen = seen.__cause__ or seen.__context__ if seen is not None else None
        if seen is None:
            return False
        if isinstance(seen, OSError) and not isinstance(seen, TimeoutError):
            return True
    return False
