"""``_connection``: the one decision of proxy, certificates, limits and timeouts.

The environment's proxy rules must be httpx's own: each case is checked against the transport
an ``httpx.Client(trust_env=True)`` mounts for the same URL (the requests through every sender
are checked in ``tests/acceptance/test_proxy.py``).
"""

from __future__ import annotations

import httpx
import pytest

from dashscope_models import ClientConfig, ConfigurationError, DashScopeClient
from dashscope_models._connection import connection_for, environment_proxy, timeouts

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def _httpx_choice(url: str) -> str | None:
    """The proxy httpx itself would use for ``url`` with this environment."""
    client = httpx.Client(trust_env=True)
    try:
        transport = client._transport_for_url(httpx.URL(url))
        pool = getattr(transport, "_pool", None)
        proxy = getattr(pool, "_proxy_url", None)
        if proxy is None:
            return None
        return f"{proxy.scheme.decode()}://{proxy.host.decode()}:{proxy.port}"
    finally:
        client.close()


@pytest.mark.parametrize(
    ("variables", "url", "expected"),
    [
        ({}, "https://dashscope.aliyuncs.com/api/v1", None),
        ({"HTTPS_PROXY": "http://p:1"}, "https://dashscope.aliyuncs.com/api/v1", "http://p:1"),
        ({"HTTPS_PROXY": "http://p:1"}, "http://127.0.0.1:8000/api/v1", None),
        ({"HTTP_PROXY": "http://p:2"}, "http://127.0.0.1:8000/api/v1", "http://p:2"),
        ({"ALL_PROXY": "http://p:3"}, "https://dashscope-intl.aliyuncs.com/api/v1", "http://p:3"),
        ({"ALL_PROXY": "http://p:3", "HTTPS_PROXY": "http://p:1"},
         "https://dashscope-intl.aliyuncs.com/api/v1", "http://p:1"),
        ({"HTTPS_PROXY": "p:4"}, "https://dashscope.aliyuncs.com/api/v1", "http://p:4"),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "aliyuncs.com"},
         "https://dashscope.aliyuncs.com/api/v1", None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".aliyuncs.com"},
         "https://aliyuncs.com/api/v1", "http://p:1"),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "other.com, dashscope.aliyuncs.com"},
         "https://dashscope.aliyuncs.com/api/v1", None),
        ({"HTTP_PROXY": "http://p:2", "NO_PROXY": "*"}, "http://example.com/api/v1", None),
        ({"HTTP_PROXY": "http://p:2", "NO_PROXY": "127.0.0.1"}, "http://127.0.0.1:9/api/v1", None),
        ({"HTTP_PROXY": "http://p:2", "NO_PROXY": "localhost"}, "http://localhost:9/api/v1", None),
    ],
)  # fmt: skip
def test_the_environment_applies_as_httpx_applies_it(
    variables: dict[str, str], url: str, expected: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert environment_proxy(url) == expected
    assert _httpx_choice(url) == expected


def test_an_explicit_proxy_overrides_the_environment_and_no_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://env:1")
    monkeypatch.setenv("NO_PROXY", "aliyuncs.com")
    url = "https://dashscope.aliyuncs.com/api/v1"
    assert connection_for(url, None, 300.0).proxy is None
    chosen = connection_for(url, "http://user:p%40ss@mine:3128", 300.0)
    assert chosen.proxy == "http://user:p%40ss@mine:3128"
    assert chosen.proxy_origin == "http://mine:3128" and chosen.proxy_auth == ("user", "p@ss")
    assert "p%40ss" not in repr(chosen)


def test_socks_and_malformed_proxies_are_configuration_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigurationError, match="http:// or https:// proxy") as info:
        DashScopeClient(proxy="socks5://user:secret@127.0.0.1:1080")
    assert info.value.code == "InvalidProxy" and "secret" not in str(info.value)
    with pytest.raises(ConfigurationError, match="proxy"):
        ClientConfig.resolve(proxy="not a url")
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    with pytest.raises(ConfigurationError, match="environment variable"):
        environment_proxy("https://dashscope.aliyuncs.com/api/v1")


def test_the_proxy_is_never_shown_and_picks_its_own_pool() -> None:
    plain = ClientConfig.resolve(api_key="sk-1")
    proxied = ClientConfig.resolve(api_key="sk-1", proxy="http://u:secret@127.0.0.1:3128")
    assert "secret" not in repr(proxied) and "secret" not in repr(DashScopeClient(config=proxied))
    assert plain.pool_key != proxied.pool_key


def test_one_timeout_rule() -> None:
    assert timeouts(300.0).connect == 10.0 and timeouts(300.0).read == 300.0
    assert timeouts(2.0).connect == 2.0
    assert connection_for("http://127.0.0.1:1/api/v1", None, 30.0).timeout == timeouts(30.0)
