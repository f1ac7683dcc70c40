"""LlamaIndex ``BaseEmbedding`` for DashScope's text-embedding models, on the shared core."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from pydantic import Field, field_validator

from dashscope_models import EmbeddingRequest
from dashscope_models.integration import ConnectionSettings, UnknownArguments
from llamaindex_dashscope_models._constants import plain_value

__all__ = ["DashScopeEmbedding"]


class DashScopeEmbedding(UnknownArguments, ConnectionSettings, BaseEmbedding):
    """DashScope text embeddings (text-embedding-v1 … v4) for LlamaIndex.

    Queries are sent with ``text_type="query"``, texts with ``text_type`` (``"document"`` unless
    given, as in llama-index-embeddings-dashscope; a string or a ``DashScopeTextEmbeddingType``,
    and ``model_name`` may be a ``DashScopeTextEmbeddingModels`` member). The core client
    batches by the model's maximum batch size (concurrently on the async path), so
    ``embed_batch_size`` only sets how many texts LlamaIndex hands over per call. An argument
    that is no field (a misspelt ``dimensons=``) goes into ``additional_kwargs`` with a warning,
    as the ``Qwen`` classes do, and is sent.

    Example::

        from llama_index.core import Settings
        from llamaindex_dashscope_models import DashScopeEmbedding

        Settings.embed_model = DashScopeEmbedding(model_name="text-embedding-v4", dimension=512)
        vector = Settings.embed_model.get_query_embedding("What is DashScope?")
    """

    model_name: str = "text-embedding-v4"
    embed_batch_size: int = Field(default=100, gt=0, le=2048)
    dimension: int | None = Field(default=None, alias="dimensions")
    """Vector size (v3/v4 offer several); ``None`` uses the model's default. Also
    ``dimensions``, as llama-index-embeddings-openai names it."""
    max_concurrency: int = 16
    text_type: Literal["query", "document"] = "document"
    """How texts (not queries) are sent: ``"document"`` to index them, ``"query"`` to compare
    them with indexed documents."""
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Extra request parameters, sent verbatim."
    )
    unknown_arguments_field: ClassVar[str] = "additional_kwargs"  # as the LLM classes
    known_arguments: ClassVar[frozenset[str]] = frozenset({"class_name"})  # to_dict's key

    @field_validator("model_name", "text_type", mode="before")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        return plain_value(value)

    @classmethod
    def class_name(cls) -> str:
        return "DashScopeEmbedding"

    def _request(self, texts: list[str], kind: Literal["query", "document"]) -> EmbeddingRequest:
        return EmbeddingRequest(
            model=self.model_name,
            texts=texts,
            text_type=kind,
            dimension=self.dimension,
            extra_parameters=self.additional_kwargs,
        )

    def _embed(self, texts: list[str], kind: Literal["query", "document"]) -> list[Embedding]:
        return self.client.embed(self._request(texts, kind)).embeddings if texts else []

    async def _aembed(
        self, texts: list[str], kind: Literal["query", "document"]
    ) -> list[Embedding]:
        if not texts:
            return []
        request = self._request(texts, kind)
        return (await self.client.aembed(request, max_concurrency=self.max_concurrency)).embeddings

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._embed([query], "query")[0]

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return (await self._aembed([query], "query"))[0]

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._embed([text], self.text_type)[0]

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return (await self._aembed([text], self.text_type))[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self._embed(texts, self.text_type)

    async def _aget_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return await self._aembed(texts, self.text_type)
