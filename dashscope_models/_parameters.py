"""The generation parameter table: what each row of :class:`GenerationRequest` means.

Every generation parameter is declared once, as one field of ``GenerationRequest`` (in
``_types``, whose ``parameters()`` reads the rows back with :func:`table`) whose default is a
row made here: ``number()``, ``integer()``, ``switch()`` or
``value()``, with the row's options (a fixed range, a framework field, its alias ...). Everything
else is read from those rows: the body builder (``_request``), the checks (``_validate``), the
framework classes' settings fields and the per-call names (``dashscope_models.integration``),
LangChain's identifying parameters. A new plain parameter is one line there::

    enable_code_interpreter: bool | None = switch(framework=True)

Columns (see :class:`Parameter`): the wire name is the field name; the kind says how it is
checked (a ``number`` or ``integer`` against its fixed range, else the catalog's range for the
model; a ``switch`` is True or False only; a ``value`` is sent as given, through its ``wire``
converter if it has one).

Example::

    [p.name for p in parameters() if p.kind == "switch"][:2]  # ['enable_thinking', ...]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from dashscope_models._catalog import Interval

__all__ = [
    "COUNT_RANGE",
    "OUTPUT_CAP_ALIAS",
    "SEED_RANGE",
    "Parameter",
    "integer",
    "number",
    "switch",
    "table",
    "value",
]

Kind = Literal["number", "integer", "switch", "value"]

SEED_RANGE = Interval(0, 2**64 - 1, True, True, "[0, 2**64-1]")  # unsigned 64-bit (§3.2)
COUNT_RANGE = Interval(0, float("inf"), True, False, "[0, inf)")  # a count: no upper bound given
# The output cap's newer name (§3.2, §8): the max_tokens row's alias (a wire alias: sent under
# that name when a caller uses it, checked as max_tokens is).
OUTPUT_CAP_ALIAS = "max_completion_tokens"

_KEY = "parameter"


@dataclass(frozen=True, slots=True)
class Parameter:
    """One row of the table (one generation parameter).

    ``kind``: how the value is checked. ``range``: a range that holds for every model (numbers
    without one are checked against the catalog's range for the model, if it gives one).
    ``framework``: a constructor field of the LangChain and LlamaIndex classes (``alias``: its
    second name there; ``setting_type``: its type there when not the request's).
    ``per_call``: may be passed by name per call or in ``model_kwargs``/``additional_kwargs``.
    ``identifying``: one of LangChain's identifying (tracing and caching) parameters.
    ``wire_alias``: the ``alias`` is a wire name too (``max_completion_tokens``): a caller who
    uses it has the value sent under it, in place of the field's, checked as the field's.
    ``checked_in_extra``: set in ``extra_parameters`` under this name, it is checked as the
    field's value would be (it is the value sent). ``wire``: how the value is sent (``None``
    from it: not sent); ``sent=False``: the body builder writes it itself.

    Example: ``Parameter("temperature", "number", framework=True)``
    """

    name: str
    kind: Kind
    range: Interval | None = None
    framework: bool = False
    per_call: bool = True
    identifying: bool = False
    checked_in_extra: bool = False
    alias: str | None = None
    wire_alias: bool = False
    setting_type: Any = None
    wire: Callable[[Any], Any] | None = None
    sent: bool = True


def _row(kind: Kind, options: dict[str, Any]) -> Any:
    """A dataclass field defaulting to ``None`` (not sent) that carries its row."""
    return field(default=None, metadata={_KEY: Parameter("", kind, **options)})


def number(**options: Any) -> Any:
    """A number row (an int or a float, never a bool)."""
    return _row("number", options)


def integer(**options: Any) -> Any:
    """An integer row (never a bool)."""
    return _row("integer", options)


def switch(**options: Any) -> Any:
    """A switch row: True or False only (a string "false" would be read as true)."""
    return _row("switch", options)


def value(**options: Any) -> Any:
    """A row sent as given (or through its ``wire`` converter)."""
    return _row("value", options)


def table(cls: type) -> tuple[Parameter, ...]:
    """The rows of a dataclass whose fields were made by the row functions, in field order
    (``_types.parameters()`` is ``GenerationRequest``'s)."""
    rows = []
    for f in fields(cls):
        row = f.metadata.get(_KEY)
        if row is not None:
            rows.append(replace(row, name=f.name))
    return tuple(rows)


# -- wire converters (how a value is sent) -----------------------------------------------------


def wire_stop(stop: str | Sequence[Any]) -> str | list[Any]:
    """One stop string as it is, a sequence as a list."""
    return stop if isinstance(stop, str) else list(stop)


def wire_tools(tools: Sequence[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The tools as a list; no tools: nothing sent."""
    return list(tools) if tools else None
