"""docs/thinking.md cannot rot: each of its Python blocks runs against the emulator as written,
and the metadata note it quotes is the one an answer carries."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

PAGE = (Path(__file__).resolve().parent.parent / "docs" / "thinking.md").read_text("utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE, re.S)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_thinking_page_code_runs_on_the_emulator(index: int, emulator_server: object) -> None:
    # DASHSCOPE_API_KEY / DASHSCOPE_BASE_URL point at the test emulator (tests/conftest.py).
    scope: dict[str, object] = {"__name__": "thinking_doc"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(BLOCKS[index], f"docs/thinking.md block {index}", "exec"), scope)
    message = scope.get("message")
    note = getattr(message, "response_metadata", {}).get("thinking_disabled")
    if note is not None:  # the page quotes it in a comment
        quoted = " ".join(re.findall(r"#\s+'?(.*?)'?$", BLOCKS[index], re.M)[-2:])
        assert note == quoted.replace("  ", " ")
