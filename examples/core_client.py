"""The native client on its own: generate, stream, and a typed error.

Run: ``python examples/core_client.py`` (offline on the emulator without DASHSCOPE_API_KEY).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _backend import dashscope_backend

from dashscope_models import DashScopeClient, GenerationRequest, Message, RequestValidationError


async def main() -> None:
    client = DashScopeClient()
    question = [Message("system", "Answer briefly."), Message("user", "What is DashScope?")]
    result = client.generate(GenerationRequest(model="qwen-plus", messages=question))
    print("answer:", result.text)
    print("usage: ", result.usage, "request_id:", result.request_id)

    print("stream:", end=" ")
    async for chunk in client.astream(GenerationRequest(model="qwen-plus", messages=question)):
        print(chunk.text, end="", flush=True)
    print()

    try:
        client.generate(GenerationRequest(model="moonshot-v1-8k", prompt="hi", temperature=1.5))
    except RequestValidationError as err:
        print("rejected before sending:", err)


if __name__ == "__main__":
    with dashscope_backend():
        asyncio.run(main())
