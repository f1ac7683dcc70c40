"""Our adapters' own cost per call, above the core and the framework floor (run by hand).

    python benchmarks/bench_framework_floor.py [--rounds N]

1,000 concurrent calls, no network: the core client's ``agenerate`` and our classes over the
in-process emulator (``EmulatorTransport``), and the frameworks' own no-I/O fake models
(langchain-core's ``FakeChatModel``, llama-index-core's ``MockFunctionCallingLLM``, whose
``achat`` also runs its decorated ``chat``, so a one-layer variant is shown too). Batches run
interleaved, each from a collected heap; the best batch of each counts. Our own cost per call
is ``(ours - core - fake) / 1000``: what the adapter adds above the core's work and the
framework's own per-call machinery. Target: <= 30 us.
"""

from __future__ import annotations

import asyncio
import gc
import math
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import API_KEY, report, use_env
from _compare import CHAT_REQUEST, Rows
from langchain_core.language_models.fake_chat_models import FakeChatModel
from llama_index.core.base.llms.types import ChatMessage, ChatResponse
from llama_index.core.llms.callbacks import llm_chat_callback
from llama_index.core.llms.mock import MockFunctionCallingLLM

from dashscope_models import DashScopeClient
from dashscope_models.emulator import Emulator, EmulatorTransport
from langchain_dashscope_models import ChatQwen
from llamaindex_dashscope_models import Qwen

N = 1000
USER = [ChatMessage(role="user", content="Say hello")]


class OneLayerMock(MockFunctionCallingLLM):
    """llama-index-core's mock with ``achat`` answering directly (one callback layer, as ours)."""

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return ChatResponse(message=ChatMessage(role="assistant", content="fake"))


def in_process(model: Any, client: DashScopeClient) -> Any:
    """``model`` answered by ``client`` (the classes make their client from their settings; a
    benchmark puts one with a private transport in that cache instead)."""
    try:
        from dashscope_models.integration import _read_settings
    except ImportError:  # the code before the integration module (A/B runs)
        from dashscope_models._settings import _read_settings  # type: ignore[no-redef]

    model.__pydantic_private__["_client"] = (_read_settings(model), client)
    return model


async def batches(
    *calls: Callable[[], Awaitable[object]], rounds: int
) -> tuple[list[float], list[float]]:
    """Best wall seconds and best thread-CPU seconds of ``N`` concurrent calls of each ``call``
    (interleaved batches, each from a collected heap). Everything runs in this thread (the
    emulator is in-process), so CPU time is the work done, whatever else the machine runs."""
    for call in calls:
        await asyncio.gather(*(call() for _ in range(N)))  # warm up
    wall = [math.inf] * len(calls)
    cpu = [math.inf] * len(calls)
    for _ in range(rounds):
        for i, call in enumerate(calls):
            gc.collect()
            start, start_cpu = time.perf_counter(), time.thread_time()
            await asyncio.gather(*(call() for _ in range(N)))
            cpu[i] = min(cpu[i], time.thread_time() - start_cpu)
            wall[i] = min(wall[i], time.perf_counter() - start)
    return wall, cpu


async def measure(rounds: int) -> Rows:
    client = DashScopeClient(api_key=API_KEY, transport=EmulatorTransport(Emulator()))
    chat = in_process(ChatQwen(), client)
    llm = in_process(Qwen(), client)
    lc_fake, li_fake, li_one = FakeChatModel(), MockFunctionCallingLLM(), OneLayerMock()
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: client.agenerate(CHAT_REQUEST),
        lambda: lc_fake.ainvoke("Say hello"),
        lambda: chat.ainvoke("Say hello"),
        lambda: li_fake.achat(USER),
        lambda: li_one.achat(USER),
        lambda: llm.achat(USER),
    ]
    wall, cpu = await batches(*calls, rounds=rounds)
    return _rows(wall, "wall") + _rows(cpu, "CPU")


def _rows(seconds: list[float], kind: str) -> Rows:
    core, lc_floor, lc_ours, li_floor, li_one_floor, li_ours = seconds
    us = 1e6 / N
    return [
        (f"-- {kind} time", 0.0, "", None, None),
        (f"core agenerate x{N} (in-process emulator)", core * 1e3, "ms", None, None),
        (f"langchain-core FakeChatModel.ainvoke x{N}", lc_floor * 1e3, "ms", None, None),
        (f"ChatQwen.ainvoke x{N}", lc_ours * 1e3, "ms", None, None),
        ("  ChatQwen own cost (ours - core - fake)", (lc_ours - core - lc_floor) * us, "us/call",
         None, None),
        (f"llama-index MockFunctionCallingLLM.achat x{N}", li_floor * 1e3, "ms", None, None),
        (f"  the same, achat in one layer x{N}", li_one_floor * 1e3, "ms", None, None),
        (f"Qwen.achat x{N}", li_ours * 1e3, "ms", None, None),
        ("  Qwen own cost (ours - core - one-layer fake)", (li_ours - core - li_one_floor) * us,
         "us/call", None, None),
        ("  Qwen own cost (ours - core - fake as shipped)", (li_ours - core - li_floor) * us,
         "us/call", None, None),
    ]  # fmt: skip


def main() -> None:
    use_env("http://127.0.0.1:1/api/v1")
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 7
    report(f"{N} concurrent calls, no network (best of {rounds})", asyncio.run(measure(rounds)))


if __name__ == "__main__":
    main()
