"""DashScope's explicit context cache, on the client side: markers, their checks, the catalog.

A marker is a key on one content part: ``"cache_control": {"type": "ephemeral"}`` (Model
Studio's "Context cache" page, for the OpenAI-compatible and the DashScope APIs), or
``"prompt_cache_breakpoint": {"mode": "explicit"}`` (the newer form of its "Explicit cache
(Qwen4)" page, where ``cache_control`` stays compatible). The prefix from the start of the
request to the end of the marked part is cached (at least 1,024 tokens; 5 minutes, renewed on a
hit; the service looks back up to 20 parts from each marker; at most 4 markers a request).

:func:`prepare_messages` runs once per request, before the body is built:

* the ``cache_control`` call argument (langchain-anthropic's ``invoke(..., cache_control=...)``)
  and ``automatic_cache=True`` put a marker on the last part that can take one (the service's
  automatic caching sets its breakpoint at the end of the input; here the client sets it);
* ``cache_ttl="1h"`` is written into each ``cache_control`` marker on a model of the Qwen4 form
  (``{"type": "ephemeral", "ttl": "1h"}``: Anthropic's shape, the one Model Studio's
  Anthropic-compatible endpoint takes; the native field of the Qwen4 page is not in our
  sources [INF]);
* more than :data:`MAX_MARKERS` markers, a marker on a part that cannot take one (video, audio),
  a marker that is not ``{"type": "ephemeral"}`` or a TTL other than ``"5m"``/``"1h"`` is a
  :class:`RequestValidationError` before any request;
* on a catalogued model without explicit cache the markers are removed, with one
  :class:`CacheNotSupportedWarning` per model id (both frameworks behave alike); ids the catalog
  does not know keep their markers (the service judges them).

Example::

    messages = [Message("system", [{"text": big, "cache_control": {"type": "ephemeral"}}]),
                Message("user", "Question?")]
    client.generate(GenerationRequest(model="qwen-plus", messages=messages))
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import replace
from fnmatch import fnmatchcase
from functools import cache, lru_cache
from typing import Any, Literal

from dashscope_models._catalog import ModelSpec, catalog_table
from dashscope_models._errors import RequestValidationError
from dashscope_models._types import ContentPart, GenerationRequest, Message

__all__ = [
    "MARKER_KEYS",
    "MAX_MARKERS",
    "CacheForm",
    "CacheNotSupportedWarning",
    "cache_form",
    "count_markers",
    "ephemeral",
    "mark_last",
    "prepare_messages",
    "warn_once",
]

MAX_MARKERS = 4
"""At most four markers a request (the "Context cache" page)."""
MARKER_KEYS = ("cache_control", "prompt_cache_breakpoint")
TTLS = ("5m", "1h")
_MARKABLE = ("text", "image")  # media the marker may sit on (images: [INF], as Anthropic's)

CacheForm = Literal["explicit", "qwen4"]
"""``explicit``: markers, a 5-minute TTL. ``qwen4``: markers, automatic caching, 5 min or 1 h."""


class CacheNotSupportedWarning(UserWarning):
    """Cache markers were removed: the model has no explicit cache (warned once per model)."""


def ephemeral(ttl: str | None = None) -> dict[str, Any]:
    """A ``cache_control`` marker: ``{"type": "ephemeral"}`` (with ``"ttl"`` when given)."""
    return {"type": "ephemeral"} if ttl is None else {"type": "ephemeral", "ttl": ttl}


@cache
def _table() -> tuple[tuple[str, ...], tuple[str, ...]]:
    table = catalog_table("explicit_cache")
    return tuple(table.get("explicit", ())), tuple(table.get("qwen4", ()))


@lru_cache(maxsize=1024)
def cache_form(model: str) -> CacheForm | None:
    """The explicit-cache form ``model`` takes (catalog data), ``None`` when it has none.

    Example: ``cache_form("qwen-plus")  # 'explicit'``; ``cache_form("qwen4-max")  # 'qwen4'``
    """
    explicit, qwen4 = _table()
    if any(fnmatchcase(model, pattern) for pattern in qwen4):
        return "qwen4"
    if any(fnmatchcase(model, pattern) for pattern in explicit):
        return "explicit"
    return None


def _marked(part: Any) -> bool:
    return isinstance(part, dict) and any(key in part for key in MARKER_KEYS)


def count_markers(messages: Sequence[Message]) -> int:
    """How many parts of ``messages`` carry a marker."""
    return sum(1 for m in messages if isinstance(m.content, list) for p in m.content if _marked(p))


def _eligible(part: ContentPart) -> bool:
    return any(key in part for key in _MARKABLE)


def mark_last(messages: Sequence[Message], marker: dict[str, Any]) -> list[Message]:
    """A copy of ``messages`` with ``marker`` on the last part that can take one (text or an
    image, from the last message back; a string content becomes one text part), as
    langchain-anthropic places its ``cache_control`` argument. Unchanged when none can."""
    out = list(messages)
    for i in range(len(out) - 1, -1, -1):
        m = out[i]
        parts: list[ContentPart] = (
            [{"text": m.content}] if isinstance(m.content, str) else list(m.content)
        )
        for j in range(len(parts) - 1, -1, -1):
            part = parts[j]
            if isinstance(part, dict) and _eligible(part) and part.get("text", True):
                parts[j] = {**part, "cache_control": dict(marker)}
                out[i] = replace(m, content=parts)
                return out
    return out


def _bad(message: str, code: str) -> RequestValidationError:
    return RequestValidationError(message, code=code)


def _check_part(i: int, part: ContentPart) -> None:
    if not _eligible(part):
        kind = next((k for k in ("video", "audio") if k in part), "this")
        raise _bad(
            f"messages[{i}]: a cache marker on a {kind} part; explicit cache markers go on text "
            "(or image) parts",
            "UnsupportedCacheMarker",
        )
    control = part.get("cache_control")
    if control is not None:
        if not isinstance(control, dict) or control.get("type") != "ephemeral":
            raise _bad(
                f'messages[{i}]: cache_control must be {{"type": "ephemeral"}}, not {control!r}',
                "InvalidCacheMarker",
            )
        ttl = control.get("ttl")
        if ttl is not None and ttl not in TTLS:
            raise _bad(f"messages[{i}]: cache ttl {ttl!r}; use '5m' or '1h'", "InvalidCacheMarker")
    breakpoint_ = part.get("prompt_cache_breakpoint")
    if breakpoint_ is not None and breakpoint_ != {"mode": "explicit"}:
        raise _bad(
            f'messages[{i}]: prompt_cache_breakpoint must be {{"mode": "explicit"}}, not '
            f"{breakpoint_!r}",
            "InvalidCacheMarker",
        )


def _check(messages: Sequence[Message]) -> None:
    count = 0
    for i, m in enumerate(messages):
        if isinstance(m.content, list):
            for part in m.content:
                if _marked(part):
                    _check_part(i, part)
                    count += 1
    if count > MAX_MARKERS:
        raise _bad(
            f"{count} cache markers in one request; DashScope takes at most {MAX_MARKERS} "
            "(mark the end of each stable prefix only: the system prompt, the tools, the "
            "conversation so far)",
            "TooManyCacheMarkers",
        )


def _strip(messages: Sequence[Message]) -> list[Message]:
    out = []
    for m in messages:
        if isinstance(m.content, list) and any(_marked(p) for p in m.content):
            parts = [{k: v for k, v in p.items() if k not in MARKER_KEYS} for p in m.content]
            m = replace(m, content=parts)
        out.append(m)
    return out


def _set_ttl(messages: Sequence[Message], ttl: str | None) -> list[Message]:
    """Each ``cache_control`` marker with ``ttl`` (``None``: without one); a marker's own TTL
    stays when ``ttl`` is given."""
    out = []
    for m in messages:
        if isinstance(m.content, list) and any(_marked(p) for p in m.content):
            parts = []
            for p in m.content:
                control = p.get("cache_control")
                if isinstance(control, dict):
                    control = {k: v for k, v in control.items() if k != "ttl" or ttl is not None}
                    if ttl is not None:
                        control.setdefault("ttl", ttl)
                    p = {**p, "cache_control": control}
                parts.append(p)
            m = replace(m, content=parts)
        out.append(m)
    return out


def _has_long_ttl(messages: Sequence[Message]) -> bool:
    return any(
        isinstance(p.get("cache_control"), dict) and p["cache_control"].get("ttl") == "1h"
        for m in messages
        if isinstance(m.content, list)
        for p in m.content
    )


_warned: set[tuple[str, str]] = set()


def warn_once(model: str, message: str) -> None:
    """One :class:`CacheNotSupportedWarning` per model and message (markers removed)."""
    if (model, message) in _warned:
        return
    _warned.add((model, message))
    warnings.warn(f"{model}: {message}", CacheNotSupportedWarning, stacklevel=5)


def prepare_messages(request: GenerationRequest, spec: ModelSpec) -> Sequence[Message] | None:
    """The messages to send, with the request's cache settings applied and checked (see the
    module docstring); ``request.messages`` itself when nothing is to change."""
    messages = request.messages
    if messages is None:
        return None
    asked = request.cache_control
    settings = asked is not None or request.cache_ttl is not None or request.automatic_cache
    if not settings and not count_markers(messages):
        return messages  # the common case: nothing to do, one look at each part list
    form = cache_form(request.model)
    if asked is not None:
        if not isinstance(asked, dict):
            raise _bad(
                f'cache_control must be a dict such as {{"type": "ephemeral"}}, not {asked!r}',
                "InvalidCacheMarker",
            )
        messages = mark_last(messages, asked)
    elif request.automatic_cache and form is not None:
        messages = mark_last(messages, ephemeral())
    if request.cache_ttl is not None and request.cache_ttl not in TTLS:
        raise _bad(f"cache_ttl={request.cache_ttl!r}; use '5m' or '1h'", "InvalidCacheMarker")
    if messages is request.messages and not count_markers(messages):
        return messages
    _check(messages)
    if form is None and spec.known:
        warn_once(
            request.model,
            "no explicit context cache: its cache markers are removed (the catalog's "
            "explicit_cache table lists the models that take them)",
        )
        return _strip(messages)
    if form == "qwen4" and request.cache_ttl == "1h":
        return _set_ttl(messages, "1h")
    if form == "explicit" and (request.cache_ttl == "1h" or _has_long_ttl(messages)):
        warn_once(
            request.model, "a 1-hour cache TTL is for the Qwen4 form only: sent with 5 minutes"
        )
        return _set_ttl(messages, None)
    return messages
