"""The README and the examples cannot rot: examples run offline, README code runs against the
emulator and imports only names that exist, and the README's model table is the catalog's."""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dashscope_models._catalog import catalog_markdown

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
EXAMPLES = sorted(
    p.name
    for p in (ROOT / "examples").glob("*.py")
    if not p.name.startswith("_") and p.name != "demo.py"
)
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def test_every_example_is_in_the_demo() -> None:
    demo = (ROOT / "examples" / "demo.py").read_text("utf-8")
    assert all(f'"{name}"' in demo for name in EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_runs_offline(name: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHSCOPE_")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "running offline on the local emulator" in done.stdout.splitlines()[0]


def test_readme_model_table_is_the_catalog() -> None:
    table = README.split("<!-- models:start -->\n", 1)[1].split("<!-- models:end -->", 1)[0]
    assert table == catalog_markdown(), "regenerate with: python -m dashscope_models.catalog"


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_code_imports_exist(index: int) -> None:
    for node in ast.walk(ast.parse(BLOCKS[index])):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module} has no {alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                importlib.import_module(alias.name)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_code_runs_on_the_emulator(index: int, emulator_server: object) -> None:
    # DASHSCOPE_API_KEY / DASHSCOPE_BASE_URL point at the test emulator (tests/conftest.py).
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(BLOCKS[index], f"README block {index}", "exec"), {"__name__": "readme"})
