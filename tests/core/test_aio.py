"""``_aio``: the async sender, straight to aiohttp, behind the transport seam's interface."""

from __future__ import annotations

import json

import httpx

from dashscope_models._aio import AioSender
from dashscope_models._connection import connection_for
from dashscope_models.emulator import Emulator, Reply


async def test_a_request_and_a_stream_through_aiohttp(base_url: str, emulator: Emulator) -> None:
    sender = AioSender(connection_for(base_url, None, 300.0))
    body = {"model": "qwen-plus", "input": {"prompt": "hi"}, "parameters": {}}
    headers = {"Authorization": "Bearer sk-test-emulator-key", "Content-Type": "application/json"}
    url = base_url + "/services/aigc/text-generation/generation"
    emulator.queue(Reply(text="hello"))
    request = httpx.Request("POST", url, headers=headers, content=json.dumps(body).encode())
    response = await sender.handle_async_request(request)
    assert response.status_code == 200 and "json" in response.headers["content-type"]
    assert json.loads(await response.aread())["output"]["text"] == "hello"
    await response.aclose()
    emulator.queue(Reply(chunks=["a", "b"]))
    streamed = httpx.Request("POST", url, headers={**headers, "X-DashScope-SSE": "enable"},
                             content=json.dumps(body).encode())  # fmt: skip
    response = await sender.handle_async_request(streamed)
    data = b"".join([piece async for piece in response.aiter_bytes()])
    await response.aclose()
    await sender.aclose()
    assert b'"text":"a"' in data and data.count(b"data:") >= 2  # cumulative: a, ab ...
