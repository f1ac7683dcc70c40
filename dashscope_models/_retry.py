"""Retry policy as pure functions; the sync and async clients only run the loop.

Retried: connection errors and timeouts, HTTP 408, 429 (throttling, except an exhausted free
quota, which does not clear by waiting) and 5xx. Never retried: 400/401/403/404 and anything
after a stream has delivered its first event, nor an answer whose ``Retry-After`` asks for
more than 60 s (the error is raised at once rather than retried before the service allows).
The wait honours ``retry-after-ms`` and ``Retry-After`` (seconds or an HTTP date), else grows
as 0.5 s x 2^attempt up to 8 s, minus up to 25 % jitter so that many clients do not retry in
step.

Example::

    if should_retry(err) and attempt < config.max_retries:
        time.sleep(retry_delay(attempt, err))
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping

from dashscope_models._errors import (
    APIConnectionError,
    DashScopeError,
    InternalServerError,
    RateLimitError,
)

__all__ = ["INITIAL_DELAY", "MAX_DELAY", "retry_delay", "should_retry"]

INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
_MAX_SERVER_WAIT = 60.0  # a Retry-After longer than this is not waited for: no retry


def should_retry(error: DashScopeError) -> bool:
    """Whether the request that failed with ``error`` may be sent again."""
    wait = _server_wait(getattr(error, "headers", None))
    if wait is not None and wait > _MAX_SERVER_WAIT:
        return False  # retrying sooner than the service asked would only fail again
    if isinstance(error, APIConnectionError):  # includes timeouts and HTTP 408
        return True
    if isinstance(error, RateLimitError):
        return "free allocated quota" not in error.message.lower()
    return isinstance(error, InternalServerError)


def _server_wait(headers: Mapping[str, str] | None) -> float | None:
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    after = headers.get("retry-after")
    if after is None:
        return None
    try:
        return float(after)
    except ValueError:
        parsed = email.utils.parsedate_tz(after)
        if parsed is None:
            return None
        return float(email.utils.mktime_tz(parsed) - time.time())


def retry_delay(attempt: int, error: DashScopeError) -> float:
    """Seconds to wait before retry number ``attempt + 1`` (``attempt`` counts from 0)."""
    headers = getattr(error, "headers", None)
    wait = _server_wait(headers)
    # If the service says how long to wait, do what it says (within reason).
    if wait is not None and 0 <= wait <= _MAX_SERVER_WAIT:
        return wait
    backoff = min(INITIAL_DELAY * 2.0**attempt, MAX_DELAY)
    return backoff * (1 - 0.25 * random.random())
