"""``DashScopeApp`` and ``DashScopeAppQueryEngine``: the eight LLM methods, both conversation
modes, citation blocks and source nodes (in process, on the emulator)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, CitationBlock, TextBlock

from dashscope_models import RequestValidationError
from dashscope_models.emulator import App, AppDocument, Emulator, EmulatorTransport
from llamaindex_dashscope_models import DashScopeApp, DashScopeAppQueryEngine

DOCS = [AppDocument("The Nimbus costs 4000 EUR.", "Nimbus"),
        AppDocument("The Stratus costs 2500 EUR.", "Stratus")]  # fmt: skip


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(apps=[App.rag("kb", DOCS), App.agent("bot")])


def app(emulator: Emulator, **fields: Any) -> DashScopeApp:
    model = DashScopeApp(api_key="sk-test", base_url="http://emulator/api/v1", **fields)
    model.client._calls.sender._transport = EmulatorTransport(emulator)
    return model


def sent(emulator: Emulator) -> Any:
    last = emulator.last_request
    assert last is not None
    return last.body


def test_chat_answers_with_citation_blocks_after_the_text(emulator: Emulator) -> None:
    response = app(emulator, app_id="kb").chat([ChatMessage(role="user", content="Nimbus price")])
    text, *cited = response.message.blocks
    assert isinstance(text, TextBlock) and "4000 EUR" in text.text
    assert cited and all(isinstance(b, CitationBlock) for b in cited)
    first = cited[0]
    assert isinstance(first, CitationBlock) and first.title == "Nimbus" and first.source == "doc_1"
    span = first.additional_location_info
    assert text.text[span["start_index"] : span["end_index"]] == "<ref>[1]</ref>"
    assert response.message.content == text.text  # citations are not content
    assert response.additional_kwargs["doc_references"][0]["title"] == "Nimbus"


def test_messages_mode_sends_the_history(emulator: Emulator) -> None:
    model = app(emulator, app_id="bot")
    model.chat([ChatMessage(role="user", content="one"), ChatMessage(role="assistant", content="ok"),
                ChatMessage(role="user", content="two")])  # fmt: skip
    assert [m["role"] for m in sent(emulator)["input"]["messages"]] == ["user", "assistant", "user"]


def test_the_answer_goes_back_into_the_history(emulator: Emulator) -> None:
    model = app(emulator, app_id="kb")
    first = model.chat([ChatMessage(role="user", content="Nimbus price")]).message
    model.chat([ChatMessage(role="user", content="Nimbus price"), first,
                ChatMessage(role="user", content="and Stratus?")])  # fmt: skip
    history = sent(emulator)["input"]["messages"]
    assert history[1] == {"role": "assistant", "content": first.content}


def test_session_mode_complete_and_streams_keep_the_session(emulator: Emulator) -> None:
    model = app(emulator, app_id="bot", conversation="session", has_thoughts=True)
    first = model.complete("hello")
    session = first.additional_kwargs["session_id"]
    assert model.session_id == session
    streamed = list(model.stream_complete("again"))
    assert sent(emulator)["input"] == {"prompt": "again", "session_id": session}
    assert streamed[-1].text == "".join(r.delta or "" for r in streamed)
    assert "'hello'" in streamed[-1].text

    async def run() -> tuple[str, str]:
        chat = [r async for r in await model.astream_chat([ChatMessage(role="user", content="x")])]
        done = await model.acomplete("y")
        return str(chat[-1].message.content), done.text

    chat, done = asyncio.run(run())
    assert "'again'" in chat and "'x'" in done


def test_session_mode_needs_a_last_user_message(emulator: Emulator) -> None:
    model = app(emulator, app_id="bot", conversation="session")
    with pytest.raises(RequestValidationError):
        model.chat([ChatMessage(role="assistant", content="hi")])
    assert emulator.requests == []


def test_the_query_engine_gives_scored_source_nodes(emulator: Emulator) -> None:
    engine = DashScopeAppQueryEngine(
        app_id="kb", api_key="sk-test", base_url="http://emulator/api/v1"
    )
    engine.app.client._calls.sender._transport = EmulatorTransport(emulator)
    response = engine.query("Stratus price")
    assert sent(emulator)["parameters"]["has_thoughts"] is True
    [top, *_] = response.source_nodes
    assert top.node.metadata == {"title": "Stratus", "index": 1, "web": False, "doc_id": "doc_2",
                                 "doc_name": "Stratus"}  # fmt: skip
    assert top.score is not None and top.score > 0 and "2500" in top.node.get_content()
    assert response.metadata is not None and response.metadata["thoughts"]
    assert str(response) == response.response


def test_an_unknown_argument_is_sent_with_a_warning(emulator: Emulator) -> None:
    with pytest.warns(UserWarning, match="rag_option"):
        model = app(emulator, app_id="bot", rag_option={"tags": ["x"]})
    model.complete("hi")
    assert sent(emulator)["parameters"]["rag_option"] == {"tags": ["x"]}
