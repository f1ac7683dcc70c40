"""Whole answers of any endpoint: the typed error of a failed one, the JSON of a good one.

Every endpoint's reader starts here (``_endpoints.Reader``): :func:`read_json` raises the typed
error for a non-200 status (a JSON error body, an SSE error event, or plain text: the one
table of ``_errors``) and parses the body of a good one.

Example::

    data = read_json(200, {"content-type": "application/json"}, b'{"output": {}}')
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dashscope_models._errors import DashScopeError, StreamError, error_from_body

__all__ = ["error_from_http", "read_json"]


def error_from_http(status: int, headers: Mapping[str, str], body: bytes) -> DashScopeError:
    """The typed error for a non-200 answer (JSON body, SSE error event, or plain text)."""
    text = body.decode("utf-8", "replace").lstrip("\ufeff")
    parsed: Any = text
    if "event-stream" in headers.get("content-type", ""):
        for line in text.splitlines():
            if line.startswith("data:"):
                text = line[5:].strip()
                break
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = text.strip()
    err = error_from_body(status, parsed, headers.get("x-request-id"))
    err.headers = {k.lower(): v for k, v in headers.items()}
    return err


def read_json(status: int, headers: Mapping[str, str], body: bytes) -> Any:
    """A whole JSON answer: the typed error for a non-200 status, else the parsed body."""
    if status != 200:
        raise error_from_http(status, headers, body)
    try:
        return json.loads(body)
    except ValueError:
        raise StreamError(
            f"the service answered with a body that is not JSON: {body[:200]!r}",
            code="MalformedResponse",
            status_code=200,
            request_id=headers.get("x-request-id"),
        ) from None
