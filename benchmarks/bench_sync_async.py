"""Sync against async streaming, per chunk, for the LangChain classes (run by hand).

    python benchmarks/bench_sync_async.py [--rounds N]

Client-thread CPU per 1,000 chunks of a 2,000-chunk answer (the emulator in a child process),
``stream`` against ``astream`` in the same run, interleaved, best round of each; the async side
runs on one event loop made once (its CPU is this thread's too). Target: the sync stream within
10 % of the async one for ``ChatQwen`` and ``QwenLLM``; the core client's pair is the floor.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import API_KEY, cpu_per, report, streaming_emulator_process
from _compare import CHAT_REQUEST, CHUNKS, Rows

from dashscope_models import DashScopeClient, aclose_pools
from langchain_dashscope_models import ChatQwen, QwenLLM


def _pair(
    loop: asyncio.AbstractEventLoop,
    sync: Callable[[], Iterator[Any]],
    agen: Callable[[], AsyncIterator[Any]],
) -> tuple[Callable[[], int], Callable[[], int]]:
    async def drain() -> int:
        return sum([1 async for _ in agen()])

    return (lambda: sum(1 for _ in sync())), (lambda: loop.run_until_complete(drain()))


def measure(rounds: int) -> Rows:
    loop = asyncio.new_event_loop()
    with streaming_emulator_process(CHUNKS, answers=12 * (rounds + 1)) as base_url:
        core = DashScopeClient(base_url=base_url, api_key=API_KEY)
        chat = ChatQwen(base_url=base_url, api_key=API_KEY)
        llm = QwenLLM(base_url=base_url, api_key=API_KEY)
        pairs = [
            ("core stream", _pair(loop, lambda: core.stream(CHAT_REQUEST),
                                  lambda: core.astream(CHAT_REQUEST))),
            ("ChatQwen", _pair(loop, lambda: chat.stream("Say hello"),
                               lambda: chat.astream("Say hello"))),
            ("QwenLLM", _pair(loop, lambda: llm.stream("Say hello"),
                              lambda: llm.astream("Say hello"))),
        ]  # fmt: skip
        fns = [fn for _, pair in pairs for fn in pair]
        ms = cpu_per(*fns, rounds=rounds)
        loop.run_until_complete(aclose_pools())  # a loop closed by hand: its pools first
    loop.close()
    rows: Rows = []
    for i, (label, _) in enumerate(pairs):
        sync_ms, async_ms = ms[2 * i], ms[2 * i + 1]
        target = None if label.startswith("core") else 1.1
        rows.append((f"{label} astream", async_ms, "ms/1k", None, None))
        rows.append((f"{label} stream (ratio: sync / async)", sync_ms, "ms/1k",
                     sync_ms / async_ms, target))  # fmt: skip
    return rows


def main() -> None:
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 7
    report(f"Streaming CPU per 1,000 chunks, sync vs async (best of {rounds})", measure(rounds))


if __name__ == "__main__":
    main()
