"""The three comparisons every client benchmark makes, each returning rows for ``report``.

* :func:`vs_raw_call`: microseconds per sequential call against a raw httpx POST + ``json()``;
* :func:`vs_core_concurrent`: 200 concurrent calls against the core client sending the very
  request the chat adapters send (``result_format: "message"``);
* :func:`vs_raw_stream`: client-thread CPU per 1,000 chunks of a 2,000-chunk answer against
  raw httpx ``iter_lines`` + ``json.loads``, the emulator in a child process.

Example::

    rows = vs_raw_call(base_url, "ChatQwen.invoke", lambda: model.invoke("Say hello"), 1.6)
    report("Sequential invoke", rows)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
from _common import (
    API_KEY,
    BODY,
    concurrent_seconds,
    cpu_per,
    per_call,
    raw_httpx_call,
    raw_httpx_stream,
    streaming_emulator_process,
)

from dashscope_models import DashScopeClient, GenerationRequest, Message

__all__ = ["CHAT_REQUEST", "CHUNKS", "ROUNDS", "Rows", "vs_core_concurrent", "vs_raw_call",
           "vs_raw_stream"]  # fmt: skip

Rows = list[tuple[str, float, str, float | None, float | None]]
CHUNKS = 2000
ROUNDS = 15  # best of, for the concurrent batches (see _common.concurrent_seconds)
# The request the chat adapters send for "Say hello" (they ask for the message result format).
CHAT_REQUEST = GenerationRequest(
    model="qwen-plus", messages=[Message("user", "Say hello")], result_format="message"
)


def vs_raw_call(base_url: str, label: str, call: Callable[[], object], target: float) -> Rows:
    """``call`` against a raw httpx POST + ``json()``, microseconds per sequential call."""
    raw = httpx.Client()
    raw_us, us = per_call(lambda: raw_httpx_call(raw, base_url), call)
    raw.close()
    return [
        ("raw httpx POST + json", raw_us, "us/call", None, None),
        (label, us, "us/call", us / raw_us, target),
    ]


async def vs_core_concurrent(
    base_url: str, label: str, call: Callable[[], Awaitable[object]], target: float
) -> Rows:
    """200 concurrent ``call``s against 200 concurrent core ``agenerate(CHAT_REQUEST)``s."""
    client = DashScopeClient(base_url=base_url, api_key=API_KEY)
    core_s, s = await concurrent_seconds(
        lambda: client.agenerate(CHAT_REQUEST), call, rounds=ROUNDS
    )
    await client.aclose()
    return [
        ("DashScopeClient.agenerate x200", core_s * 1e3, "ms", None, None),
        (f"{label} x200", s * 1e3, "ms", s / core_s, target),
    ]


def vs_raw_stream(
    label: str,
    counter: Callable[[str], Callable[[], int]],
    target: float,
    result_format: str | None = "message",
) -> Rows:
    """Client CPU per 1,000 chunks: ``counter(base_url)`` makes the function that streams one
    answer and returns its chunk count; raw httpx reads the same answer line by line."""
    parameters: dict[str, object] = {"incremental_output": True}
    if result_format is not None:
        parameters["result_format"] = result_format
    body = {**BODY, "parameters": parameters}
    with streaming_emulator_process(CHUNKS) as base_url:
        raw = httpx.Client()
        raw_ms, ms = cpu_per(lambda: raw_httpx_stream(raw, base_url, body), counter(base_url))
        raw.close()
    return [
        (f"raw httpx iter_lines + json ({CHUNKS} chunks)", raw_ms, "ms/1k", None, None),
        (label, ms, "ms/1k", ms / raw_ms, target),
    ]
