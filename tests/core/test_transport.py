"""The transport seam (``_transport``): one map from both senders' failures to our errors."""

from __future__ import annotations

import aiohttp
import httpx
import pytest

from dashscope_models import APIConnectionError, APITimeoutError, StreamError
from dashscope_models._aio import _mapped
from dashscope_models._transport import TransportFailure, transport_error


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (httpx.ConnectError("refused"), APIConnectionError),
        (httpx.ReadTimeout("slow"), APITimeoutError),
        (httpx.RemoteProtocolError("cut"), APIConnectionError),
        (aiohttp.ServerDisconnectedError(), APIConnectionError),
        (aiohttp.ClientPayloadError("cut"), APIConnectionError),
        (aiohttp.ConnectionTimeoutError(), APITimeoutError),
        (TimeoutError(), APITimeoutError),
    ],
)
def test_both_senders_failures_take_the_one_map(failure: Exception, expected: type) -> None:
    request = httpx.Request("POST", "https://dashscope.aliyuncs.com/api/v1")
    exc = failure if isinstance(failure, httpx.HTTPError) else _mapped(failure, request)
    assert isinstance(exc, httpx.HTTPError)  # what the client's retry loop catches
    err = transport_error(exc, request_id="r-1")
    assert type(err) is expected and err.request_id == "r-1"
    assert type(failure).__name__ in err.message
    broken = transport_error(exc, events_seen=3)  # after the first event: a truncated stream
    assert isinstance(broken, StreamError) and broken.code == "TruncatedStream"


def test_a_connect_timeout_caused_by_a_refusal_is_a_connection_error() -> None:
    exc = httpx.ConnectTimeout("timed out")
    exc.__cause__ = ConnectionRefusedError("refused")
    assert type(transport_error(exc)) is APIConnectionError


def test_other_exceptions_pass_the_aiohttp_map_unchanged() -> None:
    error = ValueError("ours")
    assert _mapped(error, httpx.Request("GET", "http://x")) is error
    assert TransportFailure("x", timeout=True).timeout
