"""The async path's sender: requests go straight to an aiohttp session.

httpx's own async pool serialises badly under hundreds of concurrent requests, and wrapping
aiohttp in httpx response objects (``httpx-aiohttp``, measured first) cost 5-15 % more under
200 concurrent calls. The core client only needs a status, headers and body bytes, so this
sender hands it aiohttp's response directly, behind the transport seam's interface
(``_transport``: ``status_code``, ``headers``, ``aread``, ``aiter_bytes``, ``aclose``).
aiohttp failures become the seam's failure kinds (``_transport.failure``), so error mapping
and retries stay in one place. A private httpx transport given to the client (e.g. the
in-process emulator) is used as it is instead. Proxy, certificates and limits are the pool's
connection decision (``_connection``), as for the sync senders.

Example::

    sender = AioSender(connection_for(config.base_url, None, 300.0))
    response = await sender.handle_async_request(httpx.Request("POST", url, content=b"{}"))
    body = await response.aread()
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from functools import lru_cache

import aiohttp
import httpx
from yarl import URL

from dashscope_models._connection import Connection
from dashscope_models._transport import failure

__all__ = ["AioSender"]


@lru_cache(maxsize=256)
def _url(text: str) -> URL:
    return URL(text, encoded=True)


@lru_cache(maxsize=64)
def _timeout(connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(sock_connect=connect, sock_read=read, connect=connect)


class _Response:
    __slots__ = ("_request", "_response", "headers", "status_code")

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request
        self.status_code = response.status
        self.headers: Mapping[str, str] = response.headers

    async def aread(self) -> bytes:
        try:
            return await self._response.read()
        except Exception as exc:
            raise _mapped(exc, self._request) from exc

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        try:
            async for data in self._response.content.iter_any():
                yield data
        except Exception as exc:
            raise _mapped(exc, self._request) from exc

    async def aclose(self) -> None:
        self._response.release()


def _mapped(exc: BaseException, request: httpx.Request) -> BaseException:
    """An aiohttp failure as its seam failure kind (``_transport.failure``); other exceptions
    pass through unchanged."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return failure("connect_timeout", exc, request)
    if isinstance(exc, asyncio.TimeoutError):
        return failure("read_timeout", exc, request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return failure("connect", exc, request)
    if isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
        return failure("broken", exc, request)
    if isinstance(exc, aiohttp.ClientError):
        return failure("network", exc, request)
    return exc


class AioSender:
    """One aiohttp session (made on first use, on the running loop) for the async path, made
    from a pool's :class:`~dashscope_models._connection.Connection`."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._proxy = None if connection.proxy_origin is None else URL(connection.proxy_origin)
        auth = connection.proxy_auth
        self._proxy_auth = None if auth is None else aiohttp.BasicAuth(*auth)
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        limits = self._connection.limits
        connector = aiohttp.TCPConnector(
            limit=limits.max_connections or 1000,
            keepalive_timeout=limits.keepalive_expiry or 30.0,
            ssl=self._connection.ssl_context(),
        )
        # trust_env stays off: the environment was read once, in the connection decision.
        self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> _Response:
        session = self._session
        if session is None or session.closed:
            session = self._open()
        t = request.extensions.get("timeout") or {}
        try:
            response = await session.request(
                request.method,
                _url(str(request.url)),
                headers=request.headers,
                # A streamed body (a batch file upload) goes as the async iterable it is.
                data=request.content
                if isinstance(request.stream, httpx.ByteStream)
                else request.stream,
                allow_redirects=False,
                timeout=_timeout(t.get("connect"), t.get("read")),
                proxy=self._proxy,
                proxy_auth=self._proxy_auth,
            )
        except Exception as exc:
            raise _mapped(exc, request) from exc
        return _Response(response, request)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
