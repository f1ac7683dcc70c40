"""Client configuration: API key, base URL and region, workspace, timeout, retries, proxy.

Precedence, from strongest: explicit ``base_url`` argument, explicit ``region`` argument, the
``DASHSCOPE_BASE_URL`` environment variable, then Beijing. A ``region`` with workspace hosts
(Singapore, Virginia, Frankfurt, Tokyo) and a ``workspace`` give the workspace's own host,
``https://{workspace}.{region}.maas.aliyuncs.com/api/v1``; Frankfurt and Tokyo have no other.
The ``X-DashScope-WorkSpace`` header is sent whenever a ``workspace`` is set. The API key
comes from the argument or ``DASHSCOPE_API_KEY``; a missing key is reported at the first
request, not here, so models can be built (and serialized) before a key exists.

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
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from pydantic import SecretStr

from dashscope_models._errors import ConfigurationError
from dashscope_models._user_warnings import warn_user

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "PLACEHOLDER_API_KEY",
    "REGIONS",
    "SETTINGS",
    "WORKSPACE_REGIONS",
    "ClientConfig",
    "check_base_url",
    "check_endpoint",
    "key_from_environment",
    "region_url",
]

DEFAULT_TIMEOUT = 300.0  # seconds, as the official SDK; thinking models can be slow
DEFAULT_MAX_RETRIES = 2

_BEIJING = "https://dashscope.aliyuncs.com/api/v1"
_SINGAPORE = "https://dashscope-intl.aliyuncs.com/api/v1"
_VIRGINIA = "https://dashscope-us.aliyuncs.com/api/v1"
_HONGKONG = "https://cn-hongkong.dashscope.aliyuncs.com/api/v1"
_FINANCE = "https://dashscope-finance.aliyuncs.com/api/v1"
_WORKSPACE_HOST = "https://{workspace}.{region}.maas.aliyuncs.com/api/v1"

# Region code -> its shared host (None: none; reachable only through workspace hosts), and
# whether the service documents workspace hosts for it.
_SHARED: dict[str, str | None] = {
    "cn-beijing": _BEIJING,
    "ap-southeast-1": _SINGAPORE,
    "us-east-1": _VIRGINIA,
    "cn-hongkong": _HONGKONG,
    "finance": _FINANCE,
    "eu-central-1": None,
    "ap-northeast-1": None,
}
_WORKSPACE_HOSTS = frozenset({"ap-southeast-1", "us-east-1", "eu-central-1", "ap-northeast-1"})
_ALIASES = {
    "beijing": "cn-beijing",
    "china": "cn-beijing",
    "singapore": "ap-southeast-1",
    "intl": "ap-southeast-1",
    "international": "ap-southeast-1",
    "virginia": "us-east-1",
    "us": "us-east-1",
    "hongkong": "cn-hongkong",
    "frankfurt": "eu-central-1",
    "tokyo": "ap-northeast-1",
}

REGIONS: dict[str, str] = {
    name: _SHARED[code] or _WORKSPACE_HOST.replace("{region}", code)
    for name, code in [*((c, c) for c in _SHARED), *_ALIASES.items()]
}
"""Region name → native API root (``…/api/v1``); a region served only through workspace
hosts gives its template (``{workspace}`` is the workspace id). Keys are region-bound: use the
key's region."""
WORKSPACE_REGIONS = frozenset(
    name for name, code in [*((c, c) for c in _SHARED), *_ALIASES.items()]
    if code in _WORKSPACE_HOSTS
)  # fmt: skip
"""Region names whose requests go to the workspace's own host when a ``workspace`` is given."""

SETTINGS = ("api_key", "base_url", "region", "workspace", "timeout", "max_retries", "proxy")
"""The arguments of :meth:`ClientConfig.resolve` (and the framework classes' connection fields)."""


def key_from_environment() -> SecretStr | None:
    """``DASHSCOPE_API_KEY`` (the one place it is read), or ``None`` when unset or empty."""
    key = os.environ.get("DASHSCOPE_API_KEY")
    return SecretStr(key) if key else None


API_ROOT = "/api/v1"
_COMPATIBLE_ROOT = "/compatible-mode/v1"
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
    if parts.path.rstrip("/").endswith(_COMPATIBLE_ROOT):
        native = _shown(text, parts.netloc)[: -len(_COMPATIBLE_ROOT)] + API_ROOT
        raise ConfigurationError(
            f"{source}={_shown(text, parts.netloc)!r} is DashScope's OpenAI-compatible mode; "
            f"this package speaks the native API at /api/v1 of the same host: use {native!r}",
            code="InvalidBaseUrl",
        )
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


def check_endpoint(
    base_url: str | None, region: str | None, workspace: str | None, has_key: bool
) -> None:
    """What :meth:`ClientConfig.resolve` would say about these settings (or
    ``DASHSCOPE_BASE_URL``), said now: the framework classes call it when built, so a bad URL or
    region is a :class:`ConfigurationError` and the placeholder-key warning points at the line
    that builds the class (the client itself is made at the first call)."""
    env_url = None if base_url or region else _env_base_url()
    url = _endpoint(base_url, region, workspace, env_url)
    if not has_key and url is not None and is_loopback(url):
        _placeholder_key(url)


def _env_base_url() -> str | None:
    return os.environ.get("DASHSCOPE_BASE_URL") or None


@lru_cache(maxsize=64)
def _endpoint(
    base_url: str | None, region: str | None, workspace: str | None, env_url: str | None
) -> str | None:
    if base_url:
        return check_base_url(base_url)
    if region:
        return region_url(region, workspace)
    return check_base_url(env_url, "DASHSCOPE_BASE_URL") if env_url else None


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
        warn_user(
            f"No DashScope API key set: using a placeholder key for the local address {url} "
            "(the emulator accepts any key unless started with --api-key). Set "
            "DASHSCOPE_API_KEY to send a real one."
        )
    return SecretStr(PLACEHOLDER_API_KEY)


def region_url(region: str, workspace: str | None = None) -> str:
    """The root for ``region``: its workspace host when it has them and ``workspace`` is given,
    else its shared host; :class:`ConfigurationError` for an unknown region, or a
    workspace-only region without a workspace."""
    name = region.strip().lower()
    code = _ALIASES.get(name, name)
    if code not in _SHARED:
        known = ", ".join(sorted(REGIONS))
        raise ConfigurationError(
            f"Unknown DashScope region {region!r}; use one of: {known}, or pass base_url",
            code="UnknownRegion",
        )
    if workspace and code in _WORKSPACE_HOSTS:
        return _WORKSPACE_HOST.format(workspace=_host_label(workspace), region=code)
    shared = _SHARED[code]
    if shared is None:
        raise ConfigurationError(
            f"region={region!r} is served only through workspace hosts: pass "
            f"workspace='ws-...' (your Model Studio workspace id) with region={region!r}, or "
            "set base_url to your workspace's address",
            code="WorkspaceRequired",
        )
    return shared


def _host_label(workspace: str) -> str:
    """``workspace`` as the first label of a host name (letters, digits, ``-`` and ``_``)."""
    label = workspace.strip()
    if not label or len(label) > 63 or not all(c.isascii() and (c.isalnum() or c in "-_")
                                               for c in label):  # fmt: skip
        raise ConfigurationError(
            f"workspace={workspace!r} cannot name a workspace host: a workspace id has only "
            "letters, digits, '-' and '_' (e.g. 'ws-abc123')",
            code="InvalidWorkspace",
        )
    return label


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
            url = region_url(region, workspace)
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
