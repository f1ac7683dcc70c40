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
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
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
