"""Warnings that point at the user's own line, not a line inside this package.

:func:`warn_user` warns with the stack level of the first frame outside this package, its
adapters and the frameworks they run in (langchain_core, llama_index, pydantic, asyncio ...).
It imports nothing of the package, so every module may use it.

Example::

    warn_user("No DashScope API key set: ...")  # the warning names the caller's file and line
"""

from __future__ import annotations

import sys
import warnings
from types import FrameType

__all__ = ["warn_user"]

# Frames of these top-level packages are not the user's line: this package, its adapters, the
# frameworks around them (langchain_core, llama_index_instrumentation ...), pydantic, asyncio.
_INTERNAL = (
    "dashscope_models",
    "langchain_dashscope_models",
    "llamaindex_dashscope_models",
    "langchain",
    "llama_index",
    "pydantic",
    "asyncio",
    "concurrent",
    "contextvars",
    "functools",
)


def _internal(frame: FrameType) -> bool:
    name = frame.f_globals.get("__name__", "")
    return isinstance(name, str) and name.startswith(_INTERNAL)


def _stacklevel() -> int:
    """The ``stacklevel`` that makes :func:`warn_user`'s warning point at the user's line.

    Counted as ``warnings.warn`` counts: import machinery frames are skipped, not counted."""
    frame: FrameType | None = sys._getframe(2)  # warn_user's caller: its stacklevel 2
    level = 2
    while frame is not None:
        code = frame.f_code.co_filename
        if not ("importlib" in code and "_bootstrap" in code):
            if not _internal(frame):
                break
            level += 1
        frame = frame.f_back
    return level


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` pointing at the first line outside this package and its frameworks.

    Example: ``warn_user("No DashScope API key set: ...")``
    """
    warnings.warn(message, category, stacklevel=_stacklevel())
