"""The core package stays framework-free: importing it loads neither LangChain nor LlamaIndex."""

from __future__ import annotations

import subprocess
import sys


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
