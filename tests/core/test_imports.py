"""What importing loads: the core package neither LangChain nor LlamaIndex; the adapters not
httpx (the core client and its HTTP stack load on first use)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_core_imports_no_framework() -> None:
    code = (
        "import sys, dashscope_models, dashscope_models.emulator\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'langchain_core', 'langchain', 'llama_index', 'langchain_dashscope_models', "
        "'llamaindex_dashscope_models'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names_exist() -> None:
    import dashscope_models

    for name in dashscope_models.__all__:
        assert hasattr(dashscope_models, name), name


def _modules_added(before: str, statement: str) -> set[str]:
    code = (
        f"import sys\n{before}\nknown = set(sys.modules)\n{statement}\n"
        "print(','.join(sorted(m.split('.')[0] for m in set(sys.modules) - known)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.strip().split(","))


def test_adapters_load_httpx_on_first_call_only() -> None:
    langchain = _modules_added(
        "from langchain_core.language_models import BaseChatModel",
        "from langchain_dashscope_models import ChatQwen",
    )
    assert "langchain_dashscope_models" in langchain and "httpx" not in langchain
    first_use = _modules_added(
        "from langchain_dashscope_models import ChatQwen",
        "ChatQwen(api_key='sk-x').client",
    )
    assert "httpx" in first_use
    llamaindex = _modules_added(
        "from llama_index.core.llms import LLM", "from llamaindex_dashscope_models import Qwen"
    )
    assert "llamaindex_dashscope_models" in llamaindex and "httpx" not in llamaindex


def test_lazy_names_resolve_once() -> None:
    import dashscope_models
    from dashscope_models._client import DashScopeClient
    from dashscope_models._pool import close_pools

    assert dashscope_models.DashScopeClient is DashScopeClient
    assert dashscope_models.close_pools is close_pools
    assert "DashScopeClient" in vars(dashscope_models)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        dashscope_models.nope  # noqa: B018
