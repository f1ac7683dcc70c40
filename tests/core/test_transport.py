"""The transport seam (``_transport``): one map from both senders' failures to our errors."""

from __future__ import annotations

from typing import Any

import aiohttp
import httpx
import pytest

from dashscope_models import APIConnectionError, APITimeoutError, StreamError
from dashscope_models._aio import _mapped
from dashscope_models._transport import transport_error


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


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        ("new_connection", APIConnectionError),
        ("connect_timeout", APITimeoutError),
        ("read_timeout", APITimeoutError),
        ("protocol", APIConnectionError),
    ],
)
def test_urllib3_failures_take_the_one_map(failure: str, expected: type) -> None:
    from urllib3.exceptions import (
        ConnectTimeoutError,
        NewConnectionError,
        ProtocolError,
        ReadTimeoutError,
    )

    from dashscope_models._urllib3 import _mapped as mapped

    errors = {
        "new_connection": NewConnectionError(None, "refused"),  # type: ignore[arg-type]
        "connect_timeout": ConnectTimeoutError("slow connect"),
        "read_timeout": ReadTimeoutError(None, "/", "slow read"),  # type: ignore[arg-type]
        "protocol": ProtocolError("reset"),
    }
    request = httpx.Request("POST", "https://dashscope.aliyuncs.com/api/v1")
    err = transport_error(mapped(errors[failure], request))
    assert type(err) is expected and "dashscope.aliyuncs.com" in err.message


def test_sync_streams_go_through_urllib3_and_reuse_one_connection(
    emulator: Any, base_url: str
) -> None:
    from dashscope_models import DashScopeClient, GenerationRequest, Message, close_pools
    from dashscope_models._pool import stream_pool

    close_pools()
    client = DashScopeClient(base_url=base_url, api_key="sk-test-emulator-key")
    request = GenerationRequest(model="qwen-plus", messages=[Message("user", "hi")])
    for _ in range(3):
        assert "".join(c.text for c in client.stream(request))
    sender = stream_pool(client.config)
    assert sender is not None
    pools = list(sender._pools.pools._container.values())  # type: ignore[attr-defined]
    assert [p.num_connections for p in pools] == [1] and pools[0].num_requests == 3


def test_behind_an_environment_proxy_sync_streams_go_through_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sync streams stay on urllib3 behind a proxy: a ProxyManager at the proxy the connection
    decision chose for the base_url (requests through it: tests/acceptance/test_proxy.py)."""
    import urllib3

    from dashscope_models import DashScopeClient
    from dashscope_models._pool import close_pools, stream_pool

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    close_pools()  # the choice is made when a pool is made, as httpx reads proxies per client
    plain = stream_pool(DashScopeClient(api_key="sk-x").config)  # an http:// base_url
    assert not isinstance(plain._pools, urllib3.ProxyManager)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    close_pools()
    proxied = stream_pool(DashScopeClient(api_key="sk-x").config)._pools
    assert isinstance(proxied, urllib3.ProxyManager) and proxied.proxy is not None
    assert proxied.proxy.host == "proxy.example" and proxied.proxy.port == 3128
    close_pools()
