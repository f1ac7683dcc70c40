"""How a model id the catalog does not list by name is resolved: aliases, then family rules.

Both are data in ``catalog.toml``; this module only reads ids:

* :func:`alias_base` strips the suffixes DashScope gives snapshots and channels of one model
  (``-latest``, ``-YYYY-MM-DD``, ``-MMDD``, ``-preview``), one at a time, until a listed id is
  left: ``qwen-plus-2025-09-11`` → ``qwen-plus``, ``qwen-vl-ocr-latest`` → ``qwen-vl-ocr``.
* :func:`matching_rule` finds the first ``[[rule]]`` whose shell-style pattern (``fnmatch``,
  case-insensitive) matches the whole id: ``qwen3.[5-9]*`` → the Qwen3.5+ family.

Example::

    alias_base("qwen-plus-latest", {"qwen-plus"})              # 'qwen-plus'
    matching_rule("qwen3.7-max", rules).family                  # 'qwen-next'
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

__all__ = ["Rule", "alias_base", "matching_rule"]

# One suffix at a time, longest form first: a date, a month-day, a channel.
_ALIAS_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{4}|latest|preview)$")


@dataclass(frozen=True, slots=True)
class Rule:
    """One ``[[rule]]`` of the catalog: id patterns, the family they imply, and overrides."""

    patterns: tuple[str, ...]
    family: str
    overrides: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, table: dict[str, Any]) -> Rule:
        """Read a ``[[rule]]`` table (``match``, ``family``, ``ref`` and spec overrides)."""
        table = dict(table)
        patterns = table.pop("match")
        patterns = (patterns,) if isinstance(patterns, str) else tuple(patterns)
        return cls(tuple(p.lower() for p in patterns), table.pop("family"), table)

    def matches(self, model: str) -> bool:
        """Whether one of the patterns matches the whole (lower-cased) id."""
        return any(fnmatchcase(model, p) for p in self.patterns)


def alias_base(model: str, listed: Container[str]) -> str | None:
    """The listed id ``model`` is a snapshot or channel of, or ``None``."""
    name = model
    while True:
        stripped = _ALIAS_SUFFIX.sub("", name)
        if stripped == name:
            return None
        if stripped in listed:
            return stripped
        name = stripped


def matching_rule(model: str, rules: Sequence[Rule]) -> Rule | None:
    """The first rule covering ``model``, or ``None``."""
    lowered = model.lower()
    return next((rule for rule in rules if rule.matches(lowered)), None)
