"""docs/applications.md cannot rot: its Python blocks run in order, as written, against the test
emulator serving a knowledge-base app under the page's placeholder id."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from dashscope_models.emulator import App, AppDocument, EmulatorServer

PAGE = (Path(__file__).resolve().parent.parent / "docs" / "applications.md").read_text("utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE, re.S)
HANDBOOK = [
    AppDocument("Employees get 25 days of paid leave a year. Unused days expire in March.",
                title="Leave policy"),
    AppDocument("Economy class is the rule for flights under six hours.", title="Travel policy"),
]  # fmt: skip


def test_applications_page_code_runs_on_the_emulator(emulator_server: EmulatorServer) -> None:
    # DASHSCOPE_API_KEY / DASHSCOPE_BASE_URL point at the test emulator (tests/conftest.py).
    emulator_server.emulator.add_app(App.rag("YOUR_APP_ID", HANDBOOK))
    scope: dict[str, object] = {"__name__": "applications_doc"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for index, block in enumerate(BLOCKS):
            exec(compile(block, f"docs/applications.md block {index}", "exec"), scope)
    printed = out.getvalue()
    assert "25 days of paid leave" in printed and "expire in March" in printed
    assert "Leave policy" in printed and "Travel policy" in printed
    assert len(BLOCKS) >= 5
