"""``DashScopeAppQueryEngine``, plain and streamed, over HTTP against the emulator: a streamed
query answers as ``RetrieverQueryEngine(streaming=True)`` does (``StreamingResponse`` /
``AsyncStreamingResponse``, ``response_gen``, ``print_response_stream``, ``get_response``), its
``source_nodes`` and ``metadata`` filled as the app's answer arrives; errors are typed, before
the answer (from ``query``) and in the middle (from ``response_gen``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core.base.response.schema import (
    AsyncStreamingResponse,
    Response,
    StreamingResponse,
)
from llama_index.core.callbacks import CallbackManager, CBEventType, LlamaDebugHandler

from dashscope_models import InternalServerError, NotFoundError
from dashscope_models.emulator import App, AppDocument, EmulatorServer, Fault, start_emulator
from llamaindex_dashscope_models import DashScopeAppQueryEngine

DOCS = [
    AppDocument("The Nimbus heat pump heats a house of 150 m2. It costs 4000 EUR.", "Nimbus"),
    AppDocument("The Stratus boiler burns gas. Its price is 2500 EUR.", "Stratus"),
]
QUESTION = "What do the Nimbus heat pump and the Stratus boiler cost?"


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with start_emulator(apps=[App.rag("kb", DOCS), App.agent("bot")]) as running:
        yield running


def engine(server: EmulatorServer, app_id: str = "kb", **kwargs: Any) -> DashScopeAppQueryEngine:
    settings = {"base_url": server.base_url, "api_key": "sk-test", "max_retries": 0}
    return DashScopeAppQueryEngine(app_id=app_id, **settings, **kwargs)


def nodes(response: Any) -> list[tuple[str, float | None, dict[str, Any]]]:
    return [(n.node.node_id, n.score, n.node.metadata) for n in response.source_nodes]


def test_a_streamed_query_gives_the_plain_answer_piece_by_piece(server: EmulatorServer) -> None:
    plain = engine(server).query(QUESTION)
    response = engine(server, streaming=True).query(QUESTION)
    assert isinstance(response, StreamingResponse)
    # the retrieval step arrives with the first event: the sources are known before the text
    assert [title for _, _, meta in nodes(response) for title in [meta["title"]]] == [
        "Nimbus",
        "Stratus",
    ]
    pieces = list(response.response_gen)
    assert len(pieces) > 5 and "".join(pieces) == plain.response
    assert nodes(response) == nodes(plain)  # references (with their scores) once cited
    assert response.metadata is not None and plain.metadata is not None
    assert response.metadata["doc_references"] == plain.metadata["doc_references"]
    assert response.metadata["finish_reason"] == "stop" and response.metadata["session_id"]
    assert response.metadata["total_tokens"] == plain.metadata["total_tokens"]


def test_references_join_the_source_nodes_as_the_text_cites_them(server: EmulatorServer) -> None:
    response = engine(server, streaming=True, has_thoughts=False).query(QUESTION)
    assert isinstance(response, StreamingResponse)
    assert response.source_nodes == []  # no retrieval step asked for, nothing cited yet
    counts = [len(response.source_nodes) for _ in response.response_gen]
    assert counts[0] == 0 and counts[-1] == 2 and 1 in counts  # one reference, then both
    assert [meta["title"] for _, _, meta in nodes(response)] == ["Nimbus", "Stratus"]
    assert all(score is None for _, score, _ in nodes(response))  # scores need has_thoughts


def test_print_response_stream_and_get_response(
    server: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    response = engine(server, streaming=True).query(QUESTION)
    assert isinstance(response, StreamingResponse)
    response.print_response_stream()
    printed = capsys.readouterr().out
    assert "Stratus boiler" in printed and "<ref>[2]</ref>" in printed
    whole = response.get_response()
    assert isinstance(whole, Response) and whole.response == printed
    assert [n.node.metadata["doc_id"] for n in whole.source_nodes] == ["doc_1", "doc_2"]
    assert str(engine(server, streaming=True).query(QUESTION)) == printed


def test_an_async_streamed_query(server: EmulatorServer) -> None:
    async def run() -> tuple[Any, list[str], Response, Response]:
        streamed = engine(server, streaming=True)
        response = await streamed.aquery(QUESTION)
        pieces = [text async for text in response.async_response_gen()]
        again = await (await streamed.aquery(QUESTION)).get_response()
        plain = await engine(server).aquery(QUESTION)
        assert isinstance(plain, Response)
        return response, pieces, again, plain

    response, pieces, again, plain = asyncio.run(run())
    assert isinstance(response, AsyncStreamingResponse)
    assert "".join(pieces) == plain.response == again.response
    assert nodes(response) == nodes(plain) == nodes(again)
    assert response.metadata is not None and response.metadata["doc_references"]


def test_an_error_in_the_middle_is_raised_by_the_generator(server: EmulatorServer) -> None:
    server.emulator.queue(Fault.error_event(after=3))
    response = engine(server, streaming=True).query(QUESTION)
    assert isinstance(response, StreamingResponse)
    got: list[str] = []
    with pytest.raises(InternalServerError) as raised:
        for text in response.response_gen:
            got.append(text)
    assert len(got) == 3 and raised.value.status_code == 500 and raised.value.request_id

    async def run() -> list[str]:
        server.emulator.queue(Fault.error_event(after=2))
        response = await engine(server, streaming=True).aquery(QUESTION)
        assert isinstance(response, AsyncStreamingResponse)
        seen: list[str] = []
        with pytest.raises(InternalServerError):
            async for text in response.async_response_gen():
                seen.append(text)
        return seen

    assert len(asyncio.run(run())) == 2


def test_an_error_before_the_answer_is_raised_by_query(server: EmulatorServer) -> None:
    with pytest.raises(NotFoundError):
        engine(server, "no-such-app", streaming=True).query(QUESTION)

    async def run() -> None:
        await engine(server, "no-such-app", streaming=True).aquery(QUESTION)

    with pytest.raises(NotFoundError):
        asyncio.run(run())


def test_a_streamed_session_continues(server: EmulatorServer) -> None:
    streamed = engine(server, "bot", streaming=True, conversation="session")
    first = streamed.query("my name is Ada")
    assert isinstance(first, StreamingResponse) and streamed.app.session_id is None
    first.get_response()  # the session id is kept once the answer is complete
    assert first.metadata is not None and streamed.app.session_id == first.metadata["session_id"]
    second = streamed.query("what is my name?")
    assert "my name is Ada" in str(second)
    assert server.emulator.requests[-1].body["input"]["session_id"] == streamed.app.session_id


def test_callbacks_see_the_query(server: EmulatorServer) -> None:
    handler = LlamaDebugHandler()
    streamed = engine(server, streaming=True, callback_manager=CallbackManager([handler]))
    response = streamed.query(QUESTION)
    [(_start, end)] = handler.get_event_pairs(CBEventType.QUERY)
    assert end.payload is not None and end.payload["response"] is response
