"""The answer-field table: every field of a generation answer, declared once, with where it is
read and how a stream accumulates it (the mirror of the parameter table, ``_parameters``).

A row names the field as sent, its ``place`` in the answer (``top``: the body or event;
``output``; ``choice``: ``output.choices[0]``; ``message``: the choice's message; ``part``: a
multimodal content part) and its ``rule``, what a stream does with each event's value:

* ``replace``: the latest value stands (``finish_reason``; ``usage``, which is cumulative);
* ``append``: pieces are joined in order (``content`` text, ``reasoning_content``, the
  ``logprobs`` entries; a string is concatenated, a list extended);
* ``merge_by_index``: list items with the same ``index`` are one item, merged piece by piece
  (``tool_calls``);
* ``container``: holds other rows (``output``, ``choices``, ``message``).

``extra=True`` rows are carried as sent in ``GenerationResult.extras`` (and the last chunk's
``extras``), accumulated by their rule (``_parse.output_extras``, ``_stream.StreamState``).
A field an answer carries that no row declares is still kept in ``extras`` (replaced by each
event), but raises the :class:`UndeclaredAnswerField` warning once: the tests turn warnings
into errors, so a new field of the service (audio, citations ...) cannot lose its streamed
fragments unnoticed. Adding one is a row here::

    AnswerField("citations", "output", "append", extra=True),

Example::

    RULES["message"]["tool_calls"]  # 'merge_by_index'
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "ANSWER_FIELDS",
    "EXTRAS",
    "KNOWN",
    "OUTPUT_EXTRAS",
    "RULES",
    "AnswerField",
    "UndeclaredAnswerField",
    "accumulate",
    "undeclared",
]

Place = Literal["top", "output", "choice", "message", "part"]
Rule = Literal["replace", "append", "merge_by_index", "container"]


@dataclass(frozen=True, slots=True)
class AnswerField:
    """One row of the table (see the module docstring).

    Example: ``AnswerField("search_info", "output", "replace", extra=True)``
    """

    name: str
    place: Place
    rule: Rule
    extra: bool = False


ANSWER_FIELDS: tuple[AnswerField, ...] = (
    AnswerField("request_id", "top", "replace"),
    AnswerField("usage", "top", "replace"),  # cumulative in a stream: the latest is the whole
    AnswerField("output", "top", "container"),
    # result_format "text"
    AnswerField("text", "output", "append"),
    AnswerField("reasoning_content", "output", "append"),
    AnswerField("finish_reason", "output", "replace"),
    AnswerField("model_name", "output", "replace"),  # the model that answered (qwen-mt): unread
    # result_format "message"
    AnswerField("choices", "output", "container"),
    AnswerField("index", "choice", "replace"),
    AnswerField("message", "choice", "container"),
    AnswerField("finish_reason", "choice", "replace"),
    AnswerField("logprobs", "choice", "append"),  # its ``content`` entries
    AnswerField("role", "message", "replace"),
    AnswerField("content", "message", "append"),  # a string, or parts on multimodal models
    AnswerField("reasoning_content", "message", "append"),
    AnswerField("tool_calls", "message", "merge_by_index"),
    AnswerField("text", "part", "append"),
    # beside the message, carried as sent
    AnswerField("search_info", "output", "replace", extra=True),  # web search sources
    AnswerField("tool_info", "output", "replace", extra=True),  # built-in tools' calls
    AnswerField("ocr_result", "part", "replace", extra=True),  # OCR models
)

RULES: dict[str, dict[str, Rule]] = {}
for _row in ANSWER_FIELDS:
    RULES.setdefault(_row.place, {})[_row.name] = _row.rule
EXTRAS: dict[str, Rule] = {row.name: row.rule for row in ANSWER_FIELDS if row.extra}
"""The extras' rules by name (one namespace: ``GenerationResult.extras``)."""
OUTPUT_EXTRAS = tuple(row.name for row in ANSWER_FIELDS if row.extra and row.place == "output")
KNOWN: dict[str, frozenset[str]] = {place: frozenset(rules) for place, rules in RULES.items()}


class UndeclaredAnswerField(UserWarning):
    """An answer carried a field the answer-field table does not declare (see the module
    docstring): it is kept in ``extras``, replaced by each streamed event."""


_warned: set[tuple[str, str]] = set()


def undeclared(place: str, name: str) -> None:
    """Warn (once per field and process) that ``place``'s ``name`` has no row."""
    if (place, name) in _warned:
        return
    _warned.add((place, name))
    warnings.warn(
        f"the answer carried {place} field {name!r}, which dashscope_models' answer-field table "
        "does not declare: it is kept in extras, each streamed event replacing it "
        "(declare it in _answer_fields.ANSWER_FIELDS with how it accumulates)",
        UndeclaredAnswerField,
        stacklevel=3,
    )


def accumulate(rule: Rule, old: Any, new: Any) -> Any:
    """A field's value after one more event, by its ``rule`` (``old`` is ``None`` at first)."""
    if old is None or rule == "replace" or rule == "container":
        return new
    if rule == "append":
        if isinstance(old, str) and isinstance(new, str):
            return old + new
        if isinstance(old, list) and isinstance(new, list):
            return [*old, *new]
        return new  # a change of type: the service's word stands
    return _merge_by_index(old, new)


_IDENTITY = frozenset({"index", "id", "type", "name"})  # kept from the first piece that has one


def _merge_by_index(old: Any, new: Any) -> Any:
    """Items of ``new`` merged into copies of ``old``'s with the same ``index`` (new ones
    appended): text pieces joined, identity fields kept, nested objects merged alike."""
    if not isinstance(old, list) or not isinstance(new, list):
        return new
    merged = [dict(item) if isinstance(item, dict) else item for item in old]
    at = {item.get("index", i): i for i, item in enumerate(merged) if isinstance(item, dict)}
    for item in new:
        key = item.get("index") if isinstance(item, dict) else None
        if key is None or key not in at:
            if key is not None:
                at[key] = len(merged)
            merged.append(dict(item) if isinstance(item, dict) else item)
        else:
            _merge_pieces(merged[at[key]], item)
    return merged


def _merge_pieces(into: dict[str, Any], piece: dict[str, Any]) -> None:
    for name, value in piece.items():
        seen = into.get(name)
        if seen is None or seen == "":
            into[name] = dict(value) if isinstance(value, dict) else value
        elif isinstance(seen, dict) and isinstance(value, dict):
            merged = dict(seen)
            _merge_pieces(merged, value)
            into[name] = merged
        elif isinstance(seen, str) and isinstance(value, str) and name not in _IDENTITY:
            into[name] = seen + value
        elif name not in _IDENTITY and value is not None:
            into[name] = value
