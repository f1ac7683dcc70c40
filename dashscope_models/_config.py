"""Client configuration: API key, base URL and region, workspace, timeout, retries, proxy.

Precedence, from strongest: explicit ``base_url`` argument, explicit ``region`` argument, the
``DASHSCOPE_BASE_URL`` environment variable, then Beijing. The API key comes from the argument
or ``DASHSCOPE_API_KEY``; a missing key is reported at the first request, not here, so models
can be built (and serialized) before a key exists.

A ``base_url`` (argument or environment) is checked here: it needs an ``http``/``https`` scheme
and a host, else :class:`ConfigurationError` (a configuration mistake, never retried as a
network error). A URL with no path gets the native root ``/api/v1`` appended; any other path is
kept as given. A loopback ``base_url`` (the emulator) with no key gets a placeholder key, with
one warning per process: the emulator accepts any key unless started with ``--api-key``.

Example::

    config = ClientConfig.resolve(region="singapore", timeout=30)
    config.base_url  # 'https://dashscope-intl.aliyuncs.com/api/v1'
"""

from __future__ import annotations

import ipaddress
import os
import warnings
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pydantic import SecretStr

from dashscope_models._errors import ConfigurationError

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "PLACEHOLDER_API_KEY",
    "REGIONS",
    "SETTINGS",
    "ClientConfig",
    "check_base_url",
    "key_from_environment",
]

DEFAULT_TIMEOUT = 300.0  # seconds, as the official SDK; thinking models can be slow
DEFAULT_MAX_RETRIES = 2

_BEIJING = "https://dashscope.aliyuncs.com/api/v1"
_SINGAPORE = "https://dashscope-intl.aliyuncs.com/api/v1"
_VIRGINIA = "https://dashscope-us.aliyuncs.com/api/v1"
_HONGKONG = "https://cn-hongkong.dashscope.aliyuncs.com/api/v1"
_FINANCE = "https://dashscope-finance.aliyuncs.com/api/v1"

REGIONS: dict[str, str] = {
    "cn-beijing": _BEIJING,
    "beijing": _BEIJING,
    "china": _BEIJING,
    "ap-southeast-1": _SINGAPORE,
    "singapore": _SINGAPORE,
    "intl": _SINGAPORE,
    "international": _SINGAPORE,
    "us-east-1": _VIRGINIA,
    "virginia": _VIRGINIA,
    "us": _VIRGINIA,
    "cn-hongkong": _HONGKONG,
    "hongkong": _HONGKONG,
    "finance": _FINANCE,
}
"""Region name → native API root (``…/api/v1``). Keys are region-bound: use the key's region."""

SETTINGS = ("api_key", "base_url", "region", "workspace", "timeout", "max_retries", "proxy")
"""The arguments of :meth:`ClientConfig.resolve` (and the framework classes' connection fields)."""


def key_from_environment() -> SecretStr | None:
    """``DASHSCOPE_API_KEY`` (the one place it is read), or ``None`` when unset or empty."""
    key = os.environ.get("DASHSCOPE_API_KEY")
    return SecretStr(key) if key else None


API_ROOT = "/api/v1"
PLACEHOLDER_API_KEY = "sk-local-placeholder"
"""The key sent to a loopback ``base_url`` when none is set (the emulator accepts any key)."""
_placeholder_warned = False


def _shown(url: str, netloc: str) -> str:
    """``url`` without a ``user:password@`` part (a URL may carry credentials)."""
    if "@" not in netloc:
        return url
    return url.replace(netloc, "***@" + netloc.rsplit("@", 1)[1], 1)


def check_base_url(url: str, source: str = "base_url") -> str:
    """``url`` as the client uses it, or :class:`ConfigurationError` naming the value.

    Needs an ``http``/``https`` scheme and a host; a URL with no path gets ``/api/v1``
    appended (the native API root); any other path is kept as given, without a trailing slash.

    Example: ``check_base_url("http://127.0.0.1:8000")`` is ``"http://127.0.0.1:8000/api/v1"``.
    """
    text = url.strip()
    parts = urlsplit(text)
    problem = None
    if parts.scheme.lower() not in ("http", "https"):
        problem = "it needs an http:// or https:// scheme"
    elif not parts.hostname or any(c.isspace() for c in parts.netloc):
        problem = "it has no valid host"
    else:
        try:
            parts.port  # noqa: B018 - reading it validates the port
        except ValueError:
            problem = "its port is not a number in [0, 65535]"
    if problem is not None:
        shown = _shown(text, parts.netloc)
        raise ConfigurationError(
            f"{source}={shown!r} is not a usable DashScope URL: {problem} (e.g. "
            f"{_SINGAPORE!r}, or 'http://127.0.0.1:8000/api/v1' for the emulator)",
            code="InvalidBaseUrl",
        )
    text = text.rstrip("/")
    return text + API_ROOT if parts.path.strip("/") == "" else text


