"""Retry policy: which errors retry, how long to wait."""

from __future__ import annotations

import email.utils
import time

import pytest

from dashscope_models import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    RateLimitError,
    StreamError,
)
from dashscope_models._errors import DashScopeError
from dashscope_models._retry import MAX_DELAY, retry_delay, should_retry


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (APIConnectionError("x"), True),
        (APITimeoutError("x"), True),
        (RateLimitError("Requests rate limit exceeded", status_code=429), True),
        (RateLimitError("Free allocated quota exceeded.", status_code=429), False),
        (InternalServerError("x", status_code=500), True),
        (BadRequestError("x", status_code=400), False),
        (AuthenticationError("x", status_code=401), False),
        (StreamError("x"), False),
    ],
)
def test_should_retry(error: DashScopeError, retry: bool) -> None:
    assert should_retry(error) is retry


def _with_headers(headers: dict[str, str]) -> DashScopeError:
    err = RateLimitError("slow down", status_code=429)
    err.headers = headers
    return err


def test_retry_after_forms() -> None:
    assert retry_delay(0, _with_headers({"retry-after": "2"})) == 2.0
    assert retry_delay(0, _with_headers({"retry-after-ms": "150"})) == 0.15
    date = email.utils.formatdate(time.time() + 5, usegmt=True)
    assert 3 <= retry_delay(0, _with_headers({"retry-after": date})) <= 5.5


def test_backoff_grows_with_jitter_and_cap() -> None:
    err = InternalServerError("x", status_code=500)
    first = [retry_delay(0, err) for _ in range(50)]
    assert all(0.375 <= d <= 0.5 for d in first)
    assert all(0.75 * MAX_DELAY <= retry_delay(10, err) <= MAX_DELAY for _ in range(20))
    # Over a minute, retry_delay falls back to backoff; the client does not retry such a 429
    # at all but raises it (tests/core/test_errors.py).
    assert retry_delay(0, _with_headers({"retry-after": "3600"})) <= 0.5
