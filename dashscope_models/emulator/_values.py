"""Values that fit a JSON schema, taken from the user's words where possible.

The emulator's default tool calls and JSON answers use this: strings come from quoted phrases
in the last user message (then capitalised words, then the message itself), numbers from the
numbers in it, enums from the option it mentions. ``$ref`` into ``$defs``/``definitions``,
nested objects, arrays and ``anyOf``/``oneOf``/``allOf`` are followed.

Example::

    words = Words("What is the weather in 'Hangzhou' for 3 days?")
    schema = {"type": "object", "properties": {"city": {"type": "string"},
              "days": {"type": "integer"}}, "required": ["city", "days"]}
    value_for(schema, words)  # {"city": "Hangzhou", "days": 3}
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["Words", "value_for"]

_QUOTED = re.compile(r"'([^']+)'|\"([^\"]+)\"|“([^”]+)”|‘([^’]+)’")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z]+\b")
_COMMON = {"What", "Whats", "How", "Why", "When", "Where", "Who", "Which", "Tell", "Please", "The"}


class Words:
    """The user's text, handing out quoted phrases and numbers one at a time."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._quoted: list[str] = [
            next(str(g) for g in m.groups() if g) for m in _QUOTED.finditer(text)
        ]
        unquoted = _QUOTED.sub(" ", text)
        self._numbers = [float(n) for n in _NUMBER.findall(unquoted)]
        first = unquoted.strip().split(" ", 1)[0]
        self._names: list[str] = [
            w for w in _CAPITALISED.findall(unquoted) if w not in _COMMON and w != first
        ]

    def string(self, name: str) -> str:
        if self._quoted:
            return self._quoted.pop(0)
        if self._names:
            return self._names.pop(0)
        short = self.text.strip()[:60]
        return short or f"{name} example"

    def quoted(self) -> list[str]:
        """The quoted phrases of the text, in order (not consumed)."""
        return list(self._quoted)

    def numbers(self) -> list[float]:
        """The numbers of the text outside quotes, in order (not consumed)."""
        return list(self._numbers)

    def names(self) -> list[str]:
        """The capitalised names of the text outside quotes, in order (not consumed)."""
        return list(self._names)

    def number(self) -> float | None:
        return self._numbers.pop(0) if self._numbers else None


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 20:
        target: Any = root
        for part in str(schema["$ref"]).lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    return schema


def value_for(
    schema: Any, words: Words, root: dict[str, Any] | None = None, name: str = "value"
) -> Any:
    """A value valid against ``schema`` (a JSON-schema dict), filled from ``words``."""
    if not isinstance(schema, dict):
        return words.string(name)
    root = root if root is not None else schema
    schema = _resolve(schema, root)
    for key in ("anyOf", "oneOf"):
        options = [s for s in schema.get(key, []) if _resolve(s, root).get("type") != "null"]
        if options:
            return value_for(options[0], words, root, name)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_resolve(part, root))
        return value_for(merged, words, root, name)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        options = list(schema["enum"])
        mentioned = [o for o in options if str(o).lower() in words.text.lower()]
        return (mentioned or options)[0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        properties: dict[str, Any] = schema.get("properties") or {}
        required = schema.get("required")
        names = [n for n in properties if required is None or n in required]
        return {n: value_for(properties[n], words, root, n) for n in names}
    if kind == "array":
        return [value_for(schema.get("items", {}), words, root, name)]
    if kind in ("integer", "number"):
        found = words.number()
        value = found if found is not None else float(schema.get("minimum", 1))
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return words.string(name)
