"""``_pool``: one shared pool per endpoint setting, whatever the key; closing reopens on use."""

from __future__ import annotations

import pytest

from dashscope_models import DashScopeClient, close_pools
from dashscope_models._pool import close_sync_pool, stream_pool, sync_pool


def test_clients_with_the_same_endpoint_share_pools_whatever_the_key() -> None:
    first = DashScopeClient(api_key="sk-one", base_url="https://a.example/api/v1")
    second = DashScopeClient(api_key="sk-two", base_url="https://a.example/api/v1")
    other = DashScopeClient(api_key="sk-one", base_url="https://b.example/api/v1")
    assert sync_pool(first.config) is sync_pool(second.config) is not sync_pool(other.config)
    assert stream_pool(first.config) is stream_pool(second.config)
    assert stream_pool(first.config) is not stream_pool(other.config)


def test_a_closed_pool_reopens_on_use() -> None:
    config = DashScopeClient(api_key="sk-x", base_url="https://c.example/api/v1").config
    client, streams = sync_pool(config), stream_pool(config)
    close_sync_pool(config)
    assert client.is_closed
    assert sync_pool(config) is not client and not sync_pool(config).is_closed
    assert stream_pool(config) is not streams
    close_pools()
    assert sync_pool(config).is_closed is False


def test_no_proxy_without_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    close_pools()  # decided when the pool is made
    assert stream_pool(DashScopeClient(api_key="sk-x").config) is not None
