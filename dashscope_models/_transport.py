"""The transport seam: what a sender must do, and the one map from its failures to our errors.

Two senders carry requests: httpx (the sync path, and any transport given to a client, such
as the in-process emulator) and aiohttp (the async path's default, ``_aio``). Both are used
through the same small interface (:class:`AsyncSender` and :class:`AsyncResponse` for the
async path; httpx's ``Client`` for the sync one), and their failures reach the caller through
one map, :func:`transport_error`: a timeout, a connection that could not be made or broke, or
a stream cut after its first event. The other senders (aiohttp for async, urllib3 for sync
streams) name each failure as one :data:`Failure` kind, which :func:`failure` turns into the
matching httpx exception, so the retry loop and the map see one vocabulary.

Example::

    try:
        response = await sender.handle_async_request(request)
    except httpx.HTTPError as exc:
        raise transport_error(exc) from None
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Literal, Protocol

import httpx

from dashscope_models._errors import (
    APIConnectionError,
    APITimeoutError,
    DashScopeError,
    StreamError,
)

__all__ = [
    "AsyncResponse",
    "AsyncSender",
    "Failure",
    "SyncResponse",
    "failure",
    "transport_error",
]


class AsyncResponse(Protocol):
    """What the client reads from an async answer (``httpx.Response`` has it too)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    async def aread(self) -> bytes: ...

    def aiter_bytes(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class SyncResponse(Protocol):
    """What the client reads from a sync streamed answer (``httpx.Response`` has it too)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    def read(self) -> bytes: ...

    def iter_bytes(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class AsyncSender(Protocol):
    """Sends one request (``httpx.AsyncBaseTransport`` fits too)."""

    async def handle_async_request(self, request: httpx.Request) -> Any: ...

    async def aclose(self) -> None: ...


Failure = Literal["connect", "connect_timeout", "read_timeout", "broken", "network"]
"""What went wrong, in words every sender can say: refused or unreachable, no connection in
time, no data in time, the connection broke (reset, cut, a bad chunk), another network error."""

_AS_HTTPX: dict[str, type[httpx.TransportError]] = {
    "connect": httpx.ConnectError,
    "connect_timeout": httpx.ConnectTimeout,
    "read_timeout": httpx.ReadTimeout,
    "broken": httpx.RemoteProtocolError,
    "network": httpx.NetworkError,
}


def failure(kind: Failure, exc: BaseException, request: httpx.Request) -> httpx.TransportError:
    """A sender's failure in httpx's vocabulary (the client's retry loop and
    :func:`transport_error` read only that), naming the original in its text and carrying
    ``request`` as httpx's own errors do (error messages name its host).

    Example: ``raise failure("broken", exc, request) from exc``
    """
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return _AS_HTTPX[kind](text, request=request)


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
    if isinstance(exc, httpx.TimeoutException) and not _refused(exc):
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
