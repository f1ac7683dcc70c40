"""Errors and warnings that point the way: what the service's answer leaves out, added.

* :func:`explain` sets a failed call's ``hint`` (shown by ``str(err)``) to what only the
  client knows: for "Model not exist." the id that was sent and catalogued ids a small edit
  away (``qwen-plsu`` → did you mean ``qwen-plus``?); for a 401 the host and region that were
  called, since keys are region-bound; for a 404 of an application call the app id and the
  host and workspace called. The service's own ``message``, code, status and request
  id stay as they were. :func:`explain_model` adds the same model hint to a Batch row's error.
(Warnings that point at the user's line are :mod:`dashscope_models._user_warnings`.)

Example::

    explain(err, "https://dashscope.aliyuncs.com/api/v1/...", b'{"model": "qwen-plsu"}')
    err.hint  # "model 'qwen-plsu' does not exist; did you mean 'qwen-plus'?"
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from dashscope_models._config import REGIONS
from dashscope_models._errors import (
    AuthenticationError,
    DashScopeError,
    ModelNotFoundError,
    NotFoundError,
)

__all__ = ["close_ids", "explain", "explain_model"]

_APP_PATH = re.compile(r"/apps/([^/]+)/completion/?$")
"""An application call's path (``_endpoints``' ``app-completion`` row), its app id."""

_WORKSPACE_HOST = re.compile(r"[\w-]+\.([a-z0-9-]+)\.maas\.aliyuncs\.com")
"""A workspace's own host (``_config``'s workspace host template), its region code."""

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
    """``'ap-southeast-1' (singapore)``: the region a host serves, by its names in REGIONS (a
    workspace host, ``{workspace}.{region}.maas.aliyuncs.com``, by its region code)."""
    found = _WORKSPACE_HOST.fullmatch(host)
    if found is not None and found.group(1) in REGIONS:
        root = REGIONS[found.group(1)]
        names = [name for name, url in REGIONS.items() if url == root]
    else:
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


def _called(url: str) -> tuple[str, str | None]:
    """``'dashscope.aliyuncs.com, region 'cn-beijing' (beijing), the default'``: the host
    called and its region, and the region's names (``None`` for a host of the user's own)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    region = _region_of(parts.hostname or "")
    if region is None:
        return f"{host} (a base_url of your own)", None
    default = ", the default" if host == urlsplit(_default_root()).hostname else ""
    return f"{host}, region {region}{default}", region


def _auth_hint(url: str) -> str:
    called, region = _called(url)
    intl = region is not None and "singapore" in region
    other = "the Beijing console: leave region unset" if intl else "the international console"
    return (
        f"called {called}; DashScope keys are region-bound: a key works only in the region "
        f"whose console created it (a key of {other}"
        + ("" if intl else ": region='singapore'")
        + ")"
    )


def _app_hint(url: str, workspace: str | None) -> str | None:
    """For a 404 of an application call: the app id and where it was looked for."""
    found = _APP_PATH.search(urlsplit(url).path)
    if found is None:
        return None
    where = f"workspace {workspace!r}" if workspace else "no workspace given"
    return (
        f"app {unquote(found.group(1))!r} was not found at {_called(url)[0]}, {where}; check "
        "the app id (on the app's card in the Model Studio console) and, for an app of a "
        "sub-workspace, pass workspace='ws-...'"
    )


def _default_root() -> str:
    return REGIONS["beijing"]  # ClientConfig's default


def explain(
    err: DashScopeError, url: str, body: bytes | None, headers: Mapping[str, str] | None = None
) -> DashScopeError:
    """``err`` with what the client knows added to its message (in place; returned);
    ``headers`` are the request's (its workspace)."""
    if isinstance(err, ModelNotFoundError):
        model = _model_of(body)
        return explain_model(err, model) if model else err
    if isinstance(err, AuthenticationError):
        err.hint = _auth_hint(url)
    elif isinstance(err, NotFoundError):
        workspace = (headers or {}).get("x-dashscope-workspace")
        err.hint = _app_hint(url, workspace) or err.hint
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
