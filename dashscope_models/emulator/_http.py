"""The emulator's real HTTP server on 127.0.0.1: asyncio, HTTP/1.1 keep-alive, chunked SSE.

It runs its own event loop in a background thread (:meth:`EmulatorServer.start`, or the
:func:`start_emulator` context manager), or in the calling thread
(:meth:`EmulatorServer.serve_forever`, used by ``python -m dashscope_models.emulator``). Every
request goes through :meth:`Emulator.handle`; the answer is played back frame by frame with
its delays, and a scripted drop aborts the connection mid-body.

Example::

    with start_emulator(api_key="sk-test") as server:
        client = DashScopeClient(base_url=server.base_url, api_key="sk-test")
        server.emulator.queue(Reply(text="Hi!"))
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from types import TracebackType
from typing import Self

from dashscope_models.emulator._apps import App
from dashscope_models.emulator._engine import Emulator
from dashscope_models.emulator._response import EmulatorResponse

__all__ = ["EmulatorServer", "start_emulator"]

_MAX_HEADER = 64 * 1024


class EmulatorServer:
    """The emulator behind a loopback HTTP server; ``base_url`` ends with ``/api/v1``.

    Example::

        server = EmulatorServer(api_key="sk-test").start()
        print(server.base_url)   # http://127.0.0.1:54321/api/v1
        server.stop()
    """

    def __init__(
        self,
        emulator: Emulator | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        delay: float = 0.0,
        batch_seconds: float = 1.0,
        apps: list[App] | None = None,
    ) -> None:
        self.emulator = emulator or Emulator(
            api_key=api_key, delay=delay, batch_seconds=batch_seconds, apps=apps
        )
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def base_url(self) -> str:
        """The API root, as the official SDK's ``base_http_api_url``."""
        return f"http://{self.host}:{self.port}/api/v1"

    @property
    def open_connections(self) -> int:
        """Client connections open now (a test can check that a pool was closed)."""
        return len(self._writers)

    # -- lifetime -------------------------------------------------------------------------

    def start(self) -> Self:
        """Serve in a background thread; returns once the port is bound."""
        self._thread = threading.Thread(target=self._run, name="dashscope-emulator", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and the loop; joins the thread."""
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
        self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (Ctrl-C / SIGTERM)."""
        self._run()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(
                    self._serve, self.host, self.port, reuse_address=True, backlog=2048
                )
            )
            self.port = self._server.sockets[0].getsockname()[1]
        except BaseException as exc:  # pragma: no cover - bind failures
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._shutdown(loop)

    def _shutdown(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        if self._server is not None:
            loop.run_until_complete(self._server.wait_closed())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- one connection -------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                if len(head) > _MAX_HEADER:
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _version = [*lines[0].split(" "), "", ""][:3]
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                response = self.emulator.handle(method, path, headers, body)
                keep = headers.get("connection", "").lower() != "close"
                if not await self._send(writer, response, keep):
                    return
                if not keep:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return  # the client went away, or the server is shutting down
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _send(
        self, writer: asyncio.StreamWriter, response: EmulatorResponse, keep: bool
    ) -> bool:
        """Write one answer; False when the connection was dropped on purpose."""
        if response.delay:
            await asyncio.sleep(response.delay)
        streamed = response.streamed
        reason = (
            HTTPStatus(response.status).phrase
            if response.status in HTTPStatus._value2member_map_
            else ""
        )
        head = [f"HTTP/1.1 {response.status} {reason}"]
        head += [f"{k}: {v}" for k, v in response.headers]
        if streamed:
            head.append("transfer-encoding: chunked")
        else:
            head.append(f"content-length: {sum(len(f.data) for f in response.frames)}")
        head.append(f"connection: {'keep-alive' if keep else 'close'}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        for i, frame in enumerate(response.frames):
            if response.drop_after is not None and i >= response.drop_after:
                await writer.drain()
                writer.transport.abort()
                return False
            if frame.delay:
                await writer.drain()
                await asyncio.sleep(frame.delay)
            if streamed:
                writer.write(b"%x\r\n%s\r\n" % (len(frame.data), frame.data))
            else:
                writer.write(frame.data)
        if streamed:
            writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True


@contextmanager
def start_emulator(
    *,
    api_key: str | None = None,
    delay: float = 0.0,
    port: int = 0,
    emulator: Emulator | None = None,
    batch_seconds: float = 1.0,
    apps: list[App] | None = None,
) -> Iterator[EmulatorServer]:
    """Run the emulator's HTTP server on 127.0.0.1 for the ``with`` block.

    Example::

        with start_emulator() as server:
            os.environ["DASHSCOPE_BASE_URL"] = server.base_url

    ``apps``: Model Studio applications to serve (``App.rag``, ``App.workflow``, ``App.agent``).
    """
    server = EmulatorServer(
        emulator, port=port, api_key=api_key, delay=delay, batch_seconds=batch_seconds, apps=apps
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
