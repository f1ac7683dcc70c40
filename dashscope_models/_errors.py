"""The error tree, and the one table that maps DashScope answers onto it.

::

    DashScopeError                      status_code, code, message, request_id (and hint) on all
    ├── ConfigurationError (ValueError) missing API key, bad region: raised before any request
    ├── RequestValidationError (ValueError)  bad input found before any request
    ├── APIConnectionError              the service could not be reached
    │   └── APITimeoutError             client timeout, or HTTP 408
    ├── StreamError                     a malformed or truncated SSE stream
    └── APIStatusError                  the service answered with an error
        ├── BadRequestError             400 (InvalidParameter, ...)
        │   ├── ContentInspectionError  DataInspectionFailed
        │   ├── ContextLengthError      input longer than the model accepts
        │   ├── MaxTokensError          "Range of max_tokens should be [1, N]": .limit is N
        │   └── ModelNotFoundError      "Model not exist." (also 404 ModelNotFound)
        ├── AuthenticationError         401 InvalidApiKey
        ├── PermissionDeniedError       403 AccessDenied*, Arrearage
        ├── NotFoundError               404
        ├── RateLimitError              429 Throttling*
        └── InternalServerError         5xx

Errors raised inside an SSE stream (``event:error``) map through the same table, using the
status from the event's ``:HTTP_STATUS/<n>`` line. ``message`` is the service's own text;
``hint`` is what the client adds (for "Model not exist." the id sent and catalogued ids close
to it; for a 401 the host and region called). ``str(err)`` shows code, message and hint, status
and request_id; the API key is never part of any error.

Example::

    try:
        client.generate(request)
    except RateLimitError as err:
        print(err.code, err.request_id)
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ContentInspectionError",
    "ContextLengthError",
    "DashScopeError",
    "InternalServerError",
    "MaxTokensError",
    "ModelNotFoundError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestValidationError",
    "StreamError",
    "error_from_body",
]


class DashScopeError(Exception):
    """Base of every error this package raises.

    Example: ``except DashScopeError as err: print(err.code, err.request_id)``
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
        body: Any = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else type(self).__name__
        self.status_code = status_code
        self.request_id = request_id
        self.body = body
        self.hint = hint
        """What the client adds to the service's ``message``: the id sent and the catalogued ids
        close to it, the host and region called ... (shown by ``str(err)``)."""
        self.headers: dict[str, str] = {}
        """Response headers (lowercase names) when the error came from an HTTP answer."""

    def __str__(self) -> str:
        text = f"{self.message} ({self.hint})" if self.hint else self.message
        parts = [f"{self.code}: {text}"]
        if self.status_code is not None:
            parts.append(f"status={self.status_code}")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        return " | ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"status_code={self.status_code!r}, request_id={self.request_id!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process boundaries (multiprocessing, task queues): keep every field.
        return (
            _rebuild,
            (
                type(self),
                self.message,
                self.code,
                self.status_code,
                self.request_id,
                self.body,
                self.hint,
            ),
        )


def _rebuild(
    cls: type[DashScopeError],
    message: str,
    code: str | None,
    status_code: int | None,
    request_id: str | None,
    body: Any,
    hint: str | None = None,
) -> DashScopeError:
    return cls(
        message, code=code, status_code=status_code, request_id=request_id, body=body, hint=hint
    )


class ConfigurationError(DashScopeError, ValueError):
    """The client is not configured well enough to send a request (e.g. no API key).

    Example: ``except ConfigurationError as err: print(err.code, err.request_id)``
    """


class RequestValidationError(DashScopeError, ValueError):
    """The request breaks a documented rule; it was not sent.

    Example: ``except RequestValidationError as err: print(err.code, err.request_id)``
    """


class APIConnectionError(DashScopeError):
    """The service could not be reached, or the connection broke.

    Example: ``except APIConnectionError as err: print(err.code, err.request_id)``
    """


class APITimeoutError(APIConnectionError):
    """The request timed out (on our side, or HTTP 408 from the service).

    Example: ``except APITimeoutError as err: print(err.code, err.request_id)``
    """


class StreamError(DashScopeError):
    """The SSE stream was malformed or ended before its final event.

    Example: ``except StreamError as err: print(err.code, err.request_id)``
    """


class APIStatusError(DashScopeError):
    """The service answered with an error code.

    Example: ``except APIStatusError as err: print(err.code, err.request_id)``
    """


class BadRequestError(APIStatusError):
    """HTTP 400: the service rejected the request.

    Example: ``except BadRequestError as err: print(err.code, err.request_id)``
    """


class ContentInspectionError(BadRequestError):
    """The input or output failed DashScope's content inspection (DataInspectionFailed).

    Example: ``except ContentInspectionError as err: print(err.code, err.request_id)``
    """


class ContextLengthError(BadRequestError):
    """The input is longer than the model's context allows.

    Example: ``except ContextLengthError as err: print(err.code, err.request_id)``
    """


_MAX_TOKENS_RANGE = re.compile(r"range of max_tokens should be \[\s*1\s*,\s*(\d+)\s*\]", re.I)


class MaxTokensError(BadRequestError):
    """``max_tokens`` is over the model's limit; :attr:`limit` is the largest value accepted.

    The service says "Range of max_tokens should be [1, N]" (for a model the catalog does not
    know, or whose limit changed); the message keeps its text and says what N means.

    Example: ``except MaxTokensError as err: retry_with(max_tokens=err.limit)``
    """

    def __init__(self, message: str, **kwargs: Any) -> None:
        limit = _max_tokens_limit(message)
        if limit is not None and "at most" not in message:
            message = f"{message} (max_tokens can be at most {limit} for this model)"
        super().__init__(message, **kwargs)

    @property
    def limit(self) -> int | None:
        """N of the service's "[1, N]": the largest ``max_tokens`` this model accepts."""
        return _max_tokens_limit(self.message)


def _max_tokens_limit(message: str) -> int | None:
    found = _MAX_TOKENS_RANGE.search(message)
    return int(found.group(1)) if found else None


class ModelNotFoundError(BadRequestError):
    """The model id does not exist (or is not available to this key/region).

    Example: ``except ModelNotFoundError as err: print(err.code, err.request_id)``
    """


class AuthenticationError(APIStatusError):
    """HTTP 401: the API key is missing, wrong, or of another region.

    Example: ``except AuthenticationError as err: print(err.code, err.request_id)``
    """


class PermissionDeniedError(APIStatusError):
    """HTTP 403 (or Arrearage): the account may not use this model.

    Example: ``except PermissionDeniedError as err: print(err.code, err.request_id)``
    """


class NotFoundError(APIStatusError):
    """HTTP 404: no such resource.

    Example: ``except NotFoundError as err: print(err.code, err.request_id)``
    """


class RateLimitError(APIStatusError):
    """HTTP 429: throttled or out of quota.

    Example: ``except RateLimitError as err: print(err.code, err.request_id)``
    """


class InternalServerError(APIStatusError):
    """HTTP 5xx: the service failed.

    Example: ``except InternalServerError as err: print(err.code, err.request_id)``
    """


# The table: DashScope code first, then a message marker for codes that mean several things,
# then the HTTP status. Order matters only within _MESSAGE_MARKERS.
_BY_CODE: dict[str, type[APIStatusError]] = {
    "InvalidApiKey": AuthenticationError,
    "DataInspectionFailed": ContentInspectionError,
    "InvalidParameter.DataInspection": ContentInspectionError,
    "AccessDenied": PermissionDeniedError,
    "AccessDenied.Unpurchased": PermissionDeniedError,
    "Arrearage": PermissionDeniedError,
    "ModelNotFound": ModelNotFoundError,
    "Model.NotExist": ModelNotFoundError,
    "NotFound": NotFoundError,
    "Throttling": RateLimitError,
    "Throttling.RateQuota": RateLimitError,
    "Throttling.AllocationQuota": RateLimitError,
    "InternalError": InternalServerError,
    "InternalError.Algo": InternalServerError,
    "ServiceUnavailable": InternalServerError,
}
_MESSAGE_MARKERS: tuple[tuple[str, type[APIStatusError]], ...] = (
    ("model not exist", ModelNotFoundError),
    ("range of max_tokens", MaxTokensError),
    ("input length", ContextLengthError),
    ("context length", ContextLengthError),
    ("too long", ContextLengthError),
)
_BY_STATUS: dict[int, type[DashScopeError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: APITimeoutError,
    429: RateLimitError,
}


def error_class(status_code: int, code: str | None, message: str) -> type[DashScopeError]:
    """The error class for a DashScope error answer."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if code is None or code.startswith("InvalidParameter") or status_code == 400:
        lowered = message.lower()
        for marker, cls in _MESSAGE_MARKERS:
            if marker in lowered:
                return cls
    if status_code in _BY_STATUS:
        return _BY_STATUS[status_code]
    if status_code >= 500:
        return InternalServerError
    return APIStatusError


def error_from_body(status_code: int, body: Any, request_id: str | None = None) -> DashScopeError:
    """Build the typed error for an error body ``{"code", "message", "request_id"}``.

    ``body`` may be a dict or anything else (then its text becomes the message). An
    OpenAI-style body (``{"error": {"message", "code"}}``, as proxies answer) is read too.
    """
    if isinstance(body, dict):
        code = body.get("code")
        message = str(body.get("message") or body.get("msg") or "")
        request_id = body.get("request_id") or request_id
        nested = body.get("error")
        if isinstance(nested, dict):
            message = message or str(nested.get("message") or "")
            if not code and isinstance(nested.get("code"), str):
                code = nested["code"]
        elif isinstance(nested, str):
            message = message or nested
    else:
        code, message = None, str(body or "")
    code_s = str(code) if code else None
    cls = error_class(status_code, code_s, message)
    return cls(
        message or f"HTTP {status_code} without an error message",
        code=code_s or f"HTTP{status_code}",
        status_code=status_code,
        request_id=request_id,
        body=body,
    )
