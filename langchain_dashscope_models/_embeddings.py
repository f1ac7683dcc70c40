"""LangChain ``Embeddings`` for DashScope's text-embedding models, on the shared core client."""

from __future__ import annotations

from typing import Any

from langchain_core.embeddings import Embeddings
from pydantic import ConfigDict, Field

from dashscope_models import EmbeddingRequest
from dashscope_models.integration import ConnectionSettings, UnknownArguments
from langchain_dashscope_models._exceptions import translated

__all__ = ["DashScopeEmbeddings"]


class DashScopeEmbeddings(UnknownArguments, ConnectionSettings, Embeddings):
    """DashScope text embeddings (text-embedding-v1 … v4) for LangChain.

    Documents are sent with ``text_type="document"`` and queries with ``"query"``, in batches
    of the model's maximum size (concurrently on the async path), results in input order.
    Empty texts and texts over the model's length limit raise before any request; service
    errors raise the same LangChain-and-core error classes as the chat models. An argument
    that is no field (a new service option, or a misspelt ``dimensons=``) goes into
    ``model_kwargs`` with a warning, as in langchain-openai's ``OpenAIEmbeddings``, and is sent.

    Example::

        from langchain_dashscope_models import DashScopeEmbeddings

        embeddings = DashScopeEmbeddings(model="text-embedding-v4", dimension=512)
        vectors = embeddings.embed_documents(["DashScope hosts Qwen.", "Moonshot too."])
        query = embeddings.embed_query("Which models are hosted?")
    """

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())

    model: str = "text-embedding-v4"
    """The embedding model id."""
    dimension: int | None = Field(default=None, alias="dimensions")
    """Vector size (v3/v4 offer several); ``None`` uses the model's default. Also
    ``dimensions``, as langchain-openai's ``OpenAIEmbeddings`` names it."""
    max_concurrency: int = 16
    """At most this many batches in flight on the async path."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra request parameters, sent verbatim (new service options)."""

    def _request(self, texts: list[str], text_type: Any) -> EmbeddingRequest:
        return EmbeddingRequest(
            model=self.model,
            texts=texts,
            text_type=text_type,
            dimension=self.dimension,
            extra_parameters=self.model_kwargs,
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed search documents."""
        if not texts:
            return []
        with translated:
            return self.client.embed(self._request(texts, "document")).embeddings

    def embed_query(self, text: str) -> list[float]:
        """Embed one search query."""
        with translated:
            return self.client.embed(self._request([text], "query")).embeddings[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async :meth:`embed_documents` (batches sent concurrently)."""
        if not texts:
            return []
        request = self._request(texts, "document")
        with translated:
            result = await self.client.aembed(request, max_concurrency=self.max_concurrency)
        return result.embeddings

    async def aembed_query(self, text: str) -> list[float]:
        """Async :meth:`embed_query`."""
        with translated:
            return (await self.client.aembed(self._request([text], "query"))).embeddings[0]
