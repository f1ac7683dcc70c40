"""Errors and warnings that point the way: what the service's answer leaves out, added.

* :func:`explain` sets a failed call's ``hint`` (shown by ``str(err)``) to what only the
  client knows: for "Model not exist." the id that was sent and catalogued ids a small edit
  away (``qwen-plsu`` → did you mean ``qwen-plus``?); for a 401 the host and region that were
  called, since keys are region-bound. The service's own ``message``, code, status and request
  id stay as they were. :func:`explain_model` adds the same model hint to a Batch row's error.
(Warnings that point at the user's line are :mod:`dashscope_models._user_warnings`.)

Example::

    explain(err, "https://dashscope.aliyuncs.com/api/v1/...", b'{"model": "qwen-plsu"}')
    err.hint  # "model 'qwen-plsu' does not exist; did you mean 'qwen-plus'?"
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from dashscope_models._config import REGIONS
from dashscope_models._errors import AuthenticationError, DashScopeError, ModelNotFoundError

__all__ = ["close_ids", "explain", "explain_model"]

MAX_DISTANCE = 2
"""Catalogued ids at most this many edits from a missing id are suggested."""


def _distance(a: str, b: str, limit: int) -> int:
    """Edit distance with adjacent transpositions (``plsu`` → ``plus`` is one edit); any value
    over ``limit`` is reported as ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def close_ids(model: str, limit: int = MAX_DISTANCE) -> list[str]:
    """Catalogued ids within ``limit`` edits of ``model`` (case ignored), closest first.

    Example: ``close_ids("qwen-plsu")`` is ``['qwen-plus']``.
    """
    from dashscope_models._catalog import all_specs

    wanted = model.lower()
    scored = []
    for spec in all_specs():
        name = spec.name
        if name == model:
            continue
        distance = _distance(wanted, name.lower(), limit)
        if distance <= limit:
            scored.append((distance, name))
    return [name for _, name in sorted(scored)[:3]]


def _region_of(host: str) -> str | None:
    """``'ap-southeast-1' (singapore)``: the region a host serves, by its names in REGIONS."""
    names = [name for name, url in REGIONS.items() if urlsplit(url).hostname == host]
    if not names:
        return None
    return f"{names[0]!r}" + (f" ({names[1]})" if len(names) > 1 else "")


def _model_hint(model: str) -> str:
    close = close_ids(model)
    if close:
        guesses = " or ".join(repr(name) for name in close)
        return f"model {model!r} does not exist; did you mean {guesses}?"
    return (
        f"model {model!r} does not exist, or this key's region does not serve it "
        "(python -m dashscope_models.catalog lists the ids this package knows)"
    )


def _auth_hint(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    region = _region_of(parts.hostname or "")
    if region is None:
        called = f"{host} (a base_url of your own)"
    else:
        default = ", the default" if host == urlsplit(_default_root()).hostname else ""
        called = f"{host}, region {region}{default}"
    intl = region is not None and "singapore" in region
    other = "the Beijing console: leave region unset" if intl else "the international console"
    return (
        f"called {called}; DashScope keys are region-bound: a key works only in the region "
        f"whose console created it (a key of {other}"
        + ("" if intl else ": region='singapore'")
        + ")"
    )


def _default_root() -> str:
    return REGIONS["beijing"]  # ClientConfig's default


def explain(err: DashScopeError, url: str, body: bytes | None) -> DashScopeError:
    """``err`` with what the client knows added to its message (in place; returned)."""
    if isinstance(err, ModelNotFoundError):
        model = _model_of(body)
        return explain_model(err, model) if model else err
    if isinstance(err, AuthenticationError):
        err.hint = _auth_hint(url)
    return err


def explain_model(err: DashScopeError, model: str) -> DashScopeError:
    """``err``, when it is a :class:`ModelNotFoundError`, with the hint naming ``model`` and
    the catalogued ids close to it (in place; returned): for a Batch row, whose error line
    does not say which model it asked for."""
    if isinstance(err, ModelNotFoundError):
        err.hint = _model_hint(model)
    return err


def _model_of(body: bytes | None) -> str | None:
    try:
        model = json.loads(body or b"").get("model")
    except (ValueError, AttributeError):
        return None
    return model if isinstance(model, str) else None
