"""Constructor arguments no field takes: sent as request parameters, with a warning.

As langchain-openai does with ``model_kwargs``, the framework classes move an argument that is
no field of theirs (``Qwen(streaming=True)`` on LlamaIndex, a misspelt ``temprature=``) into
their extra-parameters dict (LangChain ``model_kwargs``, LlamaIndex ``additional_kwargs``) and
warn, so nothing a user passes is dropped silently. ``extra_body`` (the OpenAI SDK's extra
parameters) goes there too, without a warning: its entries are parameters by definition.
:class:`UnknownArguments` is that rule as a base of the framework classes.

Example::

    values = move_unknown_arguments("Qwen", {"temprature": 0.2}, known, "additional_kwargs")
    values  # {"additional_kwargs": {"temprature": 0.2}}, after a UserWarning naming it
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, model_validator

from dashscope_models._errors import RequestValidationError
from dashscope_models._user_warnings import warn_user

__all__ = ["UnknownArguments", "field_names", "move_unknown_arguments"]

_FIELD_NAMES: dict[type, frozenset[str]] = {}


def field_names(cls: type[BaseModel]) -> frozenset[str]:
    """Names and aliases of a pydantic class's fields (made once per class)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        fields = cls.model_fields
        aliases = {f.alias for f in fields.values() if f.alias}
        names = _FIELD_NAMES[cls] = frozenset(fields) | aliases
    return names


def move_unknown_arguments(
    owner: str, values: dict[str, Any], known: Iterable[str], target: str
) -> dict[str, Any]:
    """``values`` with each name not in ``known`` (warned about, pointing at the user's line)
    and the entries of ``extra_body`` moved into ``values[target]``.

    A name given both as an argument and in ``values[target]`` is a ``ValueError``.
    """
    known = frozenset(known)
    unknown = [name for name in values if name not in known and name != "extra_body"]
    if not unknown and "extra_body" not in values:
        return values
    values = dict(values)
    body = pop_extra_body(values)
    extra = dict(values.get(target) or {})
    if both := sorted(set(body) & set(extra)):
        raise ValueError(f"{both} given both in extra_body and in {target}")
    for name in unknown:
        if name in extra:
            raise ValueError(f"{name} was given both as an argument and in {target}")
        warn_user(
            f"{name!r} is not a parameter of {owner}; it is sent as a request parameter "
            f"through {target}. Check the spelling if you meant a field."
        )
        extra[name] = values.pop(name)
    values[target] = {**extra, **body}
    return values


def pop_extra_body(values: dict[str, Any]) -> dict[str, Any]:
    """Remove ``values["extra_body"]`` and return its entries (``{}`` when there is none).

    ``extra_body`` is the OpenAI SDK's way to send parameters it does not know (code written
    for DashScope's OpenAI-compatible mode passes ``enable_thinking`` so); that SDK merges it
    into the top level of the body, so the adapters send its entries as parameters themselves.
    """
    body = values.pop("extra_body", None)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise RequestValidationError(
            f"extra_body must be a dict of request parameters, got {type(body).__name__}",
            code="InvalidParameter",
        )
    return body


class UnknownArguments:
    """A base of the framework classes: a constructor argument that is no field (nor one of
    ``known_arguments``) goes, with a warning, into the field named by
    ``unknown_arguments_field`` (and ``extra_body``'s entries too), as
    :func:`move_unknown_arguments` does; ``_arguments`` may first adjust what was given
    (LangChain's one ``stop`` string as a list).

    A mixin of pydantic models (pydantic collects its validator); a class names its settings
    with annotated ``ClassVar`` s.

    Example::

        class DashScope(UnknownArguments, GenerationSettings, ..., LLM):
            unknown_arguments_field: ClassVar[str] = "additional_kwargs"
    """

    unknown_arguments_field: ClassVar[str] = "model_kwargs"
    known_arguments: ClassVar[frozenset[str]] = frozenset()
    """Names that are no field but the class takes (LlamaIndex's ``class_name``, a dumped
    component's key)."""

    @model_validator(mode="before")
    @classmethod
    def _unknown_arguments(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        known = _KNOWN.get(cls)
        if known is None:
            names = field_names(cls)  # type: ignore[arg-type]  # a pydantic model's mixin
            known = _KNOWN[cls] = names | cls.known_arguments
        return move_unknown_arguments(
            cls.__name__, cls._arguments(values), known, cls.unknown_arguments_field
        )

    @classmethod
    def _arguments(cls, values: dict[str, Any]) -> dict[str, Any]:
        """The constructor's arguments, before unknown ones are moved (as given, here)."""
        return values


_KNOWN: dict[type, frozenset[str]] = {}
