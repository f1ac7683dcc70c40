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
        for chunk in stream_app(client, AppRequest(app_id="...", prompt="Hi")):
            print(chunk.text, end="")
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import httpx

from dashscope_models._app import AppRequest, app_path, build_app_body
from dashscope_models._app_result import AppChunk, AppResult
from dashscope_models._app_stream import AppStreamReader, read_app_response
from dashscope_models._errors import DashScopeError
from dashscope_models._request import build_http_request

if TYPE_CHECKING:
    from dashscope_models._client import DashScopeClient

__all__ = ["acall_app", "astream_app", "call_app", "stream_app"]


def _http_request(client: DashScopeClient, request: AppRequest, *, stream: bool) -> httpx.Request:
    body = build_app_body(request, stream=stream)  # checks first: nothing sent on bad input
    http_request = build_http_request(client.config, body, path=app_path(request.app_id))
    if stream:
        http_request.headers["Accept"] = "text/event-stream"
        http_request.headers["X-DashScope-SSE"] = "enable"
    return http_request


def call_app(client: DashScopeClient, request: AppRequest) -> AppResult:
    """One complete application answer."""
    return client._post(_http_request(client, request, stream=False), read_app_response)


async def acall_app(client: DashScopeClient, request: AppRequest) -> AppResult:
    """Async :func:`call_app`."""
    http_request = _http_request(client, request, stream=False)
    return await client._apost(http_request, read_app_response)


def stream_app(client: DashScopeClient, request: AppRequest) -> Iterator[AppChunk]:
    """Stream the answer as deltas; bad input is raised here, before any I/O."""
    http_request = _http_request(client, request, stream=True)
    return _stream(client, http_request, request.incremental_output is not False)


def astream_app(client: DashScopeClient, request: AppRequest) -> AsyncIterator[AppChunk]:
    """Async :func:`stream_app`."""
    http_request = _http_request(client, request, stream=True)
    return _astream(client, http_request, request.incremental_output is not False)


def _stream(
    client: DashScopeClient, http_request: httpx.Request, incremental: bool
) -> Iterator[AppChunk]:
    from dashscope_models._client import _Attempts

    attempts = _Attempts(client.config.max_retries)
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
        time.sleep(attempts.delay_after(failed, reader))  # type: ignore[arg-type]


async def _astream(
    client: DashScopeClient, http_request: httpx.Request, incremental: bool
) -> AsyncIterator[AppChunk]:
    from dashscope_models._client import _Attempts

    attempts = _Attempts(client.config.max_retries)
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
        await asyncio.sleep(attempts.delay_after(failed, reader))  # type: ignore[arg-type]
