"""Sending application calls: the ``app-completion`` row of the endpoint table, sync and async.

The request is checked and built once (``_app.build_app_body``), sent to
``/apps/{app_id}/completion`` through the client's one call loop (``_loop.Calls``: the same
senders, retry policy and error table as a generation call), and read by ``_app_stream``
(sans-IO). A stream is never sent again after its first event. :class:`DashScopeClient`
exposes these as ``call_app``/``acall_app`` and ``stream_app``/``astream_app``.

Example::

    calls = Calls(Sender(config), retries=2)
    result = call_app(calls, AppRequest(app_id="...", prompt="Hi"))
    for chunk in stream_app(calls, AppRequest(app_id="...", prompt="Hi")):
        print(chunk.text, end="")
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import partial

import httpx

from dashscope_models._app import AppRequest, build_app_body
from dashscope_models._app_result import AppChunk, AppResult
from dashscope_models._app_stream import AppStreamReader, read_app_response
from dashscope_models._config import ClientConfig
from dashscope_models._http import http_request
from dashscope_models._loop import Calls

__all__ = ["acall_app", "astream_app", "call_app", "stream_app"]


def _http_request(config: ClientConfig, request: AppRequest, *, stream: bool) -> httpx.Request:
    body = build_app_body(request, stream=stream)  # checks first: nothing sent on bad input
    return http_request(
        config, "app-completion", body, stream=stream, path={"app_id": request.app_id}
    )


def call_app(calls: Calls, request: AppRequest) -> AppResult:
    """One complete application answer."""
    http = _http_request(calls.sender.config, request, stream=False)
    return calls.call(http, read_app_response)


async def acall_app(calls: Calls, request: AppRequest) -> AppResult:
    """Async :func:`call_app`."""
    http = _http_request(calls.sender.config, request, stream=False)
    return await calls.acall(http, read_app_response)


def stream_app(calls: Calls, request: AppRequest) -> Iterator[AppChunk]:
    """Stream the answer as deltas; bad input is raised here, before any I/O."""
    http = _http_request(calls.sender.config, request, stream=True)
    reader = partial(AppStreamReader, incremental=request.incremental_output is not False)
    return calls.stream(lambda: http, reader, [])


def astream_app(calls: Calls, request: AppRequest) -> AsyncIterator[AppChunk]:
    """Async :func:`stream_app`."""
    http = _http_request(calls.sender.config, request, stream=True)
    reader = partial(AppStreamReader, incremental=request.incremental_output is not False)
    return calls.astream(lambda: http, reader, [])
