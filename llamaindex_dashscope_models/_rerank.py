"""LlamaIndex ``BaseNodePostprocessor`` for DashScope's rerank models, on the shared core."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from llama_index.core import instrumentation as instrument
from llama_index.core.base.llms.types import ImageBlock
from llama_index.core.callbacks import CBEventType, EventPayload
from llama_index.core.instrumentation.events.rerank import ReRankEndEvent, ReRankStartEvent
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import ImageNode, MetadataMode, NodeWithScore, QueryBundle
from pydantic import Field

from dashscope_models import RequestValidationError, RerankDocument, RerankResult, get_spec
from dashscope_models.integration import RerankSettings, UnknownArguments
from llamaindex_dashscope_models._content import media_url

__all__ = ["DashScopeRerank"]

dispatcher = instrument.get_dispatcher(__name__)  # type: ignore[attr-defined]  # re-exported


class DashScopeRerank(UnknownArguments, RerankSettings, BaseNodePostprocessor):
    """DashScope rerank (gte-rerank-v2, qwen3-rerank, qwen3-vl-rerank) for LlamaIndex.

    ``postprocess_nodes`` returns the best ``top_n`` nodes (``None``: all), best first, with
    ``NodeWithScore.score`` set to the relevance score (on qwen3-vl-rerank, an ``ImageNode`` is
    ranked by its image); a list over the model's per-request limit is split (concurrently on
    the async path) and merged by score. It emits LlamaIndex's ``ReRankStartEvent`` /
    ``ReRankEndEvent`` and the callback manager's ``RERANKING`` event.
    Bad input (an empty query, ``top_n`` < 1, a model that is not a rerank model) raises
    ``RequestValidationError`` before any request; no nodes give ``[]`` without one. An argument
    that is no field (a misspelt ``topn=``) goes into ``additional_kwargs`` with a warning, as
    the ``Qwen`` classes do, and is sent.

    Example::

        from llamaindex_dashscope_models import DashScopeRerank

        reranker = DashScopeRerank(model="gte-rerank-v2", top_n=2)
        engine = index.as_query_engine(similarity_top_k=10, node_postprocessors=[reranker])
        answer = engine.query("What is DashScope?")
        [n.score for n in answer.source_nodes]  # relevance scores, best first
    """

    return_documents: bool = False
    """Accepted as llama-index-postprocessor-dashscope-rerank takes it; the nodes keep their
    own text, so the service is never asked to send the documents back."""
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Extra request parameters, sent verbatim."
    )
    unknown_arguments_field: ClassVar[str] = "additional_kwargs"  # as the LLM classes
    known_arguments: ClassVar[frozenset[str]] = frozenset({"class_name"})  # to_dict's key

    def _extra_parameters(self) -> dict[str, Any]:
        return self.additional_kwargs

    @classmethod
    def class_name(cls) -> str:
        return "DashScopeRerank"

    @contextmanager
    def _events(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None
    ) -> Iterator[list[NodeWithScore]]:
        """Around one rerank: the start events, then the end events with the nodes kept."""
        dispatcher.event(
            ReRankStartEvent(
                query=query_bundle,
                nodes=nodes,
                top_n=self.top_n or len(nodes),
                model_name=self.model,
            )
        )
        if query_bundle is None:
            raise RequestValidationError(
                "a query is needed to rerank: pass query_str or query_bundle",
                code="InvalidParameter",
            )
        payload: dict[str, object] = {
            EventPayload.NODES: nodes,
            EventPayload.MODEL_NAME: self.model,
            EventPayload.QUERY_STR: query_bundle.query_str,
            EventPayload.TOP_K: self.top_n,
        }
        kept: list[NodeWithScore] = []
        with self.callback_manager.event(CBEventType.RERANKING, payload=payload) as event:
            yield kept
            event.on_end(payload={EventPayload.NODES: kept})
        dispatcher.event(ReRankEndEvent(nodes=kept))

    def _documents(self, nodes: list[NodeWithScore]) -> list[RerankDocument]:
        """Each node's text; on a model that ranks media, an image node's image (its base64
        data or a local file as a data URI, a URL as given)."""
        media = get_spec(self.model).vision
        documents: list[RerankDocument] = []
        for item in nodes:
            node = item.node
            if media and isinstance(node, ImageNode) and (node.image_url or node.image_path):
                # a URL as given; a path or file:// URL inline, as chat messages send them
                block = ImageBlock(
                    url=node.image_url, path=node.image_path, image_mimetype=node.image_mimetype
                )
                documents.append({"image": media_url(block, "image", inline_local=True)})
            elif media and isinstance(node, ImageNode) and node.image:  # base64 data already
                mimetype = node.image_mimetype or "image/png"
                documents.append({"image": f"data:{mimetype};base64,{node.image}"})
            else:
                documents.append(node.get_content(metadata_mode=MetadataMode.EMBED))
        return documents

    @staticmethod
    def _scored(nodes: list[NodeWithScore], result: RerankResult) -> list[NodeWithScore]:
        return [
            NodeWithScore(node=nodes[hit.index].node, score=hit.relevance_score)
            for hit in result.results
        ]

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        with self._events(nodes, query_bundle) as kept:
            if nodes:
                assert query_bundle is not None  # checked by _events
                result = self.rank_texts(query_bundle.query_str, self._documents(nodes))
                kept.extend(self._scored(nodes, result))
        return kept

    async def _apostprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        with self._events(nodes, query_bundle) as kept:
            if nodes:
                assert query_bundle is not None  # checked by _events
                result = await self.arank_texts(query_bundle.query_str, self._documents(nodes))
                kept.extend(self._scored(nodes, result))
        return kept
