"""The demo: runs every example in sequence, offline on the emulator unless a key is set.

Run: ``bash scripts/demo`` (or ``python examples/demo.py`` in an installed environment).
"""

from __future__ import annotations

import runpy
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLES = [
    "core_client.py",
    "langchain_chain.py",
    "agent.py",
    "agent_cache_savings.py",
    "structured_output.py",
    "llamaindex_rag.py",
    "documents.py",
    "rag_rerank.py",
    "knowledge_base_app.py",
    "prompt_only_models.py",
    "async_throughput.py",
]


def main() -> int:
    sys.path.insert(0, str(HERE))
    started = time.perf_counter()
    for name in EXAMPLES:
        print(f"\n=== {name} " + "=" * (60 - len(name)))
        runpy.run_path(str(HERE / name), run_name="__main__")
    print(f"\nAll {len(EXAMPLES)} examples ran in {time.perf_counter() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
