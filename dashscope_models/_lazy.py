"""Package attributes imported on first use (PEP 562), for imports that cost more than they give
to most users: ``dashscope_models`` defers its client (and httpx with it),
``langchain_dashscope_models`` its completion LLMs and embeddings.

:func:`public_dir` gives each package a ``__dir__`` that lists its public names (``__all__``,
lazy ones included) and not the modules and helpers it imports.

Example::

    __getattr__ = lazy_attributes(__name__, {"DashScopeClient": "dashscope_models._client"})
    __dir__ = public_dir(__all__)
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from importlib import import_module
from typing import Any

__all__ = ["lazy_attributes", "public_dir", "require_framework"]


def require_framework(module: str, extra: str, package: str) -> None:
    """Import ``module`` (an adapter package's framework), or raise an ``ImportError`` naming
    the extra that installs it: ``require_framework("langchain_core", "langchain", __name__)``.
    """
    try:
        import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is None or module.partition(".")[0] != exc.name.partition(".")[0]:
            raise  # the framework is there; something it needs is not
        raise ModuleNotFoundError(
            f"{package} needs {module} (the {extra!r} extra), which is not installed: "
            f'pip install "dashscope-models[{extra}]"',
            name=exc.name,
        ) from None


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


def public_dir(names: Iterable[str]) -> Callable[[], list[str]]:
    """A module ``__dir__`` listing ``names`` (the package's ``__all__``), sorted: what
    ``dir(package)`` and editors' completion show, lazily imported names included."""
    listed = sorted(set(names))

    def __dir__() -> list[str]:
        return list(listed)

    return __dir__
