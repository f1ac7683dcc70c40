"""The sender interface: which sender carries a client's requests, plain, streamed and async.

A client sends through the shared pools of its settings (``_pool``: httpx for plain sync
calls, urllib3 for sync streams, aiohttp for async calls and streams; each made from the one
connection decision, ``_connection``), or through a private httpx transport given to it (the
in-process emulator), which then carries everything. :class:`Sender` hides which: the call loop
(``_loop``) sees three methods and the answers' few attributes (``_transport``'s protocols).

Example::

    sender = Sender(ClientConfig.resolve(base_url="http://127.0.0.1:8000"))
    status, headers, body = sender.send(http_request(sender.config, "text-rerank", body))
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from dashscope_models._config import ClientConfig
from dashscope_models._pool import (
    aclose_async_pool,
    async_pool,
    close_sync_pool,
    new_async_transport,
    new_sync_client,
    stream_pool,
    sync_pool,
)
from dashscope_models._transport import AsyncResponse, AsyncSender, SyncResponse

__all__ = ["Sender", "Transport"]

Transport = httpx.BaseTransport | httpx.AsyncBaseTransport
"""A private transport for one client (``httpx.MockTransport``, the in-process emulator's)."""


class Sender:
    """One client's way out (see the module docstring): ``config`` picks the shared pools,
    ``transport`` (optional) replaces them for this client alone."""

    __slots__ = ("_own_async", "_own_sync", "_transport", "config")

    def __init__(self, config: ClientConfig, transport: Transport | None = None) -> None:
        self.config = config
        self._transport = transport
        self._own_sync: httpx.Client | None = None
        self._own_async: AsyncSender | None = None

    def _http(self) -> httpx.Client:
        if self._transport is None:
            return sync_pool(self.config)
        if self._own_sync is None:
            self._own_sync = new_sync_client(self.config, self._transport)  # type: ignore[arg-type]
        return self._own_sync

    def send(self, request: httpx.Request) -> tuple[int, Mapping[str, str], bytes]:
        """A plain sync call: its status, headers and whole body."""
        response = self._http().send(request)
        return response.status_code, response.headers, response.content

    def send_stream(self, request: httpx.Request) -> SyncResponse:
        """A sync stream: through urllib3 on the shared pools (``_urllib3``: a quarter of
        httpx's cost per streamed chunk), else through the private transport's httpx client."""
        if self._transport is None:
            return stream_pool(self.config).send(request)
        return self._http().send(request, stream=True)

    async def asend(self, request: httpx.Request) -> AsyncResponse:
        """An async call or stream: the answer, its body still to read."""
        if self._transport is None:
            sender = async_pool(self.config)
        elif self._own_async is None:
            sender = self._own_async = new_async_transport(self.config, self._transport)  # type: ignore[arg-type]
        else:
            sender = self._own_async
        response: AsyncResponse = await sender.handle_async_request(request)
        return response

    def close(self) -> None:
        """Close the sync pool this client uses (a shared pool reopens on its next use)."""
        if self._transport is None:
            close_sync_pool(self.config)
        elif self._own_sync is not None:
            self._own_sync.close()
            self._own_sync = None

    async def aclose(self) -> None:
        """Close the async pool this client uses on the running loop, and the sync one."""
        if self._transport is None:
            await aclose_async_pool(self.config)
        elif self._own_async is not None:
            await self._own_async.aclose()
            self._own_async = None
        self.close()
