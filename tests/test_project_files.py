"""What a new user sees around the code: the LICENSE the metadata names, the examples extra and
the agent example on langchain's create_agent, and dir() of each package listing its public
names (lazily imported ones included), not its helpers."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
PACKAGES = ["dashscope_models", "langchain_dashscope_models", "llamaindex_dashscope_models"]


def test_license_file_is_the_mit_license_the_metadata_names() -> None:
    text = (ROOT / "LICENSE").read_text("utf-8")
    assert PROJECT["license"] == "MIT"
    assert text.startswith("MIT License") and "Permission is hereby granted, free of charge" in text


def test_examples_extra_installs_langchain_for_create_agent() -> None:
    names = [
        r.split(">")[0].split("=")[0].strip() for r in PROJECT["optional-dependencies"]["examples"]
    ]
    assert "langchain" in names and "langgraph" in names


def test_agent_example_uses_create_agent_without_deprecation_warnings() -> None:
    source = (ROOT / "examples" / "agent.py").read_text("utf-8")
    assert "from langchain.agents import create_agent" in source
    assert "create_react_agent" not in source
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHSCOPE_")}
    done = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", str(ROOT / "examples" / "agent.py")],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "calls [('get_weather', {'city': 'Hangzhou'})]" in done.stdout
    assert "calls [('add', {'a': 2, 'b': 3})]" in done.stdout
    assert " tool: 5" in done.stdout


@pytest.mark.parametrize("name", PACKAGES)
def test_dir_lists_the_public_names(name: str) -> None:
    package = importlib.import_module(name)
    listed = dir(package)
    assert listed == sorted(package.__all__)
    assert not [n for n in listed if n.startswith("_") and n != "__version__"]
    assert all(getattr(package, n) is not None for n in listed)  # lazy names resolve too
