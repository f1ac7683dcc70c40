"""Both frameworks' ``DashScopeRerank`` refuse bad input with ``RequestValidationError`` before
any request (the core's checks: an empty query, top_n < 1, a model that is not a rerank model,
instruct on a model without it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from langchain_core.documents import Document
from llama_index.core.schema import NodeWithScore, TextNode

import langchain_dashscope_models as lc
import llamaindex_dashscope_models as li
from dashscope_models import RequestValidationError

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
