"""Shared fixtures: one real emulator server on 127.0.0.1 for the session, a clean one per test.

* ``emulator_server`` (session): the loopback HTTP server (``.base_url``, ``.emulator``).
* ``emulator`` (per test): that server's :class:`Emulator`, cleared, to script and inspect.
* ``base_url``: the server's API root, ``http://127.0.0.1:PORT/api/v1``.
* ``clean_env`` (autouse): ``DASHSCOPE_API_KEY`` / ``DASHSCOPE_BASE_URL`` point at the emulator,
  so a model built with no arguments talks to it (as langchain-tests' from-env tests need).
* ``refused``: ``await refused(call)`` is the ``RequestValidationError`` that ``call()`` raises
  (awaited when it returns an awaitable), checking that no request reached the emulator.
* ``official_sdk``: the official ``dashscope`` SDK module, pointed at the emulator server.
* ``sync``: parametrizes a test over the sync and async paths ("write once, run both").
* ``replay`` (session): a server on 127.0.0.1 that answers with a recorded exchange's status,
  headers and body bytes (an SSE body in several pieces) and keeps what it received:
  ``replay.serve(name)``, then call ``replay.url``; ``replay.received`` is ``[(path, body)]``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from dashscope_models import RequestValidationError, aclose_pools

if TYPE_CHECKING:
    from dashscope_models.emulator import Emulator, EmulatorServer

TEST_API_KEY = "sk-test-emulator-key"


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    from dashscope_models.emulator import start_emulator

    # batch_seconds=0: a Batch-service job is done when first looked at (no test waits).
    with start_emulator(api_key=TEST_API_KEY, batch_seconds=0.0) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[Emulator]:
    emu = emulator_server.emulator
    emu.clear()
    yield emu
    emu.clear()


@pytest.fixture
def base_url(emulator_server: EmulatorServer) -> str:
    return emulator_server.base_url


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    for name in ("DASHSCOPE_API_KEY", "DASHSCOPE_BASE_URL", "DASHSCOPE_WORKSPACE"):
        monkeypatch.delenv(name, raising=False)
    if "no_emulator_env" in request.keywords:
        return
    server: EmulatorServer = request.getfixturevalue("emulator_server")
    monkeypatch.setenv("DASHSCOPE_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("DASHSCOPE_BASE_URL", server.base_url)


@pytest.fixture(autouse=True)
async def close_async_pools() -> AsyncIterator[None]:
    """Each test's event loop is closed after it: close the shared async pools first."""
    yield
    await aclose_pools()


@pytest.fixture
def official_sdk(emulator_server: EmulatorServer) -> Iterator[Any]:
    import dashscope

    saved = dashscope.base_http_api_url
    dashscope.base_http_api_url = emulator_server.base_url
    yield dashscope
    dashscope.base_http_api_url = saved


@pytest.fixture(params=["sync", "async"])
def sync(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "sync")


@pytest.fixture
def refused(
    emulator: Emulator,
) -> Callable[[Callable[[], Any]], Awaitable[RequestValidationError]]:
    async def check(call: Callable[[], Any]) -> RequestValidationError:
        with pytest.raises(RequestValidationError) as info:
            result = call()
            if hasattr(result, "__await__"):
                await result
        assert emulator.requests == [], "a refused request must not be sent"
        return info.value

    return check


RECORDED = Path(__file__).parent / "data" / "recorded"


class RecordedReplay:
    """What the replay server answers next, and what it received (see the module docstring)."""

    def __init__(self) -> None:
        self.status = 200
        self.headers: list[tuple[str, str]] = []
        self.body = b""
        self.received: list[tuple[str, Any]] = []
        self.url = ""

    def serve(self, name: str) -> None:
        """Answer the next requests with the recorded exchange ``name``; forget what came."""
        lines = _recorded(name, "response.header.txt").splitlines()
        self.status = int(lines[0].split()[1])
        skip = {"content-length", "transfer-encoding", "content-encoding", "connection", "date",
                "server"}  # fmt: skip
        self.headers = [
            (k.strip(), v.strip()) for k, _, v in (ln.partition(":") for ln in lines[1:] if ":" in ln)
            if k.strip().lower() not in skip
        ]  # fmt: skip
        self.body = _recorded(name, "response.body.txt").encode()
        self.received = []


def _recorded(name: str, part: str) -> str:
    return (RECORDED / f"{name}.{part}").read_text("utf-8").lstrip("\ufeff")


def _replay_handler(replay: RecordedReplay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            sent = self.rfile.read(int(self.headers.get("content-length", "0")))
            replay.received.append((self.path, json.loads(sent) if sent else None))
            self.send_response(replay.status)
            for key, value in replay.headers:
                self.send_header(key, value)
            streamed = any(
                "event-stream" in v for k, v in replay.headers if k.lower() == "content-type"
            )
            if streamed:
                self.send_header("connection", "close")
                self.end_headers()
                third = max(1, len(replay.body) // 3)
                for i in range(0, len(replay.body), third):
                    self.wfile.write(replay.body[i : i + third])
                    self.wfile.flush()
                self.close_connection = True
            else:
                self.send_header("content-length", str(len(replay.body)))
                self.end_headers()
                self.wfile.write(replay.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture(scope="session")
def replay() -> Iterator[RecordedReplay]:
    state = RecordedReplay()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _replay_handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api/v1"
    yield state
    server.shutdown()
    server.server_close()
