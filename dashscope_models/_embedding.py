"""Text embeddings without I/O: the request type, checks, batching and answer reading.

A request with more texts than the model takes at once is cut into batches of the catalog's
``max_batch``; each batch is one HTTP request, and :func:`merge_batches` puts the vectors back
in input order. Empty texts and texts over the model's length limit are rejected before any
request (the length is estimated, see :func:`estimate_tokens`).

Example::

    request = EmbeddingRequest(model="text-embedding-v3", texts=["a", "b"], text_type="query")
    bodies = batch_bodies(request)  # [{"model": ..., "input": {"texts": [...]}, ...}]
    plan = embedding_plan(request)  # one call per batch; the call loop sends it (``_loop``)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from dashscope_models._catalog import ModelSpec, get_spec
from dashscope_models._endpoints import Call, Plan
from dashscope_models._errors import RequestValidationError, StreamError, error_from_body
from dashscope_models._reply import read_json

__all__ = [
    "EmbeddingRequest",
    "EmbeddingResult",
    "batch_bodies",
    "embedding_plan",
    "estimate_tokens",
    "merge_batches",
    "read_batch",
]

_DEFAULT_BATCH = 10  # for embedding model ids the catalog does not list


@dataclass(slots=True, kw_only=True)
class EmbeddingRequest:
    """Texts to embed with one model.

    ``text_type`` is ``"query"`` for search queries and ``"document"`` for the texts searched;
    ``dimension`` picks a vector size (v3/v4); ``None`` leaves the service default.

    Example: ``EmbeddingRequest(model="text-embedding-v4", texts=["hi"], dimension=256)``.
    """

    model: str
    texts: Sequence[str]
    text_type: Literal["query", "document"] | None = None
    dimension: int | None = None
    output_type: str | None = None
    extra_parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class EmbeddingResult:
    """One vector per input text, in input order; ``total_tokens`` summed over batches.

    Example: ``client.embed(EmbeddingRequest(model="text-embedding-v4", texts=t)).embeddings``
    """

    embeddings: list[list[float]]
    model: str
    total_tokens: int = 0
    request_ids: list[str] = field(default_factory=list)


def estimate_tokens(text: str) -> int:
    """A conservative token estimate: one per CJK character, one per 4 other characters."""
    wide = 0 if text.isascii() else sum(1 for ch in text if ord(ch) >= 0x2E80)
    return wide + math.ceil((len(text) - wide) / 4)


def _spec(model: str) -> ModelSpec:
    spec = get_spec(model)
    if spec.known and spec.endpoint != "text-embedding":
        raise RequestValidationError(
            f"{model} is not an embedding model; use e.g. text-embedding-v4", code="InvalidModel"
        )
    return spec


def _check(request: EmbeddingRequest, spec: ModelSpec) -> None:
    def fail(message: str) -> RequestValidationError:
        return RequestValidationError(message, code="InvalidParameter")

    if isinstance(request.texts, str):
        raise fail("texts must be a list of strings, not one string")
    if not request.texts:
        raise fail("texts is empty: give at least one text to embed")
    for i, text in enumerate(request.texts):
        if not isinstance(text, str) or not text.strip():
            raise fail(f"texts[{i}] is empty; the service cannot embed an empty text")
        if spec.max_text_tokens and estimate_tokens(text) > spec.max_text_tokens:
            raise fail(
                f"texts[{i}] is too long for {spec.name}: about {estimate_tokens(text)} tokens, "
                f"at most {spec.max_text_tokens}; split it into smaller chunks"
            )
    if request.text_type not in (None, "query", "document"):
        raise fail(f"text_type must be 'query' or 'document', not {request.text_type!r}")
    if (
        request.dimension is not None
        and spec.dimensions
        and request.dimension not in spec.dimensions
    ):
        sizes = ", ".join(map(str, spec.dimensions))
        raise fail(f"dimension {request.dimension} is not offered by {spec.name} (one of: {sizes})")


def batch_bodies(request: EmbeddingRequest) -> list[dict[str, Any]]:
    """Validate ``request``; one wire body per batch of at most ``max_batch`` texts."""
    spec = _spec(request.model)
    _check(request, spec)
    params: dict[str, Any] = {}
    if request.text_type is not None:
        params["text_type"] = request.text_type
    if request.dimension is not None:
        params["dimension"] = request.dimension
    if request.output_type is not None:
        params["output_type"] = request.output_type
    params.update(request.extra_parameters)
    size = spec.max_batch or _DEFAULT_BATCH
    texts = list(request.texts)
    return [
        {"model": request.model, "input": {"texts": texts[i : i + size]}, "parameters": params}
        for i in range(0, len(texts), size)
    ]


def read_batch(data: Any, expected: int) -> tuple[list[list[float]], int, str]:
    """Vectors of one batch answer (ordered by ``text_index``), its tokens and request id."""
    rows = (data.get("output") or {}).get("embeddings") if isinstance(data, dict) else None
    if not isinstance(rows, list) or len(rows) != expected:
        if isinstance(data, dict) and data.get("code"):  # an error body with status 200
            raise error_from_body(400, data)
        raise StreamError(
            f"the embedding answer has {len(rows) if isinstance(rows, list) else 'no'} vectors "
            f"for {expected} texts",
            code="MalformedResponse",
            status_code=200,
            request_id=data.get("request_id") if isinstance(data, dict) else None,
        )
    ordered = sorted(rows, key=lambda row: int(row.get("text_index", 0)))
    usage = data.get("usage") or {}
    return (
        [row["embedding"] for row in ordered],
        int(usage.get("total_tokens") or 0),
        str(data.get("request_id") or ""),
    )


def merge_batches(model: str, batches: list[tuple[list[list[float]], int, str]]) -> EmbeddingResult:
    """Join batch answers (already in input order) into one result."""
    result = EmbeddingResult(embeddings=[], model=model)
    for vectors, tokens, request_id in batches:
        result.embeddings.extend(vectors)
        result.total_tokens += tokens
        result.request_ids.append(request_id)
    return result


_Batch = tuple[list[list[float]], int, str]


def embedding_plan(request: EmbeddingRequest) -> Plan[_Batch, EmbeddingResult]:
    """Validate ``request``; the calls of its batches (``text-embedding``) and their merge."""
    calls = [
        Call("text-embedding", body, partial(_read, len(body["input"]["texts"])))
        for body in batch_bodies(request)
    ]
    return Plan(calls, partial(merge_batches, request.model))


def _read(expected: int, status: int, headers: Mapping[str, str], body: bytes) -> _Batch:
    return read_batch(read_json(status, headers, body), expected)
