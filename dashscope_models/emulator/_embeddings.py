"""The emulator's text-embedding endpoint: checks like the service, lexical vectors.

A text's vector is a hashed bag of its words, CJK characters and character trigrams
(:func:`~dashscope_models.emulator._lexical.lexical_vector`), of unit length, so cosine
similarity follows shared words and offline retrieval finds the document that shares the
query's words; equal texts give equal vectors, in every process. Answers are rendered straight
to JSON text (a vector is mostly zeros), which keeps the emulator fast enough for benchmarks
that embed thousands of texts.

Example::

    status, body = embedding_answer(
        {"model": "text-embedding-v4", "input": {"texts": ["hi"]}, "parameters": {}}, "req-1"
    )
    assert status == 200 and len(json.loads(body)["output"]["embeddings"][0]["embedding"]) == 1024
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dashscope_models._catalog import get_spec
from dashscope_models._embedding import estimate_tokens
from dashscope_models.emulator._lexical import lexical_vector
from dashscope_models.emulator._wire import error_body

__all__ = ["embedding_answer", "vector_for"]

_TEXT_TYPES = {"query", "document"}


@lru_cache(maxsize=64)
def _zeros(dimension: int) -> list[str]:
    return ["0.0"] * dimension


@lru_cache(maxsize=65536)
def vector_for(text: str, dimension: int) -> str:
    """The JSON array text of ``text``'s vector of length ``dimension``."""
    parts = _zeros(dimension).copy()  # copying and joining a list beats building runs of zeros
    for index, value in lexical_vector(text, dimension).items():
        parts[index] = f"{value:.6f}"
    return "[" + ",".join(parts) + "]"


def _check(body: Any) -> tuple[str, list[str], int] | str:
    """The model, texts and dimension of a valid request, or the service's error message."""
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        return "Required parameter(s) missing or invalid: model"
    spec = get_spec(body["model"])
    if not spec.known or spec.endpoint != "text-embedding":
        return "Model not exist."
    texts = (body.get("input") or {}).get("texts")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts:
        return "Input should not be none"
    if len(texts) > spec.max_batch:
        return f"batch size is invalid, it should not be larger than {spec.max_batch}."
    for text in texts:
        if not isinstance(text, str) or not text.strip():
            return "Input texts should not be empty"
        if estimate_tokens(text) > spec.max_text_tokens:
            return f"Range of input length should be [1, {spec.max_text_tokens}]"
    params = body.get("parameters") or {}
    if params.get("text_type", "document") not in _TEXT_TYPES:
        return "text_type should be one of query, document"
    dimension = params.get("dimension", spec.default_dimension)
    if dimension not in spec.dimensions:
        choices = ", ".join(map(str, spec.dimensions))
        return f"Value error, dimension should be one of [{choices}]"
    return body["model"], texts, int(dimension)


def embedding_answer(body: Any, request_id: str) -> tuple[int, bytes]:
    """Status and JSON body answering one text-embedding request."""
    checked = _check(body)
    if isinstance(checked, str):
        return 400, error_body("InvalidParameter", checked, request_id)
    _model, texts, dimension = checked
    rows = ",".join(
        f'{{"embedding":{vector_for(text, dimension)},"text_index":{i}}}'
        for i, text in enumerate(texts)
    )
    tokens = sum(estimate_tokens(t) for t in texts)
    text = (
        f'{{"output":{{"embeddings":[{rows}]}},"usage":{{"total_tokens":{tokens}}},'
        f'"request_id":"{request_id}"}}'
    )
    return 200, text.encode()
