"""LangChain ``BaseDocumentCompressor`` for DashScope's rerank models, on the shared core."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import Callbacks
from langchain_core.documents import BaseDocumentCompressor, Document
from pydantic import ConfigDict, Field

from dashscope_models import RerankDocument, RerankResult
from dashscope_models.integration import RerankSettings, UnknownArguments
from langchain_dashscope_models._exceptions import translated

__all__ = ["DashScopeRerank"]


def _document(document: str | Document | dict[str, Any]) -> RerankDocument:
    """A document's text; a dict is a text, image or video part, as given (the core checks it:
    an image for qwen3-vl-rerank, a clear error for a text-only model or a malformed part)."""
    return document.page_content if isinstance(document, Document) else document


def _ranked(documents: Sequence[Document], result: RerankResult) -> list[Document]:
    return [
        Document(
            page_content=documents[hit.index].page_content,
            metadata={**documents[hit.index].metadata, "relevance_score": hit.relevance_score},
            id=documents[hit.index].id,
        )
        for hit in result.results
    ]


class DashScopeRerank(UnknownArguments, RerankSettings, BaseDocumentCompressor):
    """DashScope rerank (gte-rerank-v2, qwen3-rerank, qwen3-vl-rerank) for LangChain.

    ``compress_documents`` returns the best ``top_n`` documents (``None``: all), best first,
    each with ``metadata["relevance_score"]``; a list over the model's per-request limit is
    split (concurrently on the async path) and merged by score. Bad input (an empty query,
    ``top_n`` < 1, a model that is not a rerank model) raises ``RequestValidationError`` before
    any request; an empty document list gives ``[]`` without one. Service errors raise the same
    LangChain-and-core error classes as the chat models. An argument that is no field (a
    misspelt ``topn=``) goes into ``model_kwargs`` with a warning, as the chat models do, and
    is sent.

    Example::

        from langchain_classic.retrievers import ContextualCompressionRetriever
        from langchain_dashscope_models import DashScopeRerank

        reranker = DashScopeRerank(model="gte-rerank-v2", top_n=3)
        retriever = ContextualCompressionRetriever(
            base_compressor=reranker, base_retriever=store.as_retriever(search_kwargs={"k": 20})
        )
        docs = retriever.invoke("What is DashScope?")
        docs[0].metadata["relevance_score"]
    """

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())

    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra request parameters, sent verbatim (new service options)."""

    def _extra_parameters(self) -> dict[str, Any]:
        return self.model_kwargs

    def rerank(
        self,
        documents: Sequence[str | Document | dict[str, Any]],
        query: str,
        *,
        top_n: int | None = -1,
    ) -> list[dict[str, Any]]:
        """``[{"index", "relevance_score"}]``, best first, as langchain-community's
        ``DashScopeRerank.rerank`` (``top_n=-1``: this object's ``top_n``; ``None``: all)."""
        if not documents:
            return []
        with translated:
            result = self.rank_texts(query, [_document(d) for d in documents], top_n)
        return [{"index": h.index, "relevance_score": h.relevance_score} for h in result.results]

    def compress_documents(
        self, documents: Sequence[Document], query: str, callbacks: Callbacks | None = None
    ) -> Sequence[Document]:
        """The best ``top_n`` documents, best first, with ``metadata["relevance_score"]``."""
        if not documents:
            return []
        with translated:
            result = self.rank_texts(query, [d.page_content for d in documents])
        return _ranked(documents, result)

    async def acompress_documents(
        self, documents: Sequence[Document], query: str, callbacks: Callbacks | None = None
    ) -> Sequence[Document]:
        """Async :meth:`compress_documents`."""
        if not documents:
            return []
        with translated:
            result = await self.arank_texts(query, [d.page_content for d in documents])
        return _ranked(documents, result)
