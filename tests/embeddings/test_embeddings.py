"""Text embeddings over the emulator's real HTTP server: core client and both adapters."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from dashscope_models import (
    AuthenticationError,
    DashScopeClient,
    EmbeddingRequest,
    InternalServerError,
    RateLimitError,
    RequestValidationError,
)
from dashscope_models.emulator import Emulator, Fault
from langchain_dashscope_models import DashScopeEmbeddings
from llamaindex_dashscope_models import DashScopeEmbedding


@pytest.fixture
def client(base_url: str) -> DashScopeClient:
    return DashScopeClient(base_url=base_url, max_retries=2)


async def embed(
    client: DashScopeClient, request: EmbeddingRequest, sync: bool
) -> list[list[float]]:
    result = client.embed(request) if sync else await client.aembed(request)
    return result.embeddings


def texts(n: int) -> list[str]:
    return [f"document number {i}" for i in range(n)]


@pytest.mark.parametrize(
    ("n", "model", "batches"),
    [(1, "text-embedding-v4", 1), (25, "text-embedding-v4", 3), (100, "text-embedding-v2", 4)],
)
async def test_batched_and_in_input_order(
    client: DashScopeClient, emulator: Emulator, sync: bool, n: int, model: str, batches: int
) -> None:
    inputs = texts(n)
    vectors = await embed(client, EmbeddingRequest(model=model, texts=inputs), sync)
    assert len(vectors) == n
    sent = [r for r in emulator.requests if r.path.endswith("/text-embedding")]
    assert len(sent) == batches
    assert sorted(t for r in sent for t in r.body["input"]["texts"]) == sorted(inputs)
    # each vector is the one the emulator derives from its own text: the order is the input order
    single = {
        t: (await embed(client, EmbeddingRequest(model=model, texts=[t]), sync))[0]
        for t in inputs[:3] + inputs[-2:]
    }
    for i, text in enumerate(inputs):
        if text in single:
            assert vectors[i] == single[text]
    assert len({tuple(v) for v in vectors}) == n  # different texts differ
    assert all(abs(math.sqrt(sum(x * x for x in v)) - 1) < 0.2 for v in vectors)


async def test_dimension_and_text_type_are_sent(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    request = EmbeddingRequest(
        model="text-embedding-v4", texts=["hello"], dimension=256, text_type="query"
    )
    (vector,) = await embed(client, request, sync)
    assert len(vector) == 256
    assert emulator.requests[-1].body["parameters"] == {"text_type": "query", "dimension": 256}
    (default,) = await embed(
        client, EmbeddingRequest(model="text-embedding-v3", texts=["hello"]), sync
    )
    assert len(default) == 1024 and emulator.requests[-1].body["parameters"] == {}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"texts": []}, "empty"),
        ({"texts": ["ok", "  "]}, r"texts\[1\] is empty"),
        ({"texts": ["word " * 20000]}, "too long"),
        ({"texts": ["ok"], "dimension": 100}, "dimension 100"),
        ({"texts": ["ok"], "model": "qwen-plus"}, "not an embedding model"),
    ],
)
async def test_bad_input_fails_before_any_request(
    client: DashScopeClient, emulator: Emulator, sync: bool, kwargs: dict[str, object], match: str
) -> None:
    request = EmbeddingRequest(**{"model": "text-embedding-v4", **kwargs})  # type: ignore[arg-type]
    with pytest.raises(RequestValidationError, match=match):
        await embed(client, request, sync)
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("fault", "cls", "code"),
    [
        (Fault.http_error(401, "InvalidApiKey", "Invalid API-key provided."), AuthenticationError, "InvalidApiKey"),
        (Fault.server_error(times=3), InternalServerError, "InternalError"),
        (Fault.http_error(429, "Throttling.AllocationQuota", "Quota exceeded."), RateLimitError, "Throttling.AllocationQuota"),
    ],
)  # fmt: skip
async def test_typed_errors(
    base_url: str, emulator: Emulator, sync: bool, fault: Fault, cls: type[Exception], code: str
) -> None:
    client = DashScopeClient(base_url=base_url, max_retries=0)
    emulator.queue(fault)
    with pytest.raises(cls) as info:
        await embed(client, EmbeddingRequest(model="text-embedding-v4", texts=["x"]), sync)
    assert info.value.code == code and info.value.request_id  # type: ignore[attr-defined]


async def test_service_side_validation_is_typed(client: DashScopeClient, sync: bool) -> None:
    # A model id the catalog does not know passes our checks; the service rejects it.
    with pytest.raises(Exception, match="Model not exist") as info:
        await embed(client, EmbeddingRequest(model="text-embedding-v9", texts=["x"]), sync)
    assert info.value.status_code == 400  # type: ignore[attr-defined]


async def test_rate_limit_is_retried(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    emulator.queue(Fault.rate_limit(retry_after=0.01))
    vectors = await embed(client, EmbeddingRequest(model="text-embedding-v4", texts=texts(3)), sync)
    assert len(vectors) == 3 and len(emulator.requests) == 2


async def test_langchain_embeddings(emulator: Emulator, sync: bool) -> None:
    model = DashScopeEmbeddings(model="text-embedding-v3", dimension=512)
    docs = texts(12)
    vectors = model.embed_documents(docs) if sync else await model.aembed_documents(docs)
    assert len(vectors) == 12 and all(len(v) == 512 for v in vectors)
    assert {r.body["parameters"]["text_type"] for r in emulator.requests} == {"document"}
    query = model.embed_query("find") if sync else await model.aembed_query("find")
    assert len(query) == 512 and emulator.requests[-1].body["parameters"]["text_type"] == "query"
    assert model.embed_documents([]) == []
    assert "sk-" not in repr(model)


async def test_langchain_embeddings_raise_langchain_and_core_errors(
    emulator: Emulator, sync: bool
) -> None:
    from langchain_core.exceptions import ModelAuthenticationError

    model = DashScopeEmbeddings(max_retries=0)
    calls: list[Any] = (
        [lambda: model.embed_documents(["x"]), lambda: model.embed_query("x")]
        if sync
        else [lambda: model.aembed_documents(["x"]), lambda: model.aembed_query("x")]
    )
    for call in calls:
        emulator.queue(Fault.http_error(401, "InvalidApiKey", "Invalid API-key provided."))
        with pytest.raises(AuthenticationError) as info:
            result = call()
            if not sync:
                await result
        assert isinstance(info.value, ModelAuthenticationError)
        assert info.value.code == "InvalidApiKey" and info.value.request_id
        assert isinstance(info.value.__cause__, AuthenticationError)


async def test_llamaindex_embedding(emulator: Emulator, sync: bool) -> None:
    model = DashScopeEmbedding(model_name="text-embedding-v4", dimension=128)
    docs = texts(11)
    vectors = (
        model.get_text_embedding_batch(docs)
        if sync
        else await model.aget_text_embedding_batch(docs)
    )
    assert len(vectors) == 11 and all(len(v) == 128 for v in vectors)
    assert [len(r.body["input"]["texts"]) for r in emulator.requests] == [10, 1]
    assert {r.body["parameters"]["text_type"] for r in emulator.requests} == {"document"}
    query = model.get_query_embedding("find") if sync else await model.aget_query_embedding("find")
    assert len(query) == 128 and emulator.requests[-1].body["parameters"]["text_type"] == "query"
    dumped = model.to_dict()
    assert "api_key" not in dumped and "sk-" not in json.dumps(dumped) and "sk-" not in repr(model)
    again = DashScopeEmbedding.from_dict(dumped)
    assert again.model_name == "text-embedding-v4" and again.dimension == 128


async def test_a_misspelt_argument_is_warned_about_kept_and_sent(
    emulator: Emulator, sync: bool
) -> None:
    # As langchain-openai's OpenAIEmbeddings and our chat classes: not silently dropped.
    with pytest.warns(UserWarning, match="'dimensons' is not a parameter of DashScopeEmbeddings"
                      ) as warned:  # fmt: skip
        lc = DashScopeEmbeddings(dimensons=512)
    assert warned[0].filename == __file__  # the user's line, not ours or pydantic's
    assert lc.model_kwargs == {"dimensons": 512} and lc.dimension is None
    with pytest.warns(UserWarning, match="'dimensons' is not a parameter of DashScopeEmbedding"
                      ) as warned:  # fmt: skip
        li = DashScopeEmbedding(dimensons=512)
    assert warned[0].filename == __file__
    assert li.additional_kwargs == {"dimensons": 512} and li.dimension is None
    if sync:
        lc.embed_query("find")
        li.get_query_embedding("find")
    else:
        await lc.aembed_query("find")
        await li.aget_query_embedding("find")
    assert [r.body["parameters"] for r in emulator.requests] == [
        {"text_type": "query", "dimensons": 512}
    ] * 2
    # a dumped LlamaIndex embedding comes back without a warning (its class_name key)
    again = DashScopeEmbedding.from_dict(li.to_dict())
    assert again.additional_kwargs == {"dimensons": 512}
    # a field is not moved; extra_body's entries are parameters, without a warning
    assert DashScopeEmbeddings(dimension=512, extra_body={"x": 1}).model_kwargs == {"x": 1}


def test_dimensions_is_the_openai_classes_name_for_dimension() -> None:
    assert DashScopeEmbeddings(dimensions=64).dimension == 64  # OpenAIEmbeddings' name
    assert DashScopeEmbedding(dimensions=64).dimension == 64  # OpenAIEmbedding's name
    assert DashScopeEmbedding.from_dict(DashScopeEmbedding(dimension=8).to_dict()).dimension == 8