_PROXY_SCHEMES = ("http", "https")


def check_proxy(proxy: str, source: str = "proxy") -> str:
    """``proxy`` as given, or :class:`ConfigurationError` naming it (without its password).

    Every sender takes an ``http://`` or ``https://`` proxy (with ``user:password@`` for
    basic authentication); SOCKS proxies are refused here, as httpx refuses them without its
    ``socks`` extra, rather than failing differently on each path.
    """
    parts = urlsplit(proxy.strip())
    if parts.scheme.lower() not in _PROXY_SCHEMES or not parts.hostname:
        shown = f"{parts.scheme}://{parts.hostname or ''}" if parts.scheme else "no scheme"
        raise ConfigurationError(
            f"{source} must be an http:// or https:// proxy URL (e.g. 'http://127.0.0.1:3128'), "
            f"not {shown}",
            code="InvalidProxy",
        )
    return proxy.strip()


def is_loopback(url: str) -> bool:
    """True when ``url``'s host is this machine (``localhost``, ``127.0.0.0/8``, ``::1``)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _placeholder_key(url: str) -> SecretStr:
    global _placeholder_warned
    if not _placeholder_warned:
        _placeholder_warned = True
        warnings.warn(
            f"No DashScope API key set: using a placeholder key for the local address {url} "
            "(the emulator accepts any key unless started with --api-key). Set "
            "DASHSCOPE_API_KEY to send a real one.",
            UserWarning,
            stacklevel=4,
        )
    return SecretStr(PLACEHOLDER_API_KEY)


def _region_url(region: str) -> str:
    try:
        return REGIONS[region.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(REGIONS))
        raise ConfigurationError(
            f"Unknown DashScope region {region!r}; use one of: {known}, or pass base_url",
            code="UnknownRegion",
        ) from None


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Resolved settings of one client. Build it with :meth:`resolve`.

    Example: ``ClientConfig.resolve(api_key="sk-...", base_url="http://127.0.0.1:8000/api/v1")``.
    """

    base_url: str = _BEIJING
    api_key: SecretStr | None = field(default=None, repr=False)
    workspace: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    proxy: str | None = field(default=None, repr=False)
    """An explicit proxy URL over the environment's (see ``_connection``); may hold a
    password, so it is never shown."""

    @classmethod
    def resolve(
        cls,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        region: str | None = None,
        workspace: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        proxy: str | None = None,
    ) -> ClientConfig:
        """Combine arguments with the environment (see the module docstring for precedence)."""
        env_url = os.environ.get("DASHSCOPE_BASE_URL")
        if base_url:
            url = check_base_url(base_url)
        elif region:
            url = _region_url(region)
        elif env_url:
            url = check_base_url(env_url, "DASHSCOPE_BASE_URL")
        else:
            url = _BEIJING
        if api_key is None:
            key = key_from_environment()
        else:
            key = api_key if isinstance(api_key, SecretStr) else SecretStr(api_key)
        if (key is None or not key.get_secret_value()) and is_loopback(url):
            key = _placeholder_key(url)
        if timeout is not None and timeout <= 0:
            raise ConfigurationError(f"timeout must be positive, got {timeout}", code="BadTimeout")
        if max_retries is not None and max_retries < 0:
            raise ConfigurationError(
                f"max_retries must be >= 0, got {max_retries}", code="BadMaxRetries"
            )
        return cls(
            base_url=url,
            api_key=key,
            workspace=workspace or None,
            timeout=DEFAULT_TIMEOUT if timeout is None else float(timeout),
            max_retries=DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
            proxy=check_proxy(proxy) if proxy else None,
        )

    def bearer(self) -> str:
        """The Authorization header value; raises :class:`ConfigurationError` without a key."""
        if self.api_key is None or not self.api_key.get_secret_value():
            raise ConfigurationError(
                "No DashScope API key: pass api_key=... or set DASHSCOPE_API_KEY "
                "(keys are region-bound: create it in the region you call).",
                code="MissingApiKey",
            )
        return "Bearer " + self.api_key.get_secret_value()

    @property
    def pool_key(self) -> tuple[str, float, str | None]:
        """Settings that decide which connection pool a client shares (never the key)."""
        return (self.base_url, self.timeout, self.proxy)
