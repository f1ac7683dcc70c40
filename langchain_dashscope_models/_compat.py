"""Every place the LangChain classes step into langchain-core's internals, in one file.

Each patch saves per-call or per-chunk work that langchain-core does for generality; each is
named here with what it relies on, and ``tests/langchain/test_compat.py`` has one test per
patch that fails loudly when that internal changes (then re-check the patch, or drop it).

* ``SIGNATURES``: langchain-core asks ``inspect.signature(self._generate)`` (through
  ``langchain_core.utils._signature._signature_parameters``) on every call whether the method
  takes a ``run_manager``; a precomputed ``__signature__`` makes that a lookup.
* ``PROFILE_CHECK``: :class:`ChatPatches` replaces ``BaseChatModel``'s per-instance
  ``_check_profile_keys`` validator (it resolves ``ModelProfile``'s type hints on every
  construction); our profiles come from the catalog with declared keys (a test checks them).
* ``DICT_FOR_COMPAT``: :class:`Patches` gives ``_dict_for_compat`` as ``asdict()``: the same
  dictionary without the deprecated ``dict()`` path in ``warnings.catch_warnings``.
* ``KEY_ONCE``: :class:`Patches` drops ``dashscope_api_key`` from ``to_json``'s kwargs:
  ``Serializable.to_json`` writes every secret alias that ``getattr`` reads, and
  ``dashscope_api_key`` reads back (the key stays, once, as ``api_key``; a test in
  ``tests/langchain/test_drop_in.py`` checks every class).
* ``TRUSTED``: answers and chunks are built with ``dashscope_models._trusted.trusted`` (no
  re-validation), naming every field of ``AIMessage``, ``AIMessageChunk``, ``ChatGeneration``,
  ``ChatGenerationChunk`` and ``ChatResult``.

:func:`check_version` warns once when the installed langchain-core is outside the versions
these patches were checked against (``TESTED``).

Example::

    class ChatDashScope(DashScopeFields, ChatPatches, ChatShell, BaseChatModel): ...
    precompute_signatures(ChatShell._generate, ChatShell._agenerate)  # both classes' methods
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Self

from langchain_core.load.serializable import SerializedConstructor, SerializedNotImplemented
from pydantic import model_validator

from dashscope_models.integration import check_framework_version

__all__ = [
    "DICT_FOR_COMPAT",
    "PROFILE_CHECK",
    "SIGNATURES",
    "TESTED",
    "TRUSTED",
    "ChatPatches",
    "Patches",
    "check_version",
    "precompute_signatures",
]

TESTED = ((1, 7), (2, 0))  # langchain-core versions the patches were checked against: [low, high)
SIGNATURES = "langchain_core.utils._signature._signature_parameters"
PROFILE_CHECK = "_check_profile_keys"
DICT_FOR_COMPAT = "_dict_for_compat"
TRUSTED = ("AIMessage", "AIMessageChunk", "ChatGeneration", "ChatGenerationChunk", "ChatResult")


def check_version(version: str | None = None) -> bool:
    """True when langchain-core (or ``version``) is in ``TESTED``; else warn once, False."""
    if version is None:
        import langchain_core

        version = langchain_core.__version__
    return check_framework_version("langchain-dashscope-models", "langchain-core", version, TESTED)


def precompute_signatures(*methods: Callable[..., Any]) -> None:
    """``SIGNATURES``: give each method its ``__signature__`` once."""
    for method in methods:
        setattr(method, "__signature__", inspect.signature(method))  # noqa: B010


class Patches:
    """``DICT_FOR_COMPAT``, for chat models and LLMs alike (a mixin of the model classes), and
    LangChain serialization (our namespace, the key by its environment variable, named once)."""

    def to_json(self) -> SerializedConstructor | SerializedNotImplemented:
        """LangChain's serialization, with the key once: ``Serializable.to_json`` also writes
        each secret's alias that reads back (``dashscope_api_key``, ``api_key``'s read-only
        view), as a second secret entry."""
        serialized: SerializedConstructor | SerializedNotImplemented
        serialized = super().to_json()  # type: ignore[misc]  # Serializable's (a later base)
        if serialized["type"] == "constructor":
            serialized["kwargs"].pop("dashscope_api_key", None)
        return serialized

    # LangChain serialization: constructor kwargs, the key by its environment variable name.
    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["langchain_dashscope_models"]

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": "DASHSCOPE_API_KEY"}

    def _dict_for_compat(self) -> dict[str, Any]:
        """What langchain-core's ``asdict()`` gives (identifying params and ``_type``).

        langchain-core reads this on every call, through the deprecated ``dict()`` inside
        ``warnings.catch_warnings`` (which also resets the process's warning-filter caches);
        ``asdict()`` is the same dictionary without that (a test checks they agree).
        """
        asdict: dict[str, Any] = self.asdict()  # type: ignore[attr-defined]  # the model base's
        return asdict


class ChatPatches:
    """``PROFILE_CHECK``, for chat models (a mixin: pydantic collects its validator)."""

    @model_validator(mode="after")
    def _check_profile_keys(self) -> Self:
        """Replaces langchain-core's per-instance unknown-key check (which resolves the
        ``ModelProfile`` type hints on every construction, most of its cost): our profiles are
        built from the catalog with declared keys only, checked once in the test suite."""
        return self


check_version()
