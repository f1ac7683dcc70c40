"""Rerank of 500 documents: wall time against the ideal (run by hand).

    python benchmarks/bench_rerank.py

Reranks 500 documents against the emulator (in a child process) with a 50 ms server delay.
qwen3-vl-rerank takes 100 documents per request, so the call is split into 5 requests: the
async path sends them concurrently (ideal ``batches x delay / concurrency``, and never below one
round of ``delay``), the sync path one after another (ideal ``batches x delay``).
gte-rerank-v2 takes all 500 in one request (ideal: one ``delay``). Each ratio is the wall time
over the ideal; best of 5.
"""

from __future__ import annotations

import asyncio
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import API_KEY, emulator_process, report

from dashscope_models import DashScopeClient, RerankRequest, get_spec

DELAY = 0.05
DOCS = [f"passage {i}: the river {i % 37} flows past the tower {i % 11}" for i in range(500)]
QUERY = "which tower does river 5 flow past?"


async def abest(client: DashScopeClient, request: RerankRequest, concurrency: int) -> float:
    """Best of 5 on one event loop and one connection pool (after a warm-up call)."""
    times = []
    for _ in range(6):
        start = time.perf_counter()
        result = await client.arerank(request, max_concurrency=concurrency)
        times.append(time.perf_counter() - start)
        assert len(result.results) == 10
    return min(times[1:])


def best(run: Callable[[], object]) -> float:
    """Best of 5 (after a warm-up call)."""
    times = []
    for _ in range(6):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times[1:])


CASES = (("qwen3-vl-rerank", 16), ("qwen3-vl-rerank", 2), ("gte-rerank-v2", 16))


async def async_rows(base_url: str) -> list[tuple[str, float, str, float | None, float | None]]:
    rows: list[tuple[str, float, str, float | None, float | None]] = []
    client = DashScopeClient(base_url=base_url, api_key=API_KEY)
    for model, concurrency in CASES:
        request = RerankRequest(model=model, query=QUERY, documents=DOCS, top_n=10)
        batches = math.ceil(len(DOCS) / get_spec(model).max_batch)
        took = await abest(client, request, concurrency)
        ideal = max(batches * DELAY / concurrency, math.ceil(batches / concurrency) * DELAY)
        what = f"arerank {model}: {batches} requests, concurrency {concurrency}"
        rows.append((what, took * 1e3, "ms", took / ideal, None))
        rows.append((f"  ideal {ideal * 1e3:.0f} ms", 0.0, "", None, None))
    await client.aclose()
    return rows


def main() -> None:
    with emulator_process(delay=DELAY) as base_url:
        rows = asyncio.run(async_rows(base_url))
        client = DashScopeClient(base_url=base_url, api_key=API_KEY)
        request = RerankRequest(model="qwen3-vl-rerank", query=QUERY, documents=DOCS, top_n=10)
        took = best(lambda: client.rerank(request))
        ideal = 5 * DELAY
        what = "rerank (sync) qwen3-vl-rerank: 5 requests in turn"
        rows.append((what, took * 1e3, "ms", took / ideal, None))
        rows.append((f"  ideal {ideal * 1e3:.0f} ms", 0.0, "", None, None))
        client.close()
    report(f"Rerank: 500 documents, {DELAY * 1e3:.0f} ms server delay (best of 5)", rows)


if __name__ == "__main__":
    main()
