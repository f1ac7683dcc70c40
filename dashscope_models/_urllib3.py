"""The sync path's stream sender: streamed answers are read through urllib3.

DashScope sends each SSE event as one HTTP/1.1 chunk. httpx hands each chunk up through h11's
state machine, httpcore and its own byte iterators: ~7.7 us per chunk, measured
(``benchmarks/bench_sync_async.py``), where the async path (aiohttp's C parser, all buffered
bytes at once) spends ~7 us per chunk in total. urllib3 (already installed with
langchain-core and llama-index-core, through ``requests``) decodes chunks for ~1.5 us each,
which puts a sync stream level with an async one. Plain (non-streamed) calls stay on httpx.

The sender takes the ``httpx.Request`` the request builder made (headers, body, the timeout
extension of the one timeout rule), answers with the few attributes the client reads
(``status_code``, ``headers``, ``read``, ``iter_bytes``, ``close``), and raises its failures
as the transport seam's failure kinds (``_transport.failure``), so error mapping and retries
stay in one place. Its proxy and certificates are the pool's connection decision
(``_connection``): a ``ProxyManager`` (CONNECT tunnels for https) behind a proxy.

Example::

    sender = Urllib3Sender(connection_for(config.base_url, None, 300.0))
    response = sender.send(build_http_request(config, prepared))
    for data in response.iter_bytes(): ...
    response.close()
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache

import httpx
import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from dashscope_models._connection import Connection
from dashscope_models._transport import failure

__all__ = ["Urllib3Sender"]


@lru_cache(maxsize=64)
def _timeout(connect: float | None, read: float | None) -> urllib3.Timeout:
    return urllib3.Timeout(connect=connect, read=read)


def _mapped(exc: HTTPError, request: httpx.Request) -> httpx.TransportError:
    """A urllib3 failure as its seam failure kind (``_transport.failure``)."""
    if isinstance(exc, MaxRetryError) and isinstance(exc.reason, HTTPError):
        exc = exc.reason
    if isinstance(exc, NewConnectionError):  # a ConnectTimeoutError subclass: check it first
        return failure("connect", exc, request)
    if isinstance(exc, ConnectTimeoutError):
        return failure("connect_timeout", exc, request)
    if isinstance(exc, ReadTimeoutError):
        return failure("read_timeout", exc, request)
    if isinstance(exc, ProtocolError | DecodeError):
        return failure("broken", exc, request)
    return failure("network", exc, request)


class _Response:
    __slots__ = ("_request", "_response", "headers", "status_code")

    def __init__(self, response: urllib3.BaseHTTPResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request
        self.status_code = response.status
        self.headers: Mapping[str, str] = response.headers

    def read(self) -> bytes:
        try:
            return self._response.read()
        except HTTPError as exc:
            raise _mapped(exc, self._request) from exc

    def iter_bytes(self) -> Iterator[bytes]:
        response = self._response
        try:
            if response.chunked and response.supports_chunked_reads():  # type: ignore[attr-defined]
                yield from response.read_chunked(decode_content=True)
            else:
                while data := response.read1(65536):
                    yield data
        except HTTPError as exc:
            raise _mapped(exc, self._request) from exc

    def close(self) -> None:
        response = self._response
        if not response.closed:  # left part way: this connection is not reused
            response.close()
        response.release_conn()


class Urllib3Sender:
    """One thread-safe urllib3 pool manager for streamed answers, made from a pool's
    :class:`~dashscope_models._connection.Connection`: its proxy, and certificates verified as
    httpx verifies them (certifi's CAs, or ``SSL_CERT_FILE``/``SSL_CERT_DIR``)."""

    def __init__(self, connection: Connection) -> None:
        maxsize = connection.limits.max_keepalive_connections or 200
        context = connection.ssl_context()
        self._pools: urllib3.PoolManager
        if connection.proxy_origin is None:
            self._pools = urllib3.PoolManager(
                maxsize=maxsize, block=False, retries=False, ssl_context=context
            )
        else:
            auth = connection.proxy_auth
            headers = urllib3.make_headers(proxy_basic_auth=":".join(auth)) if auth else None
            self._pools = urllib3.ProxyManager(
                connection.proxy_origin, proxy_headers=headers,
                maxsize=maxsize, block=False, retries=False, ssl_context=context,
            )  # fmt: skip

    def send(self, request: httpx.Request) -> _Response:
        t = request.extensions.get("timeout") or {}
        try:
            response = self._pools.urlopen(
                request.method,
                str(request.url),
                body=request.content,
                headers=dict(request.headers),
                preload_content=False,
                decode_content=True,
                redirect=False,
                retries=False,
                timeout=_timeout(t.get("connect"), t.get("read")),
            )
        except HTTPError as exc:
            raise _mapped(exc, request) from exc
        return _Response(response, request)

    def close(self) -> None:
        self._pools.clear()
