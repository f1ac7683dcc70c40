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


_WITHOUT = "import sys\nsys.modules.update(dict.fromkeys({blocked}))\n"


@pytest.mark.parametrize(
    ("package", "blocked", "extra"),
    [
        ("langchain_dashscope_models", ["langchain_core"], "langchain"),
        ("llamaindex_dashscope_models", ["llama_index"], "llamaindex"),
    ],
)
def test_an_adapter_without_its_framework_names_the_extra(
    package: str, blocked: list[str], extra: str
) -> None:
    script = _WITHOUT.format(blocked=blocked) + f"import {package}\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: ") and f"{package} needs" in last
    assert f'pip install "dashscope-models[{extra}]"' in last


def test_the_core_and_its_emulator_need_neither_framework() -> None:
    script = _WITHOUT.format(blocked=["langchain_core", "llama_index"]) + (
        "import dashscope_models, dashscope_models.emulator, dashscope_models.integration\n"
        "from dashscope_models import DashScopeClient, GenerationRequest, Message\n"
        "from dashscope_models.emulator import Emulator, EmulatorTransport\n"
        "client = DashScopeClient(api_key='sk-x', base_url='http://emulator/api/v1',\n"
        "                         transport=EmulatorTransport(Emulator()))\n"
        "ask = GenerationRequest(model='qwen-plus', messages=[Message('user', 'Hi')])\n"
        "print(client.generate(ask).text)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[qwen-plus] You said: Hi\n"


def test_the_extras_split_the_frameworks() -> None:
    extras = PROJECT["optional-dependencies"]
    names = {e: {r.split(">")[0].split("<")[0].split("[")[0] for r in extras[e]} for e in extras}
    assert "langchain-core" in names["langchain"] and "llama-index-core" not in names["langchain"]
    assert "llama-index-core" in names["llamaindex"] and "langchain-core" not in names["llamaindex"]
    deps = {d.split(">")[0].split("<")[0] for d in PROJECT["dependencies"]}
    assert not deps & {"langchain-core", "llama-index-core"}
    # The README's two commands install everything: scripts/test the test extra, scripts/demo
    # the examples extra; both take both frameworks.
    for extra in ("test", "examples"):
        assert "dashscope-models[langchain,llamaindex]" in extras[extra]
