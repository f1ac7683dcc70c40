"""The emulator's text-rerank endpoint: the official SDK against its HTTP server, the documented
errors over plain HTTP, and lexical scores."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from dashscope import AioTextReRank, TextReRank

from dashscope_models.emulator import Emulator
from dashscope_models.emulator._lexical import pair_score, terms

KEY = "sk-test-emulator-key"  # the key the session's emulator server accepts (tests/conftest.py)
QUERY = "What is a text rerank model?"
DOCS = [
    "Text rerank models are widely used in search engines to rank candidate texts.",
    "Quantum computing is a frontier of computer science.",
    "A text model for reranking: pre-trained language models improved rerank quality.",
    "文本排序模型广泛用于搜索引擎和推荐系统中",
]


pytestmark = pytest.mark.usefixtures("official_sdk")  # pointed at the emulator (conftest)


def check_sdk_answer(response: Any, top_n: int, with_documents: bool) -> None:
    assert response.status_code == 200, response
    results = response.output.results
    assert len(results) == top_n
    scores = [r.relevance_score for r in results]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert {r.index for r in results} <= set(range(len(DOCS)))
    assert results[0].index in (0, 2)  # the two documents that share "text", "rerank", "model"
    # (the SDK's result objects are dicts: r.document is a class default, r["document"] the value)
    if with_documents:
        assert [r["document"]["text"] for r in results] == [DOCS[r.index] for r in results]
    else:
        assert all(r.get("document") is None for r in results)
    assert response.usage.total_tokens > 0 and response.request_id


@pytest.mark.parametrize(("top_n", "with_documents"), [(2, True), (None, False), (10, True)])
def test_official_sdk_text_rerank_call(
    emulator: Emulator, top_n: int | None, with_documents: bool
) -> None:
    response = TextReRank.call(
        model="gte-rerank-v2",
        query=QUERY,
        documents=DOCS,
        top_n=top_n,
        return_documents=with_documents,
        api_key=KEY,
    )
    # top_n absent or larger than the list: every document
    check_sdk_answer(response, min(top_n or len(DOCS), len(DOCS)), with_documents)
    assert emulator.requests[-1].path == "/api/v1/services/rerank/text-rerank/text-rerank"


async def test_official_sdk_aio_text_rerank_call(emulator: Emulator) -> None:
    from dashscope.api_entities.aio_session import close_shared_aio_session

    try:
        response = await AioTextReRank.call(
            model="qwen3-rerank",
            query=QUERY,
            documents=DOCS,
            top_n=3,
            return_documents=True,
            instruct="Given a web search query, retrieve relevant passages that answer the query.",
            api_key=KEY,
        )
    finally:  # the SDK keeps a shared aiohttp session per loop: close it before the loop closes
        await close_shared_aio_session()
    check_sdk_answer(response, 3, True)
    assert emulator.requests[-1].body["parameters"]["instruct"].startswith("Given a web")


def test_official_sdk_gets_the_error_of_an_unknown_model(emulator: Emulator) -> None:
    response = TextReRank.call(model="no-such-ranker", query="q", documents=["a"], api_key=KEY)
    assert response.status_code == 400 and response.code == "InvalidParameter"
    assert response.message == "Model not exist."


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "gte-rerank-v2", "input": {"query": "q", "documents": []}}, "documents should not be empty"),
        ({"model": "gte-rerank-v2", "input": {"query": "", "documents": ["a"]}}, "input.query"),
        ({"model": "qwen3-vl-rerank", "input": {"query": "q", "documents": ["a"] * 101}}, "not be larger than 100"),
        ({"model": "gte-rerank-v2", "input": {"query": "q", "documents": ["a"] * 501}}, "not be larger than 500"),
        ({"model": "gte-rerank-v2", "input": {"query": "q", "documents": ["word " * 3000] * 9}}, "[1, 30000]"),
        ({"model": "qwen3-vl-rerank", "input": {"query": "q", "documents": [{"image": "u"}] * 41}}, "image documents should not be larger than 40"),
        ({"model": "qwen3-vl-rerank", "input": {"query": "q", "documents": [{"video": "u"}] * 5}}, "video documents should not be larger than 4"),
        ({"model": "qwen-plus", "input": {"query": "q", "documents": ["a"]}}, "Model not exist."),
        ({"model": "rerank-v9", "input": {"query": "q", "documents": ["a"]}}, "Model not exist."),
    ],
)  # fmt: skip
def test_documented_errors_over_http(
    base_url: str, emulator: Emulator, body: dict[str, Any], message: str
) -> None:
    response = httpx.post(
        base_url + "/services/rerank/text-rerank/text-rerank",
        json=body,
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "InvalidParameter" and message in data["message"]
    assert data["request_id"] == response.headers["x-request-id"]


def test_vl_rerank_accepts_text_parts(base_url: str, emulator: Emulator) -> None:
    documents = [{"text": "a red square"}, {"image": "https://example.com/x.png"}]
    response = httpx.post(
        base_url + "/services/rerank/text-rerank/text-rerank",
        json={"model": "qwen3-vl-rerank", "input": {"query": "red square", "documents": documents}},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    results = response.json()["output"]["results"]
    assert [r["index"] for r in results] == [0, 1] and results[1]["relevance_score"] == 0


def test_lexical_scores_follow_shared_words() -> None:
    query = terms("Eiffel Tower in Paris")
    assert terms("The Eiffel towers, in PARIS!") == ["eiffel", "tower", "pari"]
    none, one, two, three = (
        pair_score(query, terms(text))
        for text in ("a river", "a tower", "the Eiffel tower", "the Eiffel tower in Paris")
    )
    assert none == 0 < one < two < three < 1
    # CJK: characters are the terms; function characters (的, 是 ...) do not count
    assert terms("什么是文本排序模型") == ["文", "本", "排", "序", "模", "型"]
    assert pair_score(terms("文本排序"), terms("文本排序模型广泛用于搜索")) > pair_score(
        terms("文本排序"), terms("量子计算是计算科学的一个前沿领域")
    )
    # a pair's score does not depend on the other documents of the request
    assert pair_score(query, terms("a tower")) == one
