"""Many concurrent requests: LangChain ``abatch`` and LlamaIndex ``achat`` with asyncio.gather.

All calls share one connection pool. Prints requests per second.
Run: ``python examples/async_throughput.py`` (offline on the emulator without DASHSCOPE_API_KEY).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _backend import dashscope_backend
from llama_index.core.llms import ChatMessage

from langchain_dashscope_models import ChatQwen
from llamaindex_dashscope_models import Qwen

N = 100


async def main() -> None:
    questions = [f"Question {i}: what is {i} + {i}?" for i in range(N)]

    start = time.perf_counter()
    answers = await ChatQwen(model="qwen-flash").abatch(questions)
    took = time.perf_counter() - start
    print(f"LangChain abatch: {len(answers)} answers in {took:.2f} s ({N / took:.0f} req/s)")

    llm = Qwen(model="qwen-flash")
    start = time.perf_counter()
    replies = await asyncio.gather(
        *(llm.achat([ChatMessage(role="user", content=q)]) for q in questions)
    )
    took = time.perf_counter() - start
    print(f"LlamaIndex gather: {len(replies)} replies in {took:.2f} s ({N / took:.0f} req/s)")


if __name__ == "__main__":
    with dashscope_backend():
        asyncio.run(main())
