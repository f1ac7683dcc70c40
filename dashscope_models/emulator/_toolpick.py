"""Which offered tool the emulator calls: the one the question is about, deterministically.

Unscripted, the emulator answers a question with tools offered by calling one (the service's
model would pick by meaning; an offline demo must at least not look broken: "What is 2 plus
3?" with ``get_weather`` and ``add`` offered calls ``add``). The ranking, best first:

1. the tool's name written in the question (``get_weather``, or "get weather");
2. shared words: the question's against the tool's name, description and parameter names
   (lower case, simple plurals and "-ing"/"-ed" endings folded, common words left out, and
   the arithmetic words mapped to their operation: "plus" and "sum" are "add", "times" is
   "multiply" ...);
3. how many of the tool's required arguments the question can fill: numbers for numeric
   parameters, a quoted phrase or a capitalised name for string ones, a mentioned option for
   an enum;
4. the order the tools were offered in.

Example::

    tools = [{"name": "get_weather", "description": "Current weather for a city"},
             {"name": "add", "description": "Add two integers."}]
    pick_tool(tools, "What is 2 plus 3?")["name"]  # "add"
"""

from __future__ import annotations

import re
from typing import Any

from dashscope_models.emulator._values import Words

__all__ = ["named_in", "pick_tool"]

_WORD = re.compile(r"[a-z]+|\d+|[\u2e80-\uffff]")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_COMMON_WORDS = (
    "a an and are as at be by can do does for from get give how i in is it me my of on or please "
    "tell that the this to use what whats when where which who why with you your"
)
_COMMON = frozenset(_COMMON_WORDS.split())
# Arithmetic words a question uses for the operation a tool is named after.
_OPERATIONS = {
    "plus": "add", "sum": "add", "total": "add", "addition": "add",
    "minus": "subtract", "difference": "subtract", "subtraction": "subtract",
    "times": "multiply", "product": "multiply", "multiplication": "multiply",
    "divided": "divide", "quotient": "divide", "division": "divide",
}  # fmt: skip


def _fold(word: str) -> str:
    for ending in ("ing", "ed", "es", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)]
            break
    return _OPERATIONS.get(word, word)


def _words(text: str) -> set[str]:
    text = _CAMEL.sub(" ", text).replace("_", " ").replace("-", " ").lower()
    folded = {_OPERATIONS.get(w, w) for w in _WORD.findall(text) if w not in _COMMON}
    return folded | {_fold(w) for w in folded}


def _tool_words(function: dict[str, Any]) -> set[str]:
    parameters = function.get("parameters") or {}
    properties = parameters.get("properties") if isinstance(parameters, dict) else None
    names = " ".join(properties) if isinstance(properties, dict) else ""
    return _words(f"{function.get('name', '')} {function.get('description', '')} {names}")


def _fillable(function: dict[str, Any], question: Words) -> int:
    """How many of the required arguments the question's own words can fill."""
    parameters = function.get("parameters") or {}
    properties = parameters.get("properties") if isinstance(parameters, dict) else None
    if not isinstance(properties, dict):
        return 0
    required = parameters.get("required")
    names = [n for n in properties if not isinstance(required, list) or n in required]
    numbers, strings = len(question.numbers()), len(question.quoted()) + len(question.names())
    filled = 0
    for name in names:
        schema = properties[name] if isinstance(properties[name], dict) else {}
        kind = schema.get("type")
        if "enum" in schema:
            filled += any(str(o).lower() in question.text.lower() for o in schema["enum"])
        elif kind in ("integer", "number") and numbers:
            numbers, filled = numbers - 1, filled + 1
        elif kind == "string" and strings:
            strings, filled = strings - 1, filled + 1
    return filled


def named_in(function: dict[str, Any], text: str) -> bool:
    """True when the question writes the tool's name (``get_weather`` or "get weather")."""
    name = str(function.get("name", "")).lower()
    if not name:
        return False
    lowered = text.lower()
    spaced = name.replace("_", " ").replace("-", " ")
    return bool(re.search(rf"(?<![a-z0-9_]){re.escape(name)}(?![a-z0-9_])", lowered)) or (
        spaced != name and spaced in lowered
    )


def pick_tool(functions: list[dict[str, Any]], text: str) -> dict[str, Any]:
    """The tool the question is about (see the module docstring for the ranking)."""
    asked = _words(text)
    question = Words(text)

    def rank(indexed: tuple[int, dict[str, Any]]) -> tuple[bool, int, int, int]:
        index, function = indexed
        shared = len(asked & _tool_words(function))
        return named_in(function, text), shared, _fillable(function, question), -index

    return max(enumerate(functions), key=rank)[1]
