"""Text rerank without I/O: the request type, checks, splitting and answer merging.

A rerank request scores each document against the query (``POST
/services/rerank/text-rerank/text-rerank``; body ``model``, ``input: {query, documents}``,
``parameters: {top_n, return_documents, instruct}``, as the official SDK's
``dashscope.TextReRank`` sends it). The catalog gives each rerank model its limits: documents
per request (``max_batch``), tokens per query or document (``max_text_tokens``) and tokens per
request (``max_input_tokens``: query tokens x documents + document tokens), and whether it takes
``instruct``. Everything is checked before any request. A call with more documents than one
request takes is split; each pair is scored on its own, so the batches' answers are merged by
score into one ranking (``index`` always refers to the caller's list). A model that ranks media
(qwen3-vl-rerank) also takes ``{"image": url or data URI}`` and ``{"video": url}`` parts as
query or documents, within its per-kind limits (``media_batch``).

Example::

    request = RerankRequest(model="gte-rerank-v2", query="what is DashScope?",
                            documents=["DashScope is a model service.", "Qwen is a model."])
    batches = rerank_batches(request)       # [(0, {"model": ..., "input": {...}, ...})]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from dashscope_models._catalog import ModelSpec, get_spec
from dashscope_models._embedding import estimate_tokens
from dashscope_models._endpoints import Call, Plan
from dashscope_models._errors import RequestValidationError, StreamError
from dashscope_models._parse import require_output
from dashscope_models._reply import read_json

__all__ = [
    "RerankBatch",
    "RerankDocument",
    "RerankHit",
    "RerankRequest",
    "RerankResult",
    "merge_reranks",
    "read_rerank",
    "rerank_batches",
    "rerank_plan",
]

# For a rerank model id the catalog does not list: the smallest documented per-request limit
# (qwen3-vl-rerank's 100 text documents, see catalog.toml), so a split never asks too much.
_DEFAULT_DOCUMENTS = 100
_DEFAULT_MEDIA = {"image": 40, "video": 4}  # the same for media (qwen3-vl-rerank's, catalog.toml)

RerankDocument = str | dict[str, str]
"""A text, or one part: ``{"text": ...}``, ``{"image": url or data URI}``, ``{"video": url}``
(images and videos: qwen3-vl-rerank)."""


@dataclass(slots=True, kw_only=True)
class RerankRequest:
    """Documents to rank against a query with one rerank model.

    ``top_n``: how many of the best to return (``None``: all); ``return_documents``: the
    service echoes each document's text; ``instruct``: a task instruction (qwen3-rerank).

    Example: ``RerankRequest(model="qwen3-rerank", query="q", documents=["a", "b"], top_n=1)``.
    """

    model: str
    query: RerankDocument
    documents: Sequence[RerankDocument]
    top_n: int | None = None
    return_documents: bool | None = None
    instruct: str | None = None
    extra_parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RerankHit:
    """One ranked document: its position in the request's list, its score, its text when the
    service returned it (``return_documents=True``).

    Example: ``hit.index, hit.relevance_score, hit.document``.
    """

    index: int
    relevance_score: float
    document: RerankDocument | None = None


@dataclass(slots=True)
class RerankResult:
    """The ranking, best first (at most ``top_n``); ``total_tokens`` summed over requests.

    Example: ``[h.index for h in client.rerank(request).results]``
    """

    results: list[RerankHit]
    model: str
    total_tokens: int = 0
    request_ids: list[str] = field(default_factory=list)


RerankBatch = tuple[int, dict[str, Any]]
"""``(offset of the batch's first document in the request, wire body)``."""


def _fail(message: str, code: str = "InvalidParameter") -> RequestValidationError:
    return RequestValidationError(message, code=code)


def _spec(model: str) -> ModelSpec:
    spec = get_spec(model)
    if spec.resolved_by != "generic" and spec.endpoint != "text-rerank":  # a row or a rule says
        raise _fail(f"{model} is not a rerank model; use e.g. gte-rerank-v2", "InvalidModel")
    return spec


def _part(item: Any, what: str, spec: ModelSpec) -> tuple[str, str]:
    """The kind (text, image, video) and value of a query or document; raise for a bad one."""
    if isinstance(item, str):
        return "text", item
    if isinstance(item, dict) and len(item) == 1:
        ((kind, value),) = item.items()
        if kind in ("text", "image", "video") and isinstance(value, str):
            if kind != "text" and spec.known and not spec.vision:
                raise _fail(f"{what} is an {kind}: {spec.name} ranks text (qwen3-vl-rerank: media)")
            return kind, value
    raise _fail(f"{what} must be a string or one text/image/video part, not {item!r:.80}")


def _check(request: RerankRequest, spec: ModelSpec) -> tuple[int, list[int], list[str]]:
    """Raise on bad input; the query's and each document's estimated tokens, and the kinds."""
    kind, value = _part(request.query, "query", spec)
    if not value.strip():
        raise _fail("query is empty: give the text to rank the documents against")
    documents = request.documents
    if isinstance(documents, str):
        raise _fail("documents must be a list of strings, not one string")
    if not documents:
        raise _fail("documents is empty: give at least one document to rank")
    top_n = request.top_n
    if top_n is not None and (isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1):
        raise _fail(f"top_n must be an integer of at least 1, not {top_n!r}")
    if request.instruct is not None and spec.known and not spec.instruct:
        raise _fail(f"{spec.name} does not take instruct (qwen3-rerank does)")
    limit = spec.max_text_tokens
    query_tokens = estimate_tokens(value) if kind == "text" else 0
    if limit and query_tokens > limit:
        raise _fail(
            f"query is too long for {spec.name}: about {query_tokens} tokens, at most {limit}"
        )
    tokens, kinds = [], []
    for i, document in enumerate(documents):
        kind, value = _part(document, f"documents[{i}]", spec)
        n = estimate_tokens(value) if kind == "text" else 0  # media: no documented count
        if limit and n > limit:
            raise _fail(
                f"documents[{i}] is too long for {spec.name}: about {n} tokens, at most {limit} "
                "(the service would cut it); split it into smaller chunks"
            )
        tokens.append(n)
        kinds.append(kind)
    return query_tokens, tokens, kinds


def _cuts(spec: ModelSpec, query_tokens: int, tokens: list[int], kinds: list[str]) -> list[int]:
    """Start offsets of the batches: at most ``max_batch`` documents each (and of images and
    videos, ``media_batch``) and, for a listed model, at most ``max_input_tokens`` of query x
    documents + documents."""
    size = spec.max_batch or _DEFAULT_DOCUMENTS
    caps = spec.media_batch if spec.known else _DEFAULT_MEDIA
    budget = spec.max_input_tokens if spec.known else 0
    cuts, counts, used = [0], Counter[str](), 0
    for i, (n, kind) in enumerate(zip(tokens, kinds, strict=True)):
        cost = query_tokens + n
        full = counts.total() == size or counts[kind] == caps.get(kind, size)
        if counts and (full or (budget and used + cost > budget)):
            cuts.append(i)
            counts.clear()
            used = 0
        counts[kind] += 1
        used += cost
    return cuts


def rerank_batches(request: RerankRequest) -> list[RerankBatch]:
    """Validate ``request``; one ``(offset, wire body)`` per request to send."""
    spec = _spec(request.model)
    query_tokens, tokens, kinds = _check(request, spec)
    documents = list(request.documents)
    cuts = _cuts(spec, query_tokens, tokens, kinds)
    batches: list[RerankBatch] = []
    for start, end in zip(cuts, [*cuts[1:], len(documents)], strict=True):
        params: dict[str, Any] = {}
        if request.top_n is not None:  # a batch need return no more than it holds
            params["top_n"] = request.top_n if len(cuts) == 1 else min(request.top_n, end - start)
        if request.return_documents is not None:
            params["return_documents"] = request.return_documents
        if request.instruct is not None:
            params["instruct"] = request.instruct
        params.update(request.extra_parameters)
        body = {
            "model": request.model,
            "input": {"query": request.query, "documents": documents[start:end]},
            "parameters": params,
        }
        batches.append((start, body))
    return batches


def read_rerank(data: Any, offset: int, count: int) -> tuple[list[RerankHit], int, str]:
    """One answer's hits (indices shifted by ``offset``), its tokens and its request id;
    ``count`` is how many documents the request sent (every index must point at one)."""
    rows = require_output(data).get("results")
    hits = []
    for row in rows if isinstance(rows, list) else [None]:
        try:
            index, score = int(row["index"]), float(row["relevance_score"])  # type: ignore[index]
            if not 0 <= index < count:
                raise ValueError(index)
        except (TypeError, KeyError, ValueError):
            raise StreamError(
                f"the rerank answer is not a list of results for {count} documents: "
                f"{repr(data)[:200]}",
                code="MalformedResponse",
                status_code=200,
                request_id=data.get("request_id"),
            ) from None
        document = row.get("document")  # type: ignore[union-attr]
        if isinstance(document, dict) and isinstance(document.get("text"), str):
            document = document["text"]  # a text comes back as {"text": ...}; media as sent
        elif not isinstance(document, str | dict):
            document = None
        hits.append(RerankHit(index + offset, score, document))
    usage = data.get("usage") or {}
    return hits, int(usage.get("total_tokens") or 0), str(data.get("request_id") or "")


def merge_reranks(
    request: RerankRequest, answers: list[tuple[list[RerankHit], int, str]]
) -> RerankResult:
    """One ranking from the batches' answers: best score first (ties: input order), at most
    ``top_n``."""
    result = RerankResult(results=[], model=request.model)
    for hits, tokens, request_id in answers:
        result.results.extend(hits)
        result.total_tokens += tokens
        result.request_ids.append(request_id)
    if len(answers) > 1:
        result.results.sort(key=lambda hit: (-hit.relevance_score, hit.index))
    if request.top_n is not None:
        del result.results[request.top_n :]
    return result


_Hits = tuple[list[RerankHit], int, str]


def rerank_plan(request: RerankRequest) -> Plan[_Hits, RerankResult]:
    """Validate ``request``; the calls of its batches (``text-rerank``) and their merge."""
    calls = [
        Call("text-rerank", body, partial(_read, offset, len(body["input"]["documents"])))
        for offset, body in rerank_batches(request)
    ]
    return Plan(calls, partial(merge_reranks, request))


def _read(offset: int, count: int, status: int, headers: Mapping[str, str], body: bytes) -> _Hits:
    return read_rerank(read_json(status, headers, body), offset, count)
