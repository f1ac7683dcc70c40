"""How a client connects, decided in one place: proxy, TLS, connection limits, timeouts.

Every sender is made from one :class:`Connection`: httpx for sync calls (``_pool``), urllib3
for sync streams (``_urllib3``), aiohttp for async calls and streams (``_aio``). So every path
(generation, streams, embeddings, rerank, the Batch service's files and batches) goes the same
way, and the environment applies to all of them as httpx applies it:

* ``HTTP_PROXY`` / ``HTTPS_PROXY`` / ``ALL_PROXY`` (and their lower-case forms) pick a proxy for
  the ``base_url``'s scheme, ``NO_PROXY`` exempts hosts (``*``, names with their subdomains,
  ``.name`` for subdomains only, IP addresses, ``localhost``), the most specific rule winning;
* an explicit ``proxy=`` setting overrides the environment (and ``NO_PROXY``);
* ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` give the CA certificates (else certifi's).

The environment is read once per connection pool (when its first request is sent), as httpx
reads it once per client. The same :func:`timeouts` rule serves pools and requests.

Example::

    connection = connection_for("https://dashscope-intl.aliyuncs.com/api/v1", None, 300.0)
    connection.proxy          # 'http://proxy.corp:3128' with HTTPS_PROXY set, else None
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import httpx
from httpx._utils import URLPattern, get_environment_proxies  # httpx's own environment rules

from dashscope_models._config import check_proxy

__all__ = ["LIMITS", "Connection", "connection_for", "environment_proxy", "timeouts"]

LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=200, keepalive_expiry=30)
"""Connections per pool (async: ``max_connections``; sync streams: ``max_keepalive``)."""


@lru_cache(maxsize=64)
def timeouts(seconds: float) -> httpx.Timeout:
    """The one timeout rule, for pools and requests: connect within 10 s, the rest ``seconds``
    (the urllib3 and aiohttp senders read the same values from each request's timeout
    extension)."""
    return httpx.Timeout(seconds, connect=min(10.0, seconds))


def environment_proxy(url: str) -> str | None:
    """The proxy the environment gives for ``url``, by httpx's rules (``None``: direct)."""
    target = httpx.URL(url)
    mounts = sorted((URLPattern(key), value) for key, value in get_environment_proxies().items())
    for pattern, proxy in mounts:
        if pattern.matches(target):
            return None if proxy is None else check_proxy(proxy, "the proxy environment variable")
    return None


@dataclass(frozen=True, slots=True)
class Connection:
    """What every sender of one pool is made from (see the module docstring).

    ``proxy``: the proxy URL for this pool's ``base_url`` (``None``: direct), as given;
    ``proxy_origin``: the same without its ``user:password@`` and ``proxy_auth`` those two,
    decoded (urllib3 and aiohttp take them apart from the URL).

    Example: ``Connection(proxy=None, timeout=timeouts(30.0))``
    """

    proxy: str | None = field(repr=False)
    timeout: httpx.Timeout
    limits: httpx.Limits = field(default_factory=lambda: LIMITS)
    proxy_origin: str | None = None
    proxy_auth: tuple[str, str] | None = field(default=None, repr=False)

    def ssl_context(self) -> ssl.SSLContext:
        """Certificate verification as httpx does it (``SSL_CERT_FILE`` / ``SSL_CERT_DIR``,
        else certifi's CAs), read now: a pool calls it once, when it is made."""
        return httpx.create_ssl_context()


def connection_for(base_url: str, proxy: str | None, timeout: float) -> Connection:
    """The connection of a pool for ``base_url``: ``proxy`` when given, else the environment's."""
    chosen = check_proxy(proxy) if proxy else environment_proxy(base_url)
    if chosen is None:
        return Connection(proxy=None, timeout=timeouts(timeout))
    parts = urlsplit(chosen)
    origin, auth = chosen, None
    if parts.username is not None:
        auth = (unquote(parts.username), unquote(parts.password or ""))
        origin = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()
    return Connection(chosen, timeouts(timeout), proxy_origin=origin, proxy_auth=auth)
