"""Every place the LlamaIndex classes step into llama-index-core's internals, in one file.

Each patch saves per-call or per-chunk work that llama-index-core does for generality; each is
named here with what it relies on, and ``tests/llamaindex/test_compat.py`` has one test per
patch that fails loudly when that internal changes (then re-check the patch, or drop it).

* ``SIGNATURES``: the instrumentation dispatcher binds each call's arguments with
  ``inspect.signature(func)`` of the decorated method (``llama_index_instrumentation``), which
  unwraps to ours and recomputes it every call; a precomputed ``__signature__`` makes it a
  lookup.
* ``PAYLOAD``: the LLM callbacks put ``to_payload()`` in every start event; :class:`Patches`
  builds it once per class, model, ``max_tokens`` and metadata override (it is metadata only:
  never the key).
* ``TRUSTED``: answers and chunks are built with ``dashscope_models._trusted.trusted`` (no
  re-validation), naming every field of ``ChatResponse``, ``CompletionResponse``,
  ``ChatMessage`` and ``TextBlock``.

:func:`check_version` warns once when the installed llama-index-core is outside the versions
these patches were checked against (``TESTED``).

Example::

    class DashScope(GenerationSettings, Patches, LLMShell, FunctionCallingLLM): ...
    precompute_signatures(LLMShell, ("chat", "achat"))  # the methods both classes share
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

from dashscope_models.integration import check_framework_version

__all__ = [
    "PAYLOAD",
    "SIGNATURES",
    "TESTED",
    "TRUSTED",
    "Patches",
    "check_version",
    "precompute_signatures",
]

TESTED = ((0, 14), (0, 15))  # llama-index-core versions the patches were checked against
SIGNATURES = "llama_index_instrumentation.dispatcher.Dispatcher.span"
PAYLOAD = "to_payload"
TRUSTED = ("ChatResponse", "CompletionResponse", "ChatMessage", "TextBlock")

_PAYLOADS: dict[tuple[Any, ...], dict[str, Any]] = {}


def check_version(version: str | None = None) -> bool:
    """True when llama-index-core (or ``version``) is in ``TESTED``; else warn once, False."""
    if version is None:
        from llama_index.core import __version__

        version = __version__
    return check_framework_version(
        "llamaindex-dashscope-models", "llama-index-core", version, TESTED
    )


def precompute_signatures(cls: type, names: Iterable[str]) -> None:
    """``SIGNATURES``: give each decorated method's innermost function its ``__signature__``."""
    for name in names:
        function: Any = getattr(cls, name)
        while hasattr(function, "__wrapped__"):
            function = function.__wrapped__
        function.__signature__ = inspect.signature(function)


class Patches:
    """``PAYLOAD`` (a mixin of the LLM class, before llama-index-core's bases)."""

    def to_payload(self) -> dict[str, Any]:
        key = (
            type(self),
            getattr(self, "model", ""),
            getattr(self, "max_tokens", None),
            getattr(self, "context_window", None),
            getattr(self, "is_function_calling_model", None),
        )
        payload = _PAYLOADS.get(key)
        if payload is None:
            payload = _PAYLOADS[key] = super().to_payload()  # type: ignore[misc]
        return dict(payload)


check_version()
