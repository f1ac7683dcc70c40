"""Shared pieces of the benchmarks: an emulator in a child process, timers and baselines.

The emulator runs in its own process (``python -m dashscope_models.emulator``, or a small
script queueing 2,000-chunk replies for the streaming benchmarks) so that its work never
competes with the client for the GIL or shows up in the client's CPU time; streaming is
measured with ``time.thread_time()``, which counts only the calling thread's CPU.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

API_KEY = "sk-bench"
TEXT_PATH = "/services/aigc/text-generation/generation"
BODY: dict[str, Any] = {
    "model": "qwen-plus",
    "input": {"messages": [{"role": "user", "content": "Say hello"}]},
    "parameters": {},
}
HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}


@contextmanager
def emulator_process(delay: float = 0.0) -> Iterator[str]:
    """Start ``python -m dashscope_models.emulator`` and yield its base URL."""
    args = [sys.executable, "-m", "dashscope_models.emulator", "--api-key", API_KEY]
    if delay:
        args += ["--delay", str(delay)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


_STREAM_SERVER = """
import sys
from dashscope_models.emulator import Reply, start_emulator
chunks, answers = int(sys.argv[1]), int(sys.argv[2])
with start_emulator(api_key=sys.argv[3]) as server:
    for _ in range(answers):
        server.emulator.queue(Reply(chunks=[f"w{i} " for i in range(chunks)]))
    print(server.base_url, flush=True)
    sys.stdin.read()  # serve until the parent closes our stdin
"""


@contextmanager
def streaming_emulator_process(chunks: int, answers: int = 64) -> Iterator[str]:
    """An emulator in a child process whose next ``answers`` replies stream ``chunks`` chunks
    each: the server's work then never competes with the measured client thread for the GIL
    (in-process, the two threads' interleaving made single rounds vary by 2x)."""
    args = [sys.executable, "-c", _STREAM_SERVER, str(chunks), str(answers), API_KEY]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def use_env(base_url: str) -> None:
    """Point models built without arguments at the emulator."""
    os.environ["DASHSCOPE_API_KEY"] = API_KEY
    os.environ["DASHSCOPE_BASE_URL"] = base_url


def per_call(*fns: Callable[[], object], calls: int = 200, rounds: int = 7) -> list[float]:
    """Microseconds per call of each ``fn``: the functions run interleaved, ``calls`` calls per
    round, and the best round of each counts (machine noise hits them alike)."""
    for fn in fns:
        fn()  # warm up (connection, caches)
    best = [math.inf] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            gc.collect()
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            best[i] = min(best[i], (time.perf_counter() - start) / calls * 1e6)
    return best


async def concurrent_seconds(
    *calls: Callable[[], Awaitable[object]], n: int = 200, rounds: int = 7
) -> list[float]:
    """Seconds for ``n`` concurrent calls of each ``call``: batches run interleaved, each from
    a collected heap, and the best batch of each counts (a 2-core machine shares its CPUs
    with the emulator process, so single batches are noisy)."""
    for call in calls:
        await asyncio.gather(*(call() for _ in range(n)))  # warm up: open the connections
    best = [math.inf] * len(calls)
    for _ in range(rounds):
        for i, call in enumerate(calls):
            gc.collect()
            start = time.perf_counter()
            await asyncio.gather(*(call() for _ in range(n)))
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def cpu_per(*fns: Callable[[], int], rounds: int = 15) -> list[float]:
    """CPU milliseconds of this thread per 1,000 items for each ``fn`` (which returns a count).

    The functions run interleaved, round after round, and the best round of each counts, so
    that machine noise (frequency changes, the server thread) hits them alike.
    """
    for fn in fns:
        fn()
    best = [math.inf] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            gc.collect()  # start each run from the same heap: no inherited collection debt
            start = time.thread_time()
            count = fn()
            best[i] = min(best[i], (time.thread_time() - start) * 1e3 / count * 1000)
    return best


def raw_httpx_call(client: Any, base_url: str) -> str:
    """The floor for one call: POST the body with httpx, read the JSON answer."""
    response = client.post(base_url + TEXT_PATH, json=BODY, headers=HEADERS)
    response.raise_for_status()
    data = response.json()
    return str(data["output"]["text"])


def raw_httpx_stream(client: Any, base_url: str, body: dict[str, Any]) -> int:
    """The floor for a stream: read SSE lines with httpx and decode each data line."""
    headers = {**HEADERS, "X-DashScope-SSE": "enable"}
    count = 0
    with client.stream("POST", base_url + TEXT_PATH, json=body, headers=headers) as response:
        for line in response.iter_lines():
            if line.startswith("data:"):
                json.loads(line[5:])
                count += 1
    return count


def report(title: str, rows: list[tuple[str, float, str, float | None, float | None]]) -> None:
    """Print rows of (what, value, unit, ratio, target)."""
    print(f"\n{title}")
    for what, value, unit, ratio, target in rows:
        line = f"  {what:<48} {value:>10.2f} {unit:<8}"
        if ratio is not None:
            verdict = "" if target is None else ("  ok" if ratio <= target else "  OVER TARGET")
            line += f" ratio {ratio:5.2f}" + (f" (target <= {target})" if target else "") + verdict
        print(line)
