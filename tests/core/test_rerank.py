"""Core rerank over the emulator's real HTTP server: ranking, top_n, splitting, errors; and the
core's checks of bad input as both frameworks' ``DashScopeRerank`` meet them (before any request)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from langchain_core.documents import Document
from llama_index.core.schema import NodeWithScore, TextNode

import langchain_dashscope_models as lc
import llamaindex_dashscope_models as li
from dashscope_models import (
    AuthenticationError,
    BadRequestError,
    DashScopeClient,
    ModelNotFoundError,
    RateLimitError,
    RequestValidationError,
    RerankRequest,
    RerankResult,
    StreamError,
)
from dashscope_models._rerank import read_rerank
from dashscope_models.emulator import Emulator, Fault

DOCS = [
    "The Nile is the longest river in Africa.",
    "Paris is the capital of France; the Eiffel Tower stands in Paris.",
    "Qwen is a family of large language models from Alibaba Cloud.",
    "The Eiffel Tower was finished in 1889 for the World's Fair in Paris, France.",
]
PATH = "/services/rerank/text-rerank/text-rerank"


@pytest.fixture
def client(base_url: str) -> DashScopeClient:
    return DashScopeClient(base_url=base_url, max_retries=2)


async def rerank(client: DashScopeClient, request: RerankRequest, sync: bool) -> RerankResult:
    return client.rerank(request) if sync else await client.arerank(request)


def sent(emulator: Emulator) -> list[Any]:
    return [r.body for r in emulator.requests if r.path.endswith(PATH)]


def many(n: int) -> list[str]:
    """``n`` documents; every seventh mentions the Eiffel Tower in Paris."""
    return [
        f"doc {i}: the Eiffel Tower in Paris" if i % 7 == 3 else f"doc {i}: a river in Africa"
        for i in range(n)
    ]


async def test_ranked_by_shared_words_with_scores(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    request = RerankRequest(model="gte-rerank-v2", query="When was the Eiffel Tower in Paris finished?", documents=DOCS)  # fmt: skip
    result = await rerank(client, request, sync)
    assert [h.index for h in result.results] == [3, 1, 0, 2]
    scores = [h.relevance_score for h in result.results]
    assert scores == sorted(scores, reverse=True) and 0 < scores[0] < 1 and scores[-1] == 0
    assert all(h.document is None for h in result.results)  # not asked for
    assert result.total_tokens > 0 and len(result.request_ids) == 1
    (body,) = sent(emulator)
    assert body == {"model": "gte-rerank-v2", "input": {"query": request.query, "documents": DOCS}, "parameters": {}}  # fmt: skip


async def test_top_n_return_documents_and_instruct_are_sent(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    request = RerankRequest(
        model="qwen3-rerank",
        query="Which river is the longest?",
        documents=DOCS,
        top_n=2,
        return_documents=True,
        instruct="Given a web search query, retrieve relevant passages that answer the query.",
    )
    result = await rerank(client, request, sync)
    assert [h.index for h in result.results][:1] == [0] and len(result.results) == 2
    assert result.results[0].document == DOCS[0]
    assert sent(emulator)[0]["parameters"] == {
        "top_n": 2,
        "return_documents": True,
        "instruct": request.instruct,
    }


@pytest.mark.parametrize(
    ("model", "n", "requests"),
    [("qwen3-vl-rerank", 250, 3), ("gte-rerank-v2", 501, 2), ("qwen3-rerank", 500, 1)],
)
async def test_split_above_the_document_limit_and_merged_by_score(
    client: DashScopeClient, emulator: Emulator, sync: bool, model: str, n: int, requests: int
) -> None:
    docs = many(n)
    request = RerankRequest(model=model, query="Eiffel Tower", documents=docs, top_n=5)
    result = await rerank(client, request, sync)
    bodies = sent(emulator)
    assert len(bodies) == requests
    assert sum(len(b["input"]["documents"]) for b in bodies) == n
    assert all(len(b["input"]["documents"]) <= (100 if model == "qwen3-vl-rerank" else 500) for b in bodies)  # fmt: skip
    # the best five across all batches, indices into the caller's list, in input order on ties
    assert [h.index for h in result.results] == [3, 10, 17, 24, 31]
    assert len(result.request_ids) == requests
    # one unsplit call ranks the same (each pair is scored on its own)
    emulator.clear()
    whole = await rerank(
        client,
        RerankRequest(model="qwen3-rerank", query="Eiffel Tower", documents=docs[:500]),
        sync,
    )
    assert len(sent(emulator)) == 1
    if n <= 500:
        assert [(h.index, h.relevance_score) for h in whole.results[:5]] == [
            (h.index, h.relevance_score) for h in result.results
        ]


async def test_a_rerank_id_no_row_lists_is_ranked_within_the_smallest_limits(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    # The SDK lists qwen3.7-text-rerank (dashscope.TextReRank.Models); only the rerank rule
    # covers it: it must not be taken for a Qwen3.5+ chat model, and its unknown limits are
    # the smallest documented ones (100 documents a request).
    docs = many(230)
    request = RerankRequest(model="qwen3.7-text-rerank", query="Eiffel Tower", documents=docs)
    result = await rerank(client, request, sync)
    assert [len(b["input"]["documents"]) for b in sent(emulator)] == [100, 100, 30]
    assert {b["model"] for b in sent(emulator)} == {"qwen3.7-text-rerank"}
    assert [h.index for h in result.results[:2]] == [3, 10]


async def test_split_by_the_token_budget_per_request(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    # gte-rerank-v2: 30,000 tokens per request (query tokens x documents + document tokens).
    # 3,750 estimated tokens per document, + 1 for the query: 7 fit in one request
    docs = ["word " * 3000] * 20
    result = await rerank(
        client, RerankRequest(model="gte-rerank-v2", query="word", documents=docs), sync
    )
    assert [len(b["input"]["documents"]) for b in sent(emulator)] == [7, 7, 6]
    assert sorted(h.index for h in result.results) == list(range(20))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"query": ""}, "query is empty"),
        ({"query": "   "}, "query is empty"),
        ({"documents": []}, "documents is empty"),
        ({"documents": "one string"}, "list of strings"),
        ({"documents": ["ok", 3]}, r"documents\[1\] must be a string or one text/image/video part"),
        ({"documents": [{"audio": "a.wav"}]}, r"documents\[0\] must be a string or one"),
        (
            {"documents": [{"image": "https://x/a.png"}]},
            r"documents\[0\] is an image: qwen3-rerank ranks text",
        ),
        ({"query": {"image": "https://x/a.png"}, "model": "gte-rerank-v2"}, "query is an image"),
        ({"query": {"text": " "}}, "query is empty"),
        ({"top_n": 0}, "top_n must be an integer of at least 1"),
        ({"top_n": -2}, "top_n must be"),
        ({"model": "qwen-plus"}, "not a rerank model"),
        ({"model": "text-embedding-v4"}, "not a rerank model"),
        ({"model": "qwen3.7-max"}, "not a rerank model"),  # a family rule says: generation
        ({"model": "gte-rerank-v2", "instruct": "Rank"}, "does not take instruct"),
        ({"documents": ["x" * 16004]}, r"documents\[0\] is too long .* at most 4000"),
    ],
)
async def test_bad_input_fails_before_any_request(
    client: DashScopeClient,
    refused: Callable[[Callable[[], Any]], Awaitable[RequestValidationError]],
    sync: bool,
    kwargs: dict[str, Any],
    match: str,
) -> None:
    values: dict[str, Any] = {"model": "qwen3-rerank", "query": "q", "documents": ["a"], **kwargs}
    request = RerankRequest(**values)
    err = await refused(lambda: client.rerank(request) if sync else client.arerank(request))
    assert err.code in {"InvalidParameter", "InvalidModel"}
    with pytest.raises(RequestValidationError, match=match):
        client.rerank(request)


async def test_typed_errors_401_400_and_429_retried(
    base_url: str, client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    request = RerankRequest(model="qwen3-rerank", query="Nile", documents=DOCS)
    wrong_key = DashScopeClient(base_url=base_url, api_key="sk-wrong", max_retries=2)
    with pytest.raises(AuthenticationError) as auth:
        await rerank(wrong_key, request, sync)
    assert auth.value.status_code == 401 and auth.value.code == "InvalidApiKey"
    assert auth.value.request_id and len(emulator.requests) == 1  # a 401 is not retried
    # an id no row or rule covers passes our checks; the service answers 400
    with pytest.raises(ModelNotFoundError) as bad:
        await rerank(client, RerankRequest(model="acme-ranker-9", query="q", documents=["a"]), sync)
    assert isinstance(bad.value, BadRequestError) and bad.value.status_code == 400
    emulator.clear()
    emulator.queue(Fault.rate_limit(retry_after=0.01))
    result = await rerank(client, request, sync)
    assert result.results[0].index == 0 and len(emulator.requests) == 2
    emulator.queue(Fault.rate_limit(retry_after=0.01, times=3))
    with pytest.raises(RateLimitError):
        await rerank(client, request, sync)


async def test_malformed_answers_are_typed(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    emulator.queue(Fault.malformed())  # the emulator cuts its JSON answer in half
    with pytest.raises(StreamError) as info:
        await rerank(client, RerankRequest(model="qwen3-rerank", query="q", documents=DOCS), sync)
    assert info.value.code == "MalformedResponse" and len(emulator.requests) == 1


@pytest.mark.parametrize(
    "data",
    [
        {"output": {}, "request_id": "r"},
        {"output": {"results": [{"index": 0}]}},
        {"output": {"results": [{"index": 2, "relevance_score": 0.5}]}},  # only 2 documents sent
        {"output": {"results": ["text"]}},
    ],
)
def test_answers_that_are_not_results_for_the_documents_sent(data: dict[str, Any]) -> None:
    with pytest.raises(StreamError, match="not a list of results for 2 documents"):
        read_rerank(data, 0, 2)
    hits, tokens, rid = read_rerank({"output": {"results": [{"index": 1, "relevance_score": 0.5, "document": {"text": "b"}}]}, "usage": {"total_tokens": 7}, "request_id": "r"}, 10, 2)  # fmt: skip
    assert (hits[0].index, hits[0].document, tokens, rid) == (11, "b", 7, "r")


async def test_a_failed_split_request_stops_the_others(base_url: str, emulator: Emulator) -> None:
    client = DashScopeClient(base_url=base_url, max_retries=0)
    emulator.queue(Fault.http_error(400, "InvalidParameter", "bad batch"))
    request = RerankRequest(model="qwen3-vl-rerank", query="Eiffel", documents=many(1000))
    with pytest.raises(BadRequestError, match="bad batch"):
        await client.arerank(request, max_concurrency=2)
    await asyncio.sleep(0.3)  # time for any request left running to reach the emulator
    # 10 requests to send, 2 at a time: the failure of the first stops the ones not yet sent
    assert len(emulator.requests) < 10


async def test_media_documents_split_by_kind(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    # qwen3-vl-rerank: at most 40 images and 4 videos a request (catalog.toml)
    images: list[Any] = [{"image": f"https://example.com/{i}.png"} for i in range(50)]
    docs = [
        *images,
        *[f"text {i}" for i in range(10)],
        *[{"video": "https://example.com/v.mp4"}] * 5,
    ]
    docs.append("the Eiffel Tower")
    request = RerankRequest(model="qwen3-vl-rerank", query="Eiffel Tower", documents=docs, top_n=2, return_documents=True)  # fmt: skip
    result = await rerank(client, request, sync)
    bodies = sent(emulator)
    assert [len(b["input"]["documents"]) for b in bodies] == [40, 24, 2]
    assert all(sum("video" in str(d) for d in b["input"]["documents"]) <= 4 for b in bodies)
    assert result.results[0].index == 65 and result.results[0].document == "the Eiffel Tower"
    # an image query: the emulator sees no words, every score is 0; media come back as sent
    request = RerankRequest(model="qwen3-vl-rerank", query={"image": "https://example.com/q.png"}, documents=images[:2], return_documents=True)  # fmt: skip
    result = await rerank(client, request, sync)
    assert [h.document for h in result.results] == images[:2]


# Both frameworks' ``DashScopeRerank`` refuse bad input with ``RequestValidationError`` before
# any request (the core's checks: an empty query, top_n < 1, a model that is not a rerank model,
# instruct on a model without it).

TEXTS = ["The Nile is a river.", "Paris is in France."]


def call(framework: str, kwargs: dict[str, Any], query: str, sync: bool) -> Any:
    if framework == "langchain":
        compressor = lc.DashScopeRerank(**kwargs)
        docs = [Document(t) for t in TEXTS]
        run = compressor.compress_documents if sync else compressor.acompress_documents
        return run(docs, query)
    processor = li.DashScopeRerank(**kwargs)
    nodes = [NodeWithScore(node=TextNode(text=t)) for t in TEXTS]
    run_nodes = processor.postprocess_nodes if sync else processor.apostprocess_nodes
    return run_nodes(nodes, query_str=query)


@pytest.mark.parametrize("framework", ["langchain", "llamaindex"])
@pytest.mark.parametrize(
    ("kwargs", "query", "match"),
    [
        ({}, "", "query is empty"),
        ({"top_n": 0}, "Paris", "top_n must be"),
        ({"model": "qwen-plus"}, "Paris", "not a rerank model"),
        ({"model": "text-embedding-v4"}, "Paris", "not a rerank model"),
        ({"model": "gte-rerank-v2", "instruct": "Rank"}, "Paris", "does not take instruct"),
    ],
)
async def test_bad_input_is_refused_before_any_request(
    refused: Callable[[Callable[[], Any]], Awaitable[RequestValidationError]],
    sync: bool,
    framework: str,
    kwargs: dict[str, Any],
    query: str,
    match: str,
) -> None:
    err = await refused(lambda: call(framework, kwargs, query, sync))
    assert match in err.message
