"""Sending application calls: the sync and async paths, on the client's pools and retries.

The request is checked and built once (``_app.build_app_body``), sent to
``/apps/{app_id}/completion`` through the same senders, retry policy and error table as a
generation call (:class:`DashScopeClient`'s ``_post``/``_apost`` and its stream senders), and
read by ``_app_stream`` (sans-IO). A stream is never sent again after its first event.
:class:`DashScopeClient` exposes these as ``call_app``/``acall_app`` and
``stream_app``/``astream_app``.

Example::

    with DashScopeClient() as client:
        result = call_app(client, AppRequest(app_id="...", prompt="Hi"))
        for chunk in client.stream_app(AppRequest(app_id="...", prompt="Hi")):
            print(chunk.text, end="")
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, Protocol, TypeVar

import httpx

from dashscope_models._app import AppRequest, app_path, build_app_body
from dashscope_models._app_result import AppChunk, AppResult
from dashscope_models._app_stream import AppStreamReader, read_app_response
from dashscope_models._config import ClientConfig
from dashscope_models._errors import DashScopeError
from dashscope_models._request import build_http_request
from dashscope_models._transport import AsyncSender, SyncResponse

__all__ = ["acall_app", "astream_app", "call_app", "stream_app"]

_T = TypeVar("_T")


class _Retries(Protocol):
    """The client's attempt counter: the delay before the next attempt, or the error raised."""

    def delay_after(self, exc: Exception, reader: Any = None) -> float: ...


class Sender(Protocol):
    """What these calls use of :class:`DashScopeClient` (its pools, sends and retry rule)."""

    config: ClientConfig

    def _post(
        self, request: httpx.Request, read: Callable[[int, Mapping[str, str], bytes], _T]
    ) -> _T: ...

    async def _apost(
        self, request: httpx.Request, read: Callable[[int, Mapping[str, str], bytes], _T]
    ) -> _T: ...

    def _send_stream(self, request: httpx.Request) -> SyncResponse: ...

    def _ahttp(self) -> AsyncSender: ...


Attempts = Callable[[int], _Retries]


def _http_request(client: Sender, request: AppRequest, *, stream: bool) -> httpx.Request:
    body = build_app_body(request, stream=stream)  # checks first: nothing sent on bad input
    http_request = build_http_request(client.config, body, path=app_path(request.app_id))
    if stream:
        http_request.headers["Accept"] = "text/event-stream"
        http_request.headers["X-DashScope-SSE"] = "enable"
    return http_request


def call_app(client: Sender, request: AppRequest) -> AppResult:
    """One complete application answer."""
    return client._post(_http_request(client, request, stream=False), read_app_response)


async def acall_app(client: Sender, request: AppRequest) -> AppResult:
    """Async :func:`call_app`."""
    http_request = _http_request(client, request, stream=False)
    return await client._apost(http_request, read_app_response)


def stream_app(client: Sender, request: AppRequest, attempts: Attempts) -> Iterator[AppChunk]:
    """Stream the answer as deltas (``attempts``: the client's retry counter, made per
    call); bad input is raised here, before any I/O."""
    http_request = _http_request(client, request, stream=True)
    return _stream(client, http_request, request.incremental_output is not False, attempts)


def astream_app(client: Sender, request: AppRequest, attempts: Attempts) -> AsyncIterator[AppChunk]:
    """Async :func:`stream_app`."""
    http_request = _http_request(client, request, stream=True)
    return _astream(client, http_request, request.incremental_output is not False, attempts)


def _stream(
    client: Sender, http_request: httpx.Request, incremental: bool, attempts_for: Attempts
) -> Iterator[AppChunk]:
    attempts = attempts_for(client.config.max_retries)
    while True:
        reader = AppStreamReader(incremental=incremental)
        try:
            response = client._send_stream(http_request)
            try:
                if not reader.start(response.status_code, response.headers):
                    yield from reader.whole(response.status_code, response.headers, response.read())
                    return
                for data in response.iter_bytes():
                    yield from reader.feed(data)
                yield from reader.close()
                reader.finish()
                return
            finally:
                response.close()
        except (httpx.HTTPError, DashScopeError) as exc:
            failed: Exception = exc  # handled below: see _Attempts.delay_after
        # The reader has the attributes the retry rule reads (delivered, events_seen, request_id).
        time.sleep(attempts.delay_after(failed, reader))


async def _astream(
    client: Sender, http_request: httpx.Request, incremental: bool, attempts_for: Attempts
) -> AsyncIterator[AppChunk]:
    attempts = attempts_for(client.config.max_retries)
    while True:
        reader = AppStreamReader(incremental=incremental)
        try:
            response = await client._ahttp().handle_async_request(http_request)
            try:
                if not reader.start(response.status_code, response.headers):
                    body = await response.aread()
                    for chunk in reader.whole(response.status_code, response.headers, body):
                        yield chunk
                    return
                async for data in response.aiter_bytes():
                    for chunk in reader.feed(data):
                        yield chunk
                for chunk in reader.close():
                    yield chunk
                reader.finish()
                return
            finally:
                await response.aclose()
        except (httpx.HTTPError, DashScopeError) as exc:
            failed: Exception = exc  # handled below: see _Attempts.delay_after
        await asyncio.sleep(attempts.delay_after(failed, reader))
