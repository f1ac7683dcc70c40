"""LlamaIndex ``DashScopeRerank`` over the emulator's real HTTP server."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.callbacks import CallbackManager, LlamaDebugHandler
from llama_index.core.callbacks.schema import CBEventType
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.events.rerank import ReRankEndEvent, ReRankStartEvent
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import ImageNode, NodeWithScore, QueryBundle, TextNode

from dashscope_models import (
    AuthenticationError,
    ModelNotFoundError,
    RateLimitError,
    RequestValidationError,
)
from dashscope_models.emulator import Emulator, Fault
from llamaindex_dashscope_models import DashScopeEmbedding, DashScopeRerank, Qwen

PATH = "/services/rerank/text-rerank/text-rerank"
TEXTS = [
    "The Nile is the longest river in Africa.",
    "Paris is the capital of France.",
    "The Eiffel Tower in Paris was finished in 1889.",
    "Qwen models are built by Alibaba Cloud.",
]
QUERY = "When was the Eiffel Tower in Paris built?"


def nodes(texts: list[str] = TEXTS) -> list[NodeWithScore]:
    return [NodeWithScore(node=TextNode(text=t, id_=f"n{i}"), score=0.5) for i, t in enumerate(texts)]  # fmt: skip


async def postprocess(
    reranker: DashScopeRerank, items: list[NodeWithScore], query: str, sync: bool
) -> list[NodeWithScore]:
    if sync:
        return reranker.postprocess_nodes(items, query_str=query)
    return await reranker.apostprocess_nodes(items, query_str=query)


def rerank_bodies(emulator: Emulator) -> list[Any]:
    return [r.body for r in emulator.requests if r.path.endswith(PATH)]


class _Recorder(BaseEventHandler):
    events: list[BaseEvent]

    @classmethod
    def class_name(cls) -> str:
        return "Recorder"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        self.events.append(event)


@pytest.fixture
def recorded() -> Iterator[list[BaseEvent]]:
    recorder = _Recorder(events=[])
    root = get_dispatcher()
    root.add_event_handler(recorder)
    yield recorder.events
    root.event_handlers.remove(recorder)


async def test_scores_in_order_and_rerank_events(
    emulator: Emulator, sync: bool, recorded: list[BaseEvent]
) -> None:
    debug = LlamaDebugHandler()
    reranker = DashScopeRerank(top_n=2, callback_manager=CallbackManager([debug]))
    assert isinstance(reranker, BaseNodePostprocessor)
    ranked = await postprocess(reranker, nodes(), QUERY, sync)
    assert [n.node.node_id for n in ranked] == ["n2", "n1"]
    assert ranked[0].score is not None and ranked[1].score is not None
    assert 1 > ranked[0].score > ranked[1].score > 0
    (body,) = rerank_bodies(emulator)
    assert body["parameters"] == {"top_n": 2} and body["input"]["documents"] == TEXTS
    start = [e for e in recorded if isinstance(e, ReRankStartEvent)]
    end = [e for e in recorded if isinstance(e, ReRankEndEvent)]
    assert len(start) == len(end) == 1
    assert start[0].model_name == "gte-rerank-v2" and start[0].top_n == 2
    assert len(start[0].nodes) == 4 and [n.node.node_id for n in end[0].nodes] == ["n2", "n1"]
    assert len(debug.get_event_pairs(CBEventType.RERANKING)) == 1


async def test_split_above_the_document_limit(emulator: Emulator, sync: bool) -> None:
    texts = [f"doc {i} about rivers" for i in range(150)]
    texts[120] = "the Eiffel Tower in Paris"
    reranker = DashScopeRerank(model="qwen3-vl-rerank", top_n=None)
    ranked = await postprocess(reranker, nodes(texts), QUERY, sync)
    assert [len(b["input"]["documents"]) for b in rerank_bodies(emulator)] == [100, 50]
    assert len(ranked) == 150 and ranked[0].node.node_id == "n120"
    scores = [n.score for n in ranked]
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]


async def test_query_engine_with_the_reranker(emulator: Emulator) -> None:
    index = VectorStoreIndex.from_documents(
        [Document(text=t) for t in TEXTS], embed_model=DashScopeEmbedding(dimension=256)
    )
    engine = index.as_query_engine(
        llm=Qwen(), similarity_top_k=3, node_postprocessors=[DashScopeRerank(top_n=1)]
    )
    answer = await engine.aquery(QUERY)
    assert [n.node.get_content() for n in answer.source_nodes] == [TEXTS[2]]
    assert len(rerank_bodies(emulator)[0]["input"]["documents"]) == 3
    assert TEXTS[2] in str(emulator.requests[-1].body["input"]["messages"])


async def test_typed_errors_401_400_and_429_retried(emulator: Emulator, sync: bool) -> None:
    with pytest.raises(AuthenticationError) as auth:
        await postprocess(DashScopeRerank(api_key="sk-wrong"), nodes(), QUERY, sync)
    assert auth.value.status_code == 401 and len(emulator.requests) == 1
    with pytest.raises(ModelNotFoundError) as bad:
        await postprocess(DashScopeRerank(model="rerank-v0"), nodes(), QUERY, sync)
    assert bad.value.status_code == 400
    emulator.clear()
    emulator.queue(Fault.rate_limit(retry_after=0.01))
    ranked = await postprocess(DashScopeRerank(), nodes(), QUERY, sync)
    assert ranked[0].node.node_id == "n2" and len(emulator.requests) == 2
    emulator.queue(Fault.rate_limit(retry_after=0.01, times=3))
    with pytest.raises(RateLimitError):
        await postprocess(DashScopeRerank(max_retries=2), nodes(), QUERY, sync)


async def test_no_nodes_no_request_and_no_query_is_an_error(emulator: Emulator) -> None:
    reranker = DashScopeRerank(api_key="sk-secret-value")
    assert reranker.postprocess_nodes([], QueryBundle(QUERY)) == []
    assert await reranker.apostprocess_nodes([], query_str=QUERY) == []
    with pytest.raises(RequestValidationError, match="a query is needed"):
        reranker.postprocess_nodes(nodes())
    assert emulator.requests == []
    assert "sk-secret-value" not in repr(reranker) + str(reranker.to_dict())


async def test_image_nodes_are_ranked_by_their_image_on_vl_rerank(
    emulator: Emulator, sync: bool
) -> None:
    items = [
        *nodes(TEXTS[:2]),
        NodeWithScore(node=ImageNode(image_url="https://example.com/tower.png", text="a tower")),
        NodeWithScore(node=ImageNode(image="iVBORw0KGgo=", image_mimetype="image/png")),
    ]
    await postprocess(DashScopeRerank(model="qwen3-vl-rerank"), items, QUERY, sync)
    assert rerank_bodies(emulator)[-1]["input"]["documents"] == [
        *TEXTS[:2],
        {"image": "https://example.com/tower.png"},
        {"image": "data:image/png;base64,iVBORw0KGgo="},
    ]
    # an image node read from disk (SimpleDirectoryReader's form) is sent inline, never dropped
    red = Path(__file__).parents[1] / "data" / "red-square.png"
    local = [NodeWithScore(node=ImageNode(image_path=str(red), image_mimetype="image/png"))]
    await postprocess(DashScopeRerank(model="qwen3-vl-rerank"), local, QUERY, sync)
    sent = rerank_bodies(emulator)[-1]["input"]["documents"]
    assert sent == [
        {"image": "data:image/png;base64," + base64.b64encode(red.read_bytes()).decode()}
    ]
    # a text-only rerank model ranks an image node by its text
    await postprocess(DashScopeRerank(model="gte-rerank-v2"), items[:3], QUERY, sync)
    assert rerank_bodies(emulator)[-1]["input"]["documents"] == [*TEXTS[:2], "a tower"]


async def test_a_misspelt_argument_is_warned_about_kept_and_sent(
    emulator: Emulator, sync: bool
) -> None:
    # As the Qwen classes: an unknown argument is not silently dropped.
    with pytest.warns(UserWarning, match="'topn' is not a parameter of DashScopeRerank") as warned:
        reranker = DashScopeRerank(topn=1)
    assert warned[0].filename == __file__  # the user's line
    assert reranker.additional_kwargs == {"topn": 1} and reranker.top_n == 3
    await postprocess(reranker, nodes(), QUERY, sync)
    (body,) = rerank_bodies(emulator)
    assert body["parameters"] == {"top_n": 3, "topn": 1}
    assert DashScopeRerank.from_dict(reranker.to_dict()).additional_kwargs == {"topn": 1}
