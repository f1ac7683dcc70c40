"""The one HTTP request builder: an endpoint of the table and its body become the request
every sender takes (httpx, urllib3 and aiohttp all read this ``httpx.Request``).

:func:`http_request` looks the endpoint up in ``_endpoints.ENDPOINTS`` (its method, path and
root), puts the key into this request only (no cache holds it), adds the headers (cached per
workspace and mode, since normalising them is a visible share of a call's client work) and the
timeout extension of the one timeout rule. Generation (``_request.build_http_request``),
embeddings, rerank, applications, the Files and Batches API, and the uploads of documents and
local media (the temporary storage's policy and its upload host) are all built here.

Example::

    request = http_request(config, "text-rerank", body)
    request = http_request(config, "batch-get", path={"id": "batch_1"})
"""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import httpx

from dashscope_models._config import API_ROOT, ClientConfig
from dashscope_models._connection import timeouts
from dashscope_models._endpoints import ENDPOINTS, Call
from dashscope_models._version import __version__

__all__ = ["USER_AGENT", "call_request", "http_request"]

USER_AGENT = f"dashscope-models/{__version__}; python/{platform.python_version()}"
_COMPATIBLE_ROOT = "/compatible-mode/v1"

_Body = str  # how a request carries its body: "json", "none" or "upload"


def http_request(
    config: ClientConfig,
    endpoint: str,
    body: Any = None,
    *,
    stream: bool = False,
    path: Mapping[str, str] | None = None,
    upload: Any = None,
    oss: bool = False,
    query: Mapping[str, Any] | None = None,
) -> httpx.Request:
    """The request for ``endpoint`` (a key of ``ENDPOINTS``): ``body`` sent as JSON (``None``:
    no body), ``path`` filling the row's ``{name}`` parts, ``query`` the query string (``None``
    values left out), ``upload`` a streamed body that brings its own headers
    (``_batch_files.MultipartFile``, ``_uploads.FormBody``); ``stream`` asks for SSE; ``oss``:
    a part names an ``oss://`` file of the temporary storage (the service resolves it when
    ``X-DashScope-OssResourceResolve: enable`` is sent). A row of another service's host
    (``outside``) gets neither the API key nor the workspace."""
    row = ENDPOINTS[endpoint]
    outside = row.root == "outside"
    # First: no key, no request (ConfigurationError); the key goes to DashScope only.
    authorization = None if outside else config.bearer()
    workspace = None if outside else config.workspace
    target = "" if outside else _root(config.base_url, row.root)
    target += row.path.format_map(path) if path else row.path
    if query:
        target += "?" + urlencode({k: v for k, v in query.items() if v is not None})
    url = _url(target)
    if upload is not None:
        headers = httpx.Headers(_headers(workspace, False, "upload"))
        headers.update(upload.headers())
        headers["Host"] = url.netloc.decode("ascii")  # httpx sets none on a request given a stream
        request = httpx.Request(row.method, url, headers=headers, stream=upload)
    else:
        kind = "none" if body is None else "json"
        content = (
            None
            if body is None
            else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        )
        headers = _headers(workspace, stream, kind, oss)
        request = httpx.Request(row.method, url, headers=headers, content=content)
    # The key goes only into this request (no cache holds it, nor anything keyed by it).
    if authorization is not None:
        request.headers["Authorization"] = authorization
    request.extensions["timeout"] = _timeout_extension(config.timeout)
    return request


def call_request(config: ClientConfig, call: Call[Any]) -> httpx.Request:
    """:func:`http_request` for a :class:`~dashscope_models._endpoints.Call`."""
    return http_request(
        config, call.endpoint, call.body, path=call.path, upload=call.upload, query=call.query
    )


def _root(base_url: str, root: str) -> str:
    if root == "native":
        return base_url
    host = base_url[: -len(API_ROOT)] if base_url.endswith(API_ROOT) else base_url
    return host + _COMPATIBLE_ROOT


@lru_cache(maxsize=64)
def _headers(
    workspace: str | None, stream: bool, body: _Body = "json", oss: bool = False
) -> httpx.Headers:
    """The request headers but the key, built and normalised once per workspace and mode
    (httpx copies a ``Headers`` object cheaply, but normalises a dict on every request)."""
    headers = {}
    if body == "json":
        headers["Content-Type"] = "application/json"
    if body != "upload":
        headers["Accept"] = "text/event-stream" if stream else "application/json"
    headers["User-Agent"] = USER_AGENT
    if stream:
        headers["X-DashScope-SSE"] = "enable"
    if workspace:
        headers["X-DashScope-WorkSpace"] = workspace
    if oss:
        headers["X-DashScope-OssResourceResolve"] = "enable"
    return httpx.Headers(headers)


@lru_cache(maxsize=64)
def _timeout_extension(seconds: float) -> dict[str, float | None]:
    """httpx's per-request timeout extension (what ``timeouts`` gives, as a dict)."""
    return timeouts(seconds).as_dict()


@lru_cache(maxsize=256)
def _url(text: str) -> httpx.URL:
    """Parsed once per endpoint: URL parsing is a large share of per-request client work."""
    return httpx.URL(text)
