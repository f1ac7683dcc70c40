"""The emulator as an in-process httpx transport: the same core, no sockets.

Use it where speed matters or sockets are not allowed; it plays answers back with their delays
(``time.sleep`` on the sync path, ``asyncio.sleep`` on the async one) and turns a scripted drop
into ``httpx.RemoteProtocolError`` mid-body, as a broken connection would.

Example::

    emulator = Emulator()
    client = DashScopeClient(api_key="sk-x", base_url="http://emulator/api/v1",
                             transport=EmulatorTransport(emulator))
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import httpx

from dashscope_models.emulator._engine import Emulator
from dashscope_models.emulator._response import EmulatorResponse

__all__ = ["EmulatorTransport"]


class _Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, response: EmulatorResponse) -> None:
        self._response = response

    def _frames(self) -> Iterator[tuple[float, bytes | None]]:
        for i, frame in enumerate(self._response.frames):
            if self._response.drop_after is not None and i >= self._response.drop_after:
                yield 0.0, None
                return
            yield frame.delay, frame.data

    def __iter__(self) -> Iterator[bytes]:
        for delay, data in self._frames():
            if delay:
                time.sleep(delay)
            if data is None:
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body"
                )
            yield data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for delay, data in self._frames():
            if delay:
                await asyncio.sleep(delay)
            if data is None:
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body"
                )
            yield data


class EmulatorTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport (sync and async) answered by an :class:`Emulator` in this process.

    Example: ``httpx.Client(transport=EmulatorTransport(Emulator()))``.
    """

    def __init__(self, emulator: Emulator | None = None) -> None:
        self.emulator = emulator or Emulator()

    def _answer(
        self, request: httpx.Request, body: bytes
    ) -> tuple[EmulatorResponse, httpx.Response]:
        answer = self.emulator.handle(
            request.method, request.url.raw_path.decode(), dict(request.headers), body
        )
        response = httpx.Response(
            answer.status, headers=answer.headers, stream=_Body(answer), request=request
        )
        return answer, response

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer, response = self._answer(request, request.read())
        if answer.delay:
            time.sleep(answer.delay)
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer, response = self._answer(request, await request.aread())
        if answer.delay:
            await asyncio.sleep(answer.delay)
        return response
