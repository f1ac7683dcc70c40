"""The emulator's text-rerank endpoint: the documented shapes and errors, lexical scores.

Each document is scored against the query on its own (:func:`pair_score`: BM25-like over
words and CJK characters, in [0, 1)), so documents sharing more of the query rank higher, and
a call split into several requests ranks exactly as one request would. The answer follows the
protocol reference, section 12.2: ``output.results[{index, relevance_score, document?}]``
sorted by descending score, at most ``top_n`` (absent or larger than the list: all),
``document: {"text": ...}`` only when ``return_documents`` is true, ``usage.total_tokens``.

Example::

    status, body = rerank_answer({"model": "gte-rerank-v2", "input": {"query": "tower",
                                  "documents": ["a river", "a tall tower"]}}, "req-1")
    json.loads(body)["output"]["results"][0]["index"]  # 1
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from dashscope_models._catalog import get_spec
from dashscope_models._embedding import estimate_tokens
from dashscope_models.emulator._lexical import pair_score, terms
from dashscope_models.emulator._wire import error_body

__all__ = ["rerank_answer"]


def _text(document: Any) -> str | None:
    """A document's text: a string, or qwen3-vl-rerank's ``{"text": ...}`` (an image or video
    part has no words to match: empty text)."""
    if isinstance(document, str):
        return document
    if isinstance(document, dict):
        text = document.get("text", "")
        return text if isinstance(text, str) else None
    return None


def _kind(document: Any) -> str:
    return next(iter(document), "text") if isinstance(document, dict) else "text"


def _check(body: Any) -> tuple[str, list[str], list[Any]] | str:
    """The query's text, the documents' texts and the documents of a valid request, or the
    error message.

    Messages: "Model not exist." and "Required parameter(s) missing or invalid" are the
    service's (reference section 10, error table); the limits are the catalog's (Alibaba Cloud's
    text-rerank page); the texts of the limit errors are not documented [INF].
    """
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        return "Required parameter(s) missing or invalid, please check the request parameters."
    spec = get_spec(body["model"])
    if spec.endpoint != "text-rerank":  # catalog rows, their aliases and the rerank rule
        return "Model not exist."
    data = body.get("input")
    raw_query = data.get("query") if isinstance(data, dict) else None
    documents = data.get("documents") if isinstance(data, dict) else None
    query = _text(raw_query)  # an image or video query has no words: ""
    if query is None or (not query and _kind(raw_query) == "text"):
        return "Required parameter(s) missing or invalid: input.query"
    if not isinstance(documents, list) or not documents:
        return "Required parameter(s) missing or invalid: input.documents should not be empty"
    if len(documents) > spec.max_batch:
        return f"The number of documents should not be larger than {spec.max_batch}."
    kinds = Counter(map(_kind, documents))
    for kind, cap in spec.media_batch.items():  # qwen3-vl-rerank: image 40, video 4 (catalog)
        if kinds[kind] > cap:
            return f"The number of {kind} documents should not be larger than {cap}."
    texts = [_text(d) for d in documents]
    if any(t is None for t in texts):
        return "Required parameter(s) missing or invalid: input.documents"
    checked = [t for t in texts if t is not None]
    # "Query Tokens x Number of documents + Total document tokens" must not exceed the
    # per-request limit (Alibaba Cloud's text-rerank page); longer single items are truncated
    # by the service, not refused, so they are not checked here.
    tokens = estimate_tokens(query) * len(checked) + sum(map(estimate_tokens, checked))
    if tokens > spec.max_input_tokens:
        return f"Range of input length should be [1, {spec.max_input_tokens}]"
    return query, checked, documents


def rerank_answer(body: Any, request_id: str) -> tuple[int, bytes]:
    """Status and JSON body answering one text-rerank request."""
    checked = _check(body)
    if isinstance(checked, str):
        return 400, error_body("InvalidParameter", checked, request_id)
    query, texts, documents = checked
    params = body.get("parameters") or {}
    wanted = terms(query)
    scores = [pair_score(wanted, terms(text)) for text in texts]
    order = sorted(range(len(texts)), key=lambda i: (-scores[i], i))
    top_n = params.get("top_n")
    # top_n absent or larger than the list: all (reference 12.2). A value below 1 has no
    # documented answer: treated as absent [INF].
    if isinstance(top_n, int) and not isinstance(top_n, bool) and top_n >= 1:
        order = order[:top_n]
    with_text = params.get("return_documents") is True
    results = []
    for i in order:
        row: dict[str, Any] = {"index": i, "relevance_score": round(scores[i], 6)}
        if with_text:  # a text as {"text": ...}, a media part as sent
            document = documents[i]
            row["document"] = document if isinstance(document, dict) else {"text": document}
        results.append(row)
    tokens = estimate_tokens(query) * len(texts) + sum(map(estimate_tokens, texts))
    answer = {
        "output": {"results": results},
        "usage": {"total_tokens": tokens},
        "request_id": request_id,
    }
    return 200, json.dumps(answer, ensure_ascii=False).encode()
