"""docs/migration.md stays true: its imports exist, its numbers are the catalog's, and each
of the four differences it lists has its test in this folder."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from dashscope_models import get_spec

GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "migration.md").read_text("utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", GUIDE, re.S)
OURS = ("dashscope_models", "langchain_dashscope_models", "llamaindex_dashscope_models")


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_our_imports_in_the_guide_exist(index: int) -> None:
    for node in ast.walk(ast.parse(BLOCKS[index])):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(OURS):
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module} has no {alias.name}"


def test_the_guides_numbers_are_the_catalogs() -> None:
    assert "maximum output of 8192 tokens" in GUIDE
    assert get_spec("qwen-max").max_output_tokens == 8192
    assert "131072 (qwen-plus's)" in GUIDE
    assert get_spec("qwen-plus").context_window == 131072
    assert get_spec("text-embedding-v4").default_dimension == 1024
    assert get_spec("text-embedding-v1").default_dimension == 1536
    assert get_spec("text-embedding-v2").default_dimension == 1536


def test_each_listed_difference_has_its_test() -> None:
    here = Path(__file__).parent
    tests = {p.name: p.read_text("utf-8") for p in here.glob("test_*.py")}
    assert "def test_difference_vision_answer_is_a_string" in tests["test_chat_tongyi.py"]
    for name in ("test_chat_tongyi.py", "test_llamaindex_dashscope_llm.py"):
        assert "def test_difference_max_tokens_over_the_limit_is_refused_early" in tests[name]
    for name in ("test_dashscope_embeddings.py", "test_llamaindex_dashscope_embedding.py"):
        assert "def test_difference_default_model" in tests[name]
    table = GUIDE.split("Four differences", 1)[1].split("\n\n", 2)[1]
    assert len([row for row in table.splitlines() if row.startswith("| ")]) == 1 + 4
