"""Where the examples send requests: the real DashScope service, or the bundled emulator.

With ``DASHSCOPE_API_KEY`` set, examples call the real service. Without it they start the
local emulator on 127.0.0.1, point ``DASHSCOPE_BASE_URL``/``DASHSCOPE_API_KEY`` at it, and
say so in one line, so every example runs offline.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from dashscope_models.emulator import App, start_emulator


@contextmanager
def dashscope_backend(apps: list[App] | None = None) -> Iterator[None]:
    """Run the body against the real service if a key is set, else against the emulator
    (serving ``apps``, the Model Studio applications an example calls)."""
    if os.environ.get("DASHSCOPE_API_KEY"):
        yield
        return
    with start_emulator(apps=apps) as server:
        print(f"(no DASHSCOPE_API_KEY: running offline on the local emulator at {server.base_url})")
        os.environ["DASHSCOPE_BASE_URL"] = server.base_url
        os.environ["DASHSCOPE_API_KEY"] = "sk-emulator"
        try:
            yield
        finally:
            del os.environ["DASHSCOPE_BASE_URL"], os.environ["DASHSCOPE_API_KEY"]
