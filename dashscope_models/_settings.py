"""The framework classes' connection and rerank settings (re-exported by ``integration``).

* :class:`ConnectionSettings`: connection fields (the key read from ``DASHSCOPE_API_KEY``, never
  dumped or shown, read back as ``dashscope_api_key``; the proxy never shown either) and the
  core client, made on first use on the process-wide connection pool, and made again when a
  setting changed since (by assignment or ``model_copy``). A region or ``base_url`` that cannot be
  reached as set is refused at construction.
* :class:`RerankSettings`: a reranker's fields (``model``, ``top_n``, ``instruct``) and its
  calls on the core client, for both frameworks' ``DashScopeRerank``.

Example::

    class DashScopeEmbeddings(ConnectionSettings, Embeddings): ...

    DashScopeEmbeddings(region="singapore").client  # a DashScopeClient for that region
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, field_validator

from dashscope_models._config import SETTINGS, check_endpoint, key_from_environment
from dashscope_models._lifetime import PoolLifetime
from dashscope_models._rerank import RerankDocument, RerankRequest, RerankResult

if TYPE_CHECKING:  # imported on first use: the client module brings httpx (~25 ms of import)
    from dashscope_models._client import DashScopeClient

__all__ = ["APIKey", "ConnectionSettings", "RerankSettings"]

_read_settings = attrgetter(*SETTINGS)


class APIKey(SecretStr):
    """The key as ``dashscope_api_key`` reads it back: a ``SecretStr`` (shown as stars, its
    value through ``get_secret_value()``) that also equals the plain key string, as
    langchain-community's ``Tongyi`` kept it (``llm.dashscope_api_key == "sk-..."``)."""

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SecretStr):
            other = other.get_secret_value()
        if isinstance(other, str):
            return hmac.compare_digest(self.get_secret_value().encode(), other.encode())
        return NotImplemented

    def __hash__(self) -> int:
        return super().__hash__()


class ConnectionSettings(PoolLifetime, BaseModel):
    """Connection settings and the lazily made core client (see the module docstring);
    ``close()``/``aclose()`` and ``with``/``async with`` close its connection pool."""

    model_config = ConfigDict(populate_by_name=True)

    api_key: SecretStr | None = Field(
        default_factory=key_from_environment,
        alias="dashscope_api_key",
        exclude=True,
        repr=False,
    )
    """The API key; read from ``DASHSCOPE_API_KEY`` when not given (or given as ``None``).
    Also ``dashscope_api_key``, as langchain-community's classes take it. Never dumped or shown."""
    region: str | None = None
    """``"beijing"`` (default), ``"singapore"``, ``"frankfurt"`` (with ``workspace``) ... (see
    ``dashscope_models.REGIONS``)."""
    base_url: str | None = None
    """API root including ``/api/v1`` (appended to a URL with no path); wins over ``region``;
    also ``DASHSCOPE_BASE_URL``."""
    workspace: str | None = None
    """The workspace id (``ws-...``): sent as ``X-DashScope-WorkSpace``; with a ``region`` that
    has workspace hosts, requests go to ``https://{workspace}.{region}.maas.aliyuncs.com``."""
    timeout: float | None = Field(default=None, alias="request_timeout")
    """Seconds per request (connect: at most 10)."""
    max_retries: int | None = None
    """Retries of 429s, 5xx and dropped connections (default 2)."""
    proxy: str | None = Field(default=None, exclude=True, repr=False)
    """A proxy URL (``http://[user:password@]host:port``) over the one ``HTTP_PROXY``,
    ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` give. Never dumped or shown (it may hold a
    password)."""

    # (the settings the client was made from, the client)
    _client: tuple[tuple[Any, ...], DashScopeClient] | None = PrivateAttr(default=None)

    def __init__(self, *args: Any, **data: Any) -> None:
        super().__init__(*args, **data)
        # A malformed base_url, an unknown region or a workspace-only region without a
        # workspace: the ConfigurationError now, not at the first call (here, not in a
        # validator: pydantic would wrap it in a ValidationError). Also the placeholder-key
        # warning, pointing at the line that builds the class.
        key = self.api_key
        has_key = key is not None and bool(key.get_secret_value())
        check_endpoint(self.base_url, self.region, self.workspace, has_key)

    @field_validator("api_key", mode="before")
    @classmethod
    def _key_or_environment(cls, value: Any) -> Any:
        """``api_key=None`` reads the environment, as langchain-community's classes did."""
        return key_from_environment() if value is None else value

    @property
    def dashscope_api_key(self) -> APIKey | None:
        """The API key (read-only), under langchain-community's name: a ``SecretStr``."""
        key = self.api_key
        return None if key is None else APIKey(key.get_secret_value())

    @property
    def client(self) -> DashScopeClient:
        """The core client (made on first use; shares the process-wide connection pool)."""
        settings = _read_settings(self)
        # Read the private attribute from its dict: every call comes here, and pydantic's
        # attribute lookup for private names costs a raised AttributeError each time.
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]
        cached = private["_client"]
        if cached is None or cached[0] != settings:
            from dashscope_models._client import DashScopeClient

            cached = private["_client"] = (settings, DashScopeClient.from_settings(self))
        client: DashScopeClient = cached[1]
        return client


class RerankSettings(ConnectionSettings):
    """A reranker's fields and calls, for both frameworks' ``DashScopeRerank``.

    Example: ``RerankSettings(model="qwen3-rerank", top_n=2).rank_texts("q", ["a", "b", "c"])``.
    """

    model: str = "gte-rerank-v2"
    """The rerank model id (``gte-rerank-v2``, ``qwen3-rerank``, ``qwen3-vl-rerank`` ...)."""
    top_n: int | None = 3
    """How many of the best documents to keep; ``None`` keeps them all, in score order."""
    instruct: str | None = None
    """A ranking task instruction (qwen3-rerank), e.g. "Retrieve semantically similar text."."""
    max_concurrency: int = 16
    """At most this many requests in flight when a long list is split (async path)."""

    def _extra_parameters(self) -> dict[str, Any]:
        """Parameters sent verbatim beside the fields: each framework's class gives its own
        dict (LangChain ``model_kwargs``, LlamaIndex ``additional_kwargs``)."""
        return {}

    def _rerank_request(
        self, query: str, texts: Sequence[RerankDocument], top_n: int | None
    ) -> RerankRequest:
        return RerankRequest(
            model=self.model,
            query=query,
            documents=texts,
            top_n=top_n,
            instruct=self.instruct,
            extra_parameters=self._extra_parameters(),
        )

    def rank_texts(
        self, query: str, texts: Sequence[RerankDocument], top_n: int | None = -1
    ) -> RerankResult:
        """Rank ``texts`` against ``query`` (``top_n=-1``: this object's ``top_n``)."""
        top = self.top_n if top_n == -1 else top_n
        return self.client.rerank(self._rerank_request(query, texts, top))

    async def arank_texts(
        self, query: str, texts: Sequence[RerankDocument], top_n: int | None = -1
    ) -> RerankResult:
        """Async :meth:`rank_texts` (a split list is sent concurrently)."""
        top = self.top_n if top_n == -1 else top_n
        request = self._rerank_request(query, texts, top)
        return await self.client.arerank(request, max_concurrency=self.max_concurrency)
