"""LangChain ``DashScopeRerank`` over the emulator's real HTTP server."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from langchain_classic.retrievers import ContextualCompressionRetriever
from langchain_core.documents import BaseDocumentCompressor, Document
from langchain_core.exceptions import ModelAuthenticationError
from langchain_core.vectorstores import InMemoryVectorStore

from dashscope_models import (
    AuthenticationError,
    BadRequestError,
    RateLimitError,
    RequestValidationError,
)
from dashscope_models.emulator import Emulator, Fault
from langchain_dashscope_models import DashScopeEmbeddings, DashScopeRerank

PATH = "/services/rerank/text-rerank/text-rerank"
DOCS = [
    Document("The Nile is the longest river in Africa.", metadata={"source": "nile"}, id="n"),
    Document("Paris is the capital of France.", metadata={"source": "paris"}, id="p"),
    Document("The Eiffel Tower in Paris was finished in 1889.", metadata={"source": "eiffel"}),
    Document("Qwen models are built by Alibaba Cloud.", metadata={"source": "qwen"}),
]
QUERY = "When was the Eiffel Tower in Paris built?"


async def compress(
    reranker: DashScopeRerank, docs: Sequence[Document], query: str, sync: bool
) -> Sequence[Document]:
    if sync:
        return reranker.compress_documents(docs, query)
    return await reranker.acompress_documents(docs, query)


def rerank_bodies(emulator: Emulator) -> list[Any]:
    return [r.body for r in emulator.requests if r.path.endswith(PATH)]


async def test_documents_in_score_order_with_relevance_scores(
    emulator: Emulator, sync: bool
) -> None:
    reranker = DashScopeRerank(top_n=2)
    assert isinstance(reranker, BaseDocumentCompressor)
    ranked = await compress(reranker, DOCS, QUERY, sync)
    assert [d.metadata["source"] for d in ranked] == ["eiffel", "paris"]
    scores = [d.metadata["relevance_score"] for d in ranked]
    assert scores[0] > scores[1] > 0
    assert ranked[1].id == "p" and ranked[1].page_content == DOCS[1].page_content
    assert "relevance_score" not in DOCS[1].metadata  # the caller's documents are not changed
    (body,) = rerank_bodies(emulator)
    assert body["model"] == "gte-rerank-v2" and body["parameters"] == {"top_n": 2}
    assert body["input"]["documents"] == [d.page_content for d in DOCS]


async def test_top_n_none_keeps_all_and_instruct_is_sent(emulator: Emulator, sync: bool) -> None:
    reranker = DashScopeRerank(model="qwen3-rerank", top_n=None, instruct="Rank by answer.")
    ranked = await compress(reranker, DOCS, QUERY, sync)
    assert len(ranked) == 4
    scores = [d.metadata["relevance_score"] for d in ranked]
    assert scores == sorted(scores, reverse=True)
    assert rerank_bodies(emulator)[0]["parameters"] == {"instruct": "Rank by answer."}


async def test_split_above_the_document_limit(emulator: Emulator, sync: bool) -> None:
    docs = [Document(f"doc {i} about rivers") for i in range(230)]
    docs[205] = Document("the Eiffel Tower in Paris")
    docs[17] = Document("a tower in Paris")
    ranked = await compress(DashScopeRerank(model="qwen3-vl-rerank", top_n=3), docs, QUERY, sync)
    assert [len(b["input"]["documents"]) for b in rerank_bodies(emulator)] == [100, 100, 30]
    assert [d.page_content for d in ranked[:2]] == ["the Eiffel Tower in Paris", "a tower in Paris"]
    assert len(ranked) == 3


async def test_contextual_compression_retriever(emulator: Emulator, sync: bool) -> None:
    store = InMemoryVectorStore.from_documents(DOCS, DashScopeEmbeddings(dimension=256))
    retriever = ContextualCompressionRetriever(
        base_compressor=DashScopeRerank(top_n=1),
        base_retriever=store.as_retriever(search_kwargs={"k": 3}),
    )
    docs = retriever.invoke(QUERY) if sync else await retriever.ainvoke(QUERY)
    assert [d.metadata["source"] for d in docs] == ["eiffel"]
    assert 0 < docs[0].metadata["relevance_score"] < 1
    assert len(rerank_bodies(emulator)) == 1 and len(rerank_bodies(emulator)[0]["input"]["documents"]) == 3  # fmt: skip


async def test_typed_errors_401_400_and_429_retried(emulator: Emulator, sync: bool) -> None:
    with pytest.raises(AuthenticationError) as auth:
        await compress(DashScopeRerank(api_key="sk-wrong"), DOCS, QUERY, sync)
    assert isinstance(auth.value, ModelAuthenticationError) and auth.value.status_code == 401
    assert len(emulator.requests) == 1
    with pytest.raises(BadRequestError, match="Model not exist") as bad:
        await compress(DashScopeRerank(model="rerank-from-the-future"), DOCS, QUERY, sync)
    assert bad.value.status_code == 400 and bad.value.request_id
    emulator.clear()
    emulator.queue(Fault.rate_limit(retry_after=0.01))
    ranked = await compress(DashScopeRerank(), DOCS, QUERY, sync)
    assert ranked[0].metadata["source"] == "eiffel" and len(emulator.requests) == 2
    emulator.queue(Fault.rate_limit(retry_after=0.01, times=2))
    with pytest.raises(RateLimitError):
        await compress(DashScopeRerank(max_retries=1), DOCS, QUERY, sync)


async def test_no_documents_no_request_and_community_rerank(emulator: Emulator, sync: bool) -> None:
    reranker = DashScopeRerank(api_key="sk-secret-value")
    assert await compress(reranker, [], QUERY, sync) == [] and emulator.requests == []
    # langchain-community's DashScopeRerank.rerank: strings, Documents or {"text"} dicts
    hits = DashScopeRerank().rerank(["a river", DOCS[2], {"text": "Paris"}], QUERY)
    assert [h["index"] for h in hits] == [1, 2, 0] and set(hits[0]) == {"index", "relevance_score"}
    assert "sk-secret-value" not in repr(reranker) + str(reranker.model_dump())


def test_community_rerank_keeps_media_parts(emulator: Emulator) -> None:
    # An image part is sent as the part (qwen3-vl-rerank ranks it), never as empty text; on a
    # text-only model it is a clear error before any request.
    image = {"image": "https://example.com/tower.png"}
    hits = DashScopeRerank(model="qwen3-vl-rerank").rerank([image, "the Eiffel Tower"], QUERY)
    assert sorted(h["index"] for h in hits) == [0, 1]
    assert emulator.requests[-1].body["input"]["documents"][0] == image
    emulator.clear()
    with pytest.raises(RequestValidationError, match="is an image"):
        DashScopeRerank(model="gte-rerank-v2").rerank([image, "text"], QUERY)
    assert emulator.requests == []


async def test_a_misspelt_argument_is_warned_about_kept_and_sent(
    emulator: Emulator, sync: bool
) -> None:
    # As the chat classes (and langchain-openai): an unknown argument is not silently dropped.
    with pytest.warns(UserWarning, match="'topn' is not a parameter of DashScopeRerank") as warned:
        reranker = DashScopeRerank(topn=1)
    assert warned[0].filename == __file__  # the user's line
    assert reranker.model_kwargs == {"topn": 1} and reranker.top_n == 3
    await compress(reranker, DOCS, QUERY, sync)
    (body,) = rerank_bodies(emulator)
    assert body["parameters"] == {"top_n": 3, "topn": 1}
