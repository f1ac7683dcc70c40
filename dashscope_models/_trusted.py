"""Building pydantic models from values we produced ourselves, without validating them again.

The adapters turn every answer, and every streamed chunk, into the frameworks' pydantic types
(``AIMessageChunk``, ``ChatResponse`` ...). Their values come from our typed core, so pydantic's
validation (and even ``model_construct``'s per-field default and alias handling) is pure cost
there: several times per chunk. ``trusted`` is ``model_construct`` for values that name every
field. The adapters' tests check, for each class built this way, that the result equals the
validated constructor's and that the class has no field they do not name.

Example::

    message = trusted(TextBlock, {"block_type": "text", "text": "hi"})
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["trusted"]

_M = TypeVar("_M")
_EXTRA_ALLOWED: dict[type, bool] = {}


def trusted(cls: type[_M], values: dict[str, Any], fields_set: frozenset[str] | None = None) -> _M:
    """``cls.model_construct(**values)`` where ``values`` names every field of ``cls``;
    ``fields_set``: the fields to report as explicitly set (default: all of them), as a
    constructor given just those arguments would."""
    allows_extra = _EXTRA_ALLOWED.get(cls)
    if allows_extra is None:
        if getattr(cls, "__private_attributes__", None):  # their defaults need pydantic's hand
            return cls.model_construct(fields_set, **values)  # type: ignore[attr-defined,no-any-return]
        config = getattr(cls, "model_config", {})
        allows_extra = _EXTRA_ALLOWED[cls] = config.get("extra") == "allow"
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(
        obj, "__pydantic_fields_set__", set(values if fields_set is None else fields_set)
    )
    object.__setattr__(obj, "__pydantic_extra__", {} if allows_extra else None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj
