"""The emulator's front ends: the loopback HTTP server (plain httpx and aiohttp clients), the
command line, and the in-process transport."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import aiohttp
import httpx
import pytest

from dashscope_models import DashScopeClient, GenerationRequest, Message, StreamError
from dashscope_models.emulator import Emulator, EmulatorTransport, Fault, Reply, start_emulator

TEXT = "/services/aigc/text-generation/generation"
BODY = {"model": "qwen-plus", "input": {"messages": [{"role": "user", "content": "Hi"}]}, "parameters": {"result_format": "message"}}  # fmt: skip
AUTH = {"Authorization": "Bearer sk-any"}


def test_keep_alive_and_json() -> None:
    with start_emulator() as server, httpx.Client() as client:
        answers = [client.post(server.base_url + TEXT, json=BODY, headers=AUTH) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert answers[0].headers["content-type"].startswith("application/json")
        assert (
            answers[0].json()["output"]["choices"][0]["message"]["content"]
            == "[qwen-plus] You said: Hi"
        )
        assert answers[0].headers["x-request-id"] == answers[0].json()["request_id"]
        # one TCP connection served all three
        assert len(client._transport._pool.connections) == 1  # type: ignore[attr-defined]


def test_sse_is_chunked_and_arrives_event_by_event() -> None:
    with start_emulator() as server, httpx.Client() as client:
        server.emulator.queue(Reply(chunks=["a ", "b ", "c"]))
        headers = {**AUTH, "X-DashScope-SSE": "enable"}
        with client.stream("POST", server.base_url + TEXT, json=BODY, headers=headers) as response:
            assert response.headers["transfer-encoding"] == "chunked"
            assert response.headers["content-type"] == "text/event-stream;charset=UTF-8"
            lines = [line for line in response.iter_lines() if line.startswith("data:")]
        assert len(lines) == 4


async def test_many_concurrent_requests_with_server_delay() -> None:
    with start_emulator(delay=0.1) as server:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=500)) as session:

            async def one() -> int:
                async with session.post(
                    server.base_url + TEXT, json=BODY, headers=AUTH
                ) as response:
                    await response.json()
                    return response.status

            start = time.perf_counter()
            statuses = await asyncio.gather(*(one() for _ in range(200)))
            took = time.perf_counter() - start
        assert statuses == [200] * 200
        assert took < 2.0, f"200 concurrent requests took {took:.2f} s: the server serialises them"


def test_dropped_connection_is_visible_to_the_client() -> None:
    with start_emulator() as server, httpx.Client() as client:
        server.emulator.queue(Fault.drop(after=1))
        headers = {**AUTH, "X-DashScope-SSE": "enable"}
        with (
            pytest.raises(httpx.RemoteProtocolError),
            client.stream("POST", server.base_url + TEXT, json=BODY, headers=headers) as r,
        ):
            list(r.iter_bytes())


def test_command_line() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashscope_models.emulator", "--port", "0", "--api-key", "sk-cli"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/v1")
        good = httpx.post(base_url + TEXT, json=BODY, headers={"Authorization": "Bearer sk-cli"})
        bad = httpx.post(base_url + TEXT, json=BODY, headers={"Authorization": "Bearer sk-other"})
        assert good.status_code == 200
        assert bad.status_code == 401 and bad.json()["code"] == "InvalidApiKey"
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
        if proc.stdout is not None:
            proc.stdout.close()


async def test_in_process_transport_sync_and_async() -> None:
    emulator = Emulator(api_key="sk-t")
    client = DashScopeClient(
        api_key="sk-t",
        base_url="http://emulator/api/v1",
        transport=EmulatorTransport(emulator),
        max_retries=0,
    )
    request = GenerationRequest(model="qwen-plus", messages=[Message("user", "Hello")])
    assert client.generate(request).text == "[qwen-plus] You said: Hello"
    assert "".join([c.text async for c in client.astream(request)]) == "[qwen-plus] You said: Hello"
    emulator.queue(Fault.drop(after=1))
    with pytest.raises(StreamError):
        list(client.stream(request))
    assert len(emulator.requests) == 3
    await client.aclose()
