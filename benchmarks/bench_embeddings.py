"""Embedding throughput on the async path (run by hand).

    python benchmarks/bench_embeddings.py

Embeds 1,000 texts with text-embedding-v4 (10 texts per request, so 100 batches) through
``DashScopeClient.aembed`` against the emulator (in a child process) with a 50 ms server delay,
and prints the wall time as a ratio to the ideal ``batches x delay / concurrency``. At the
default 1,024 dimensions the client is CPU-bound decoding a million floats of JSON; the
64-dimension rows show the latency-bound behaviour. Last, the emulator's own lexical embeddings
in process: texts per second through its text-embedding endpoint (target: at least 10,000).
"""

from __future__ import annotations

import asyncio
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import API_KEY, emulator_process, report

from dashscope_models import DashScopeClient, EmbeddingRequest, get_spec
from dashscope_models.emulator._embeddings import embedding_answer, vector_for

TEXTS = [f"passage {i}: DashScope hosts Qwen, Moonshot and more." for i in range(1000)]
DELAY = 0.05
MODEL = "text-embedding-v4"


async def run(base_url: str, concurrency: int, dimension: int | None = None) -> float:
    client = DashScopeClient(base_url=base_url, api_key=API_KEY)
    request = EmbeddingRequest(model=MODEL, texts=TEXTS, dimension=dimension)
    await client.aembed(EmbeddingRequest(model=MODEL, texts=TEXTS[:20]))  # warm up
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        result = await client.aembed(request, max_concurrency=concurrency)
        best = min(best, time.perf_counter() - start)
        assert len(result.embeddings) == len(TEXTS)
    await client.aclose()
    return best


def emulator_rate(dimension: int) -> float:
    """Texts per second the emulator embeds in process (10,000 distinct texts, no cache)."""
    words = ["river", "tower", "cloud", "model", "query", "answer", "index", "vector"]
    texts = [" ".join(words[(i + j) % 8] for j in range(12)) + f" item{i}" for i in range(10_000)]
    vector_for.cache_clear()
    params = {"dimension": dimension}
    start = time.perf_counter()
    for i in range(0, len(texts), 10):
        body = {"model": MODEL, "input": {"texts": texts[i : i + 10]}, "parameters": params}
        assert embedding_answer(body, "bench")[0] == 200
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    batches = math.ceil(len(TEXTS) / get_spec(MODEL).max_batch)
    rows = []
    with emulator_process(delay=DELAY) as base_url:
        for concurrency, dimension in ((16, None), (50, None), (100, None), (16, 64), (100, 64)):
            took = asyncio.run(run(base_url, concurrency, dimension))
            ideal = batches * DELAY / concurrency
            rounds = math.ceil(batches / concurrency) * DELAY
            rows.append(
                (
                    f"aembed 1000 texts, concurrency {concurrency}, dim {dimension or 1024}",
                    took * 1e3,
                    "ms",
                    took / ideal,
                    None,
                )
            )
            rows.append(
                (
                    f"  ideal {ideal * 1e3:.0f} ms; whole rounds {rounds * 1e3:.0f} ms",
                    0.0,
                    "",
                    None,
                    None,
                )
            )
    report(f"Embeddings: {batches} batches, {DELAY * 1e3:.0f} ms server delay (best of 3)", rows)
    rates = [(f"emulator, dim {d}", emulator_rate(d), "texts/s", None, None) for d in (1024, 64)]
    report("The emulator's lexical embeddings (target: >= 10,000 texts/s)", rates)


if __name__ == "__main__":
    main()
