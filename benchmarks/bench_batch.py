"""Batch submission: peak memory and wall time of building + uploading N rows.

``submit_batch`` reads the requests once (a generator here, so the caller holds none of them),
writes each line to a temporary file and streams the file to the upload; the baseline is what
one writes by hand with raw httpx: every line built in memory, joined, and posted with
``files=``. Each measurement runs in a fresh child process (peak RSS is a process-lifetime
figure), against the emulator's HTTP server in another process (``--batch-seconds 3600``: the
batches are created, not run). Peak memory is the child's peak RSS minus its RSS after imports.

Run: ``.venv/bin/python benchmarks/bench_batch.py [N ...]`` (default 10000 100000).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import API_KEY

WAYS = ("submit_batch", "raw httpx")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _requests(n: int) -> Iterator[object]:
    from dashscope_models import GenerationRequest, Message

    for i in range(n):
        text = f"Summarise document {i}: the quick brown fox jumps over the lazy dog. " * 3
        yield GenerationRequest(model="qwen-plus", messages=[Message("user", text)], max_tokens=64)


def child(way: str, n: int, base_url: str) -> None:
    import httpx

    from dashscope_models import DashScopeClient
    from dashscope_models._batch_rows import encode_row

    root = base_url.removesuffix("/api/v1") + "/compatible-mode/v1"
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with DashScopeClient(api_key=API_KEY, base_url=base_url, timeout=600) as client:
        client.submit_batch(_requests(1))  # warm: pools, imports, lazy tables
        with httpx.Client(timeout=600) as http:
            http.get(f"{root}/files", headers=headers)
            before = _rss_mb()
            start = time.perf_counter()
            if way == "submit_batch":
                batches = len(client.submit_batch(_requests(n)).batch_ids)
            else:  # by hand: the whole file in memory, one upload, one batch
                data = b"".join(encode_row(i, r) for i, r in enumerate(_requests(n)))  # type: ignore[arg-type]
                files = {"file": ("batch.jsonl", data)}
                form = {"purpose": "batch"}
                uploaded = http.post(f"{root}/files", headers=headers, files=files, data=form)
                body = {
                    "input_file_id": uploaded.json()["id"],
                    "endpoint": "/v1/chat/completions",
                    "completion_window": "24h",
                }
                http.post(f"{root}/batches", headers=headers, json=body).raise_for_status()
                batches = 1
            seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_mb": _rss_mb() - before, "batches": batches}))


def main(sizes: list[int]) -> None:
    args = [sys.executable, "-m", "dashscope_models.emulator", "--api-key", API_KEY,
            "--batch-seconds", "3600"]  # fmt: skip
    server = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        print(f"{'rows':>8} {'way':<13} {'seconds':>8} {'peak MB':>8} {'batches':>7}")
        for n in sizes:
            measured = {}
            for way in WAYS:
                out = subprocess.run(
                    [sys.executable, __file__, "--child", way, str(n), base_url],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                measured[way] = json.loads(out.stdout.strip().splitlines()[-1])
                m = measured[way]
                seconds, peak, batches = m["seconds"], m["peak_mb"], m["batches"]
                print(f"{n:>8} {way:<13} {seconds:>8.2f} {peak:>8.1f} {batches:>7}")
            ours, raw = measured["submit_batch"], measured["raw httpx"]
            print(
                f"{n:>8} ratio         {ours['seconds'] / raw['seconds']:>8.2f} "
                f"{ours['peak_mb'] / max(raw['peak_mb'], 0.1):>8.2f}   (submit_batch / raw)"
            )
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
