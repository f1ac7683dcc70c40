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
from collections.abc import Callable
from pathlib import Path

from llama_index.core.base.llms.types import ChatMessage

sys.path.insert(0, str(Path(__file__).parent))

from _common import API_KEY, emulator_process, report
from _compare import ROUNDS, Rows, vs_core_concurrent, vs_raw_call, vs_raw_stream

from llamaindex_dashscope_models import Qwen

USER = [ChatMessage(role="user", content="Say hello")]


def sequential(base_url: str) -> Rows:
    llm = Qwen(base_url=base_url, api_key=API_KEY)
    return vs_raw_call(base_url, "Qwen.chat", lambda: llm.chat(USER), 1.6)


async def concurrent(base_url: str) -> Rows:
    llm = Qwen(base_url=base_url, api_key=API_KEY)
    return await vs_core_concurrent(base_url, "Qwen.achat", lambda: llm.achat(USER), 1.2)


def streaming() -> Rows:
    def counter(base_url: str) -> Callable[[], int]:
        llm = Qwen(base_url=base_url, api_key=API_KEY)
        return lambda: sum(1 for _ in llm.stream_chat(USER))

    return vs_raw_stream("Qwen.stream_chat", counter, 2.5)


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
