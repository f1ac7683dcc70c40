"""Core client benchmarks: per-call overhead, concurrency, streaming CPU (run by hand).

    python benchmarks/bench_core.py

Prints figures and ratios against raw httpx / raw aiohttp measured in the same run:
* sequential ``generate``: microseconds per call vs raw ``httpx.Client.post`` (target <= 1.15x);
* 200 concurrent ``agenerate`` with a 100 ms server delay vs raw aiohttp (target <= 1.1x), with
  httpx's default async transport shown for reference (why the async path uses aiohttp);
* a 2,000-chunk stream: client CPU ms per 1,000 chunks vs raw httpx line reading (target <= 1.3x).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

import aiohttp
import httpx

sys.path.insert(0, str(Path(__file__).parent))

from _common import (
    API_KEY,
    BODY,
    HEADERS,
    TEXT_PATH,
    concurrent_seconds,
    emulator_process,
    report,
)
from _compare import ROUNDS, Rows, vs_raw_call, vs_raw_stream

from dashscope_models import DashScopeClient, GenerationRequest, Message

REQUEST = GenerationRequest(model="qwen-plus", messages=[Message("user", "Say hello")])
CONCURRENCY = 200
DELAY = 0.1


def sequential(base_url: str) -> Rows:
    client = DashScopeClient(base_url=base_url, api_key=API_KEY)
    rows = vs_raw_call(base_url, "DashScopeClient.generate", lambda: client.generate(REQUEST), 1.15)
    client.close()
    return rows


async def concurrent(base_url: str) -> Rows:
    url = base_url + TEXT_PATH
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1000)) as session:

        async def raw_aiohttp() -> None:
            async with session.post(url, json=BODY, headers=HEADERS) as response:
                await response.json()

        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1000)) as hx:

            async def raw_httpx() -> None:
                (await hx.post(url, json=BODY, headers=HEADERS)).json()

            client = DashScopeClient(base_url=base_url, api_key=API_KEY)

            async def core() -> None:
                await client.agenerate(REQUEST)

            aiohttp_s, core_s = await concurrent_seconds(
                raw_aiohttp, core, n=CONCURRENCY, rounds=ROUNDS
            )
            # httpx's own async pool, for reference only (seconds a batch: three will do)
            (httpx_s,) = await concurrent_seconds(raw_httpx, n=CONCURRENCY, rounds=3)
            await client.aclose()
    return [
        (f"raw aiohttp, {CONCURRENCY} concurrent", aiohttp_s * 1e3, "ms", None, None),
        ("raw httpx default transport (reference)", httpx_s * 1e3, "ms", httpx_s / aiohttp_s, None),
        ("DashScopeClient.agenerate", core_s * 1e3, "ms", core_s / aiohttp_s, 1.1),
    ]


def streaming() -> Rows:
    def counter(base_url: str) -> Callable[[], int]:
        client = DashScopeClient(base_url=base_url, api_key=API_KEY)
        return lambda: sum(1 for _ in client.stream(REQUEST))

    return vs_raw_stream("DashScopeClient.stream", counter, 1.3, result_format=None)


def main() -> None:
    with emulator_process() as base_url:
        report("Sequential calls (emulator in a child process)", sequential(base_url))
    with emulator_process(delay=DELAY) as base_url:
        delay_ms = DELAY * 1000
        title = f"{CONCURRENCY} concurrent calls, {delay_ms:.0f} ms server delay (best of {ROUNDS})"
        report(title, asyncio.run(concurrent(base_url)))
    report("Streaming CPU of the client thread", streaming())


if __name__ == "__main__":
    main()
