"""LlamaIndex adapter benchmarks (run by hand): ratios against raw httpx and the core client.

    python benchmarks/bench_llamaindex.py

* sequential ``Qwen.chat``: us/call vs raw httpx (target <= 1.6x);
* 200 concurrent ``achat`` with a 100 ms server delay vs the core client's ``agenerate`` in the
  same run (target <= 1.2x);
* streaming a 2,000-chunk answer: client CPU per 1,000 chunks vs raw httpx (target <= 2.5x).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
from llama_index.core.base.llms.types import ChatMessage

sys.path.insert(0, str(Path(__file__).parent))

from _common import (
    API_KEY,
    BODY,
    concurrent_seconds,
    cpu_per,
    emulator_process,
    per_call,
    raw_httpx_call,
    raw_httpx_stream,
    report,
    streaming_emulator_process,
)

from dashscope_models import DashScopeClient, GenerationRequest, Message
from llamaindex_dashscope_models import Qwen

Rows = list[tuple[str, float, str, float | None, float | None]]
CHUNKS = 2000
ROUNDS = 15  # best of, for the concurrent batches (see _common.concurrent_seconds)
USER = [ChatMessage(role="user", content="Say hello")]


def sequential(base_url: str) -> Rows:
    raw = httpx.Client()
    llm = Qwen(base_url=base_url, api_key=API_KEY)
    raw_us, li_us = per_call(lambda: raw_httpx_call(raw, base_url), lambda: llm.chat(USER))
    raw.close()
    return [
        ("raw httpx POST + json", raw_us, "us/call", None, None),
        ("Qwen.chat", li_us, "us/call", li_us / raw_us, 1.6),
    ]


async def concurrent(base_url: str) -> Rows:
    client = DashScopeClient(base_url=base_url, api_key=API_KEY)
    llm = Qwen(base_url=base_url, api_key=API_KEY)
    # The very request the adapter sends (chat models ask for the message result format).
    request = GenerationRequest(
        model="qwen-plus", messages=[Message("user", "Say hello")], result_format="message"
    )

    core_s, li_s = await concurrent_seconds(
        lambda: client.agenerate(request), lambda: llm.achat(USER), rounds=ROUNDS
    )
    await client.aclose()
    return [
        ("DashScopeClient.agenerate x200", core_s * 1e3, "ms", None, None),
        ("Qwen.achat x200", li_s * 1e3, "ms", li_s / core_s, 1.2),
    ]


def streaming() -> Rows:
    with streaming_emulator_process(CHUNKS) as base_url:
        raw = httpx.Client()
        llm = Qwen(base_url=base_url, api_key=API_KEY)
        body = {**BODY, "parameters": {"incremental_output": True, "result_format": "message"}}

        def raw_run() -> int:
            return raw_httpx_stream(raw, base_url, body)

        def li_run() -> int:
            return sum(1 for _ in llm.stream_chat(USER))

        raw_ms, li_ms = cpu_per(raw_run, li_run)
        raw.close()
    return [
        (f"raw httpx iter_lines + json ({CHUNKS} chunks)", raw_ms, "ms/1k", None, None),
        ("Qwen.stream_chat", li_ms, "ms/1k", li_ms / raw_ms, 2.5),
    ]


def main() -> None:
    with emulator_process() as base_url:
        report("Sequential chat (emulator in a child process)", sequential(base_url))
    with emulator_process(delay=0.1) as base_url:
        report(
            f"200 concurrent calls, 100 ms server delay (best of {ROUNDS})",
            asyncio.run(concurrent(base_url)),
        )
    report("Streaming CPU of the client thread", streaming())


if __name__ == "__main__":
    main()
