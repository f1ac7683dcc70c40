"""LangChain adapter benchmarks (run by hand): ratios against raw httpx and the core client.

    python benchmarks/bench_langchain.py

* sequential ``ChatQwen.invoke``: us/call vs raw httpx (target <= 1.6x);
* 200 concurrent ``ainvoke`` with a 100 ms server delay vs the core client's ``agenerate``
  in the same run (target <= 1.2x);
* streaming a 2,000-chunk answer: client CPU per 1,000 chunks vs raw httpx (target <= 2.5x);
* import time of ``from langchain_dashscope_models import ChatQwen`` vs langchain-core's
  ``BaseChatModel`` alone (target <= +60 ms), and constructing one model (target <= 20 us).

Import time is what users get in a runtime-only install (``--import-only`` runs just that
part)::

    python -m venv /tmp/rt && /tmp/rt/bin/pip install . && /tmp/rt/bin/python \
        benchmarks/bench_langchain.py --import-only

The core client (and with it httpx) loads on first use, not at import.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import API_KEY, emulator_process, report, use_env
from _compare import ROUNDS, Rows, vs_core_concurrent, vs_raw_call, vs_raw_stream

from langchain_dashscope_models import ChatQwen


def sequential(base_url: str) -> Rows:
    model = ChatQwen(base_url=base_url, api_key=API_KEY)
    return vs_raw_call(base_url, "ChatQwen.invoke", lambda: model.invoke("Say hello"), 1.6)


async def concurrent(base_url: str) -> Rows:
    model = ChatQwen(base_url=base_url, api_key=API_KEY)
    return await vs_core_concurrent(
        base_url, "ChatQwen.ainvoke", lambda: model.ainvoke("Say hello"), 1.2
    )


def streaming() -> Rows:
    def counter(base_url: str) -> Callable[[], int]:
        model = ChatQwen(base_url=base_url, api_key=API_KEY)
        return lambda: sum(1 for _ in model.stream("Say hello"))

    return vs_raw_stream("ChatQwen.stream", counter, 2.5)


def import_ms(*statements: str, runs: int = 11) -> list[float]:
    """Milliseconds to run each statement in a fresh interpreter: interleaved, best of
    ``runs`` (a fresh interpreter's import time varies by tens of milliseconds here)."""
    best = [float("inf")] * len(statements)
    for _ in range(runs):
        for i, statement in enumerate(statements):
            code = f"import time; t = time.perf_counter(); {statement}; " + (
                "print((time.perf_counter() - t) * 1e3)"
            )
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout  # fmt: skip
            best[i] = min(best[i], float(out))
    return best


_OWN_IMPORT = """
import time
from langchain_core.language_models import BaseChatModel
t = time.perf_counter()
from langchain_dashscope_models import ChatQwen
print((time.perf_counter() - t) * 1e3)
"""


def own_import(runs: int = 7) -> float:
    """Best of ``runs``: our import's own work, in an interpreter that has langchain-core's
    ``BaseChatModel`` loaded already (garbage collection on, as users have it)."""
    return min(
        float(subprocess.run([sys.executable, "-c", _OWN_IMPORT], capture_output=True, text=True,
                             check=True).stdout)
        for _ in range(runs)
    )  # fmt: skip


def startup() -> Rows:
    base, ours = import_ms(
        "from langchain_core.language_models import BaseChatModel",
        "from langchain_dashscope_models import ChatQwen",
    )
    own = own_import()
    ChatQwen()
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(2000):
            ChatQwen()
        samples.append((time.perf_counter() - start) / 2000 * 1e6)
    build = statistics.median(samples)
    return [
        ("import langchain-core BaseChatModel", base, "ms", None, None),
        ("import ChatQwen", ours, "ms", None, None),
        (f"  difference, fresh interpreters: {ours - base:.1f} ms", 0.0, "", None, None),
        ("  of which our modules' own work (target <= 60 ms)", own, "ms", None, None),
        ("construct ChatQwen() (target <= 20 us)", build, "us", None, None),
    ]


def main() -> None:
    use_env("http://127.0.0.1:1/api/v1")  # construction reads the environment
    if "--import-only" in sys.argv:
        report("Import and construction", startup())
        return
    with emulator_process() as base_url:
        report("Sequential invoke (emulator in a child process)", sequential(base_url))
    with emulator_process(delay=0.1) as base_url:
        report(
            f"200 concurrent calls, 100 ms server delay (best of {ROUNDS})",
            asyncio.run(concurrent(base_url)),
        )
    report("Streaming CPU of the client thread", streaming())
    report("Import and construction", startup())


if __name__ == "__main__":
    main()
