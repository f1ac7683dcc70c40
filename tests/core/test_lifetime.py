"""Connection pools: closed at interpreter exit without warnings (sync and async), and by
``close()``/``aclose()`` or the context-manager forms of the client and the framework classes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable

import pytest

from dashscope_models import DashScopeClient, GenerationRequest, Message
from dashscope_models.emulator import EmulatorServer, start_emulator

KEY = "sk-lifetime"
ASK = GenerationRequest(model="qwen-plus", messages=[Message("user", "Hi")])

_SCRIPT = """
import asyncio
from langchain_dashscope_models import ChatQwen
from llamaindex_dashscope_models import Qwen

model = ChatQwen(model="qwen-plus")
print(model.invoke("one").content)
print("".join(chunk.content for chunk in model.stream("two")))
print(asyncio.run(model.ainvoke("three")).content)
llm = Qwen(model="qwen-plus")
print(llm.complete("four").text)
print(list(llm.stream_complete("five"))[-1].text)
print(asyncio.run(llm.acomplete("six")).text)
"""


def test_exit_closes_every_pool_without_resource_warnings() -> None:
    with start_emulator(api_key=KEY) as server:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "DASHSCOPE_BASE_URL": server.base_url,
            "DASHSCOPE_API_KEY": KEY,
        }
        done = subprocess.run(
            [sys.executable, "-X", "dev", "-W", "always::ResourceWarning", "-c",
             textwrap.dedent(_SCRIPT)],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    said = ["one", "two", "three", "four", "five", "six"]
    assert done.stdout.splitlines() == [f"[qwen-plus] You said: {w}" for w in said]
    assert "ResourceWarning" not in done.stderr, done.stderr
    assert "nclosed" not in done.stderr, done.stderr


def wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + 5
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


@pytest.fixture
def server() -> EmulatorServer:
    with start_emulator(api_key=KEY) as running:
        yield running


async def test_client_close_and_context_managers(server: EmulatorServer, sync: bool) -> None:
    if sync:
        with DashScopeClient(base_url=server.base_url, api_key=KEY) as client:
            assert client.generate(ASK).text
            assert server.open_connections == 1
    else:
        async with DashScopeClient(base_url=server.base_url, api_key=KEY) as client:
            assert (await client.agenerate(ASK)).text
            assert server.open_connections == 1
    assert wait_for(lambda: server.open_connections == 0)
    assert client.generate(ASK).text  # a closed shared pool reopens on use
    client.close()
    assert wait_for(lambda: server.open_connections == 0)


async def test_framework_classes_close_their_pool(server: EmulatorServer, sync: bool) -> None:
    from langchain_dashscope_models import ChatQwen
    from llamaindex_dashscope_models import Qwen

    if sync:
        with ChatQwen(base_url=server.base_url, api_key=KEY) as model:
            assert model.invoke("Hi").content
            assert server.open_connections == 1
        assert wait_for(lambda: server.open_connections == 0)
        llm = Qwen(base_url=server.base_url, api_key=KEY)
        assert llm.complete("Hi").text
        llm.close()
    else:
        async with ChatQwen(base_url=server.base_url, api_key=KEY) as model:
            assert (await model.ainvoke("Hi")).content
            assert server.open_connections == 1
        assert wait_for(lambda: server.open_connections == 0)
        llm = Qwen(base_url=server.base_url, api_key=KEY)
        assert (await llm.acomplete("Hi")).text
        await llm.aclose()
    assert wait_for(lambda: server.open_connections == 0)
