"""Package attributes imported on first use (PEP 562), for imports that cost more than they give
to most users: ``dashscope_models`` defers its client (and httpx with it),
``langchain_dashscope_models`` its completion LLMs and embeddings.

Example::

    __getattr__ = lazy_attributes(__name__, {"DashScopeClient": "dashscope_models._client"})
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``name`` from the module
    ``where[name]`` on first access and keeps it in the package (later lookups cost nothing)."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
