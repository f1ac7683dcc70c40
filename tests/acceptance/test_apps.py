"""Model Studio applications over HTTP against the emulator, in both frameworks.

Sessions (a second turn with the returned ``session_id`` is answered in the context of the
first, sync and async), citations (a RAG app's references as LangChain citation annotations and
LlamaIndex ``source_nodes``/``CitationBlock``; a web search's results likewise), bad input (a
typed error, zero requests) and an unknown app id (a typed not-found error).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from llama_index.core.base.llms.types import ChatMessage, CitationBlock

from dashscope_models import AppRequest, DashScopeClient, NotFoundError, RequestValidationError
from dashscope_models.emulator import App, AppDocument, EmulatorServer, start_emulator
from langchain_dashscope_models import ChatDashScopeApp, ChatQwen, DashScopeNotFoundError
from llamaindex_dashscope_models import DashScopeApp, DashScopeAppQueryEngine, Qwen

DOCS = [
    AppDocument("The Nimbus heat pump heats a house of 150 m2. It costs 4000 EUR.", "Nimbus"),
    AppDocument("The Stratus boiler burns gas. Its price is 2500 EUR.", "Stratus"),
    AppDocument("Cirrus is a solar panel kit for balconies.", "Cirrus"),
]
FIRST = "Tell me about the Nimbus heat pump"
EARLIER = f"Earlier in this conversation you said: '{FIRST}'"


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    apps = [App.rag("kb", DOCS), App.workflow("wf", "{sourceCode}"), App.agent("bot"),
            App.rag("kb-web", DOCS, web_search=True)]  # fmt: skip
    with start_emulator(apps=apps) as running:
        yield running


def settings(server: EmulatorServer) -> dict[str, Any]:
    return {"base_url": server.base_url, "api_key": "sk-test", "max_retries": 0}


# -- sessions ------------------------------------------------------------------------------------


def test_langchain_second_turn_by_session_is_answered_in_context(server: EmulatorServer) -> None:
    app = ChatDashScopeApp(app_id="kb", conversation="session", **settings(server))
    first = app.invoke(FIRST)
    session = first.response_metadata["session_id"]
    assert app.session_id == session and EARLIER not in str(first.content)
    second = app.invoke("What does it cost?")
    assert second.response_metadata["session_id"] == session
    assert EARLIER in str(second.content) and "4000 EUR" in str(second.content)
    fresh = ChatDashScopeApp(app_id="kb", **settings(server)).invoke("What does it cost?")
    assert "Earlier" not in str(fresh.content)  # no session: no context


def test_langchain_async_second_turn_by_per_call_session(server: EmulatorServer) -> None:
    app = ChatDashScopeApp(app_id="kb", conversation="session", **settings(server))

    async def turns() -> tuple[AIMessage, AIMessage]:
        first = await app.ainvoke(FIRST, session_id=None)
        session = first.response_metadata["session_id"]
        second = await app.ainvoke("What does it cost?", session_id=session)
        return first, second

    first, second = asyncio.run(turns())
    assert second.response_metadata["session_id"] == first.response_metadata["session_id"]
    assert EARLIER in str(second.content)


def test_langchain_history_as_messages_is_the_context(server: EmulatorServer) -> None:
    app = ChatDashScopeApp(app_id="kb", **settings(server))  # conversation="messages"
    first = app.invoke(FIRST)
    second = app.invoke([HumanMessage(FIRST), first, HumanMessage("What does it cost?")])
    assert EARLIER in str(second.content)
    body = server.emulator.requests[-1].body
    assert [m["role"] for m in body["input"]["messages"]] == ["user", "assistant", "user"]
    assert "session_id" not in body["input"]


def test_langchain_stream_keeps_the_session(server: EmulatorServer) -> None:
    app = ChatDashScopeApp(app_id="bot", conversation="session", **settings(server))
    "".join(str(c.content) for c in app.stream("hello"))
    text = "".join(str(c.content) for c in app.stream("again"))
    assert "Earlier in this conversation you said: 'hello'" in text


def test_llamaindex_second_turn_by_session_sync_and_async(server: EmulatorServer) -> None:
    app = DashScopeApp(app_id="kb", conversation="session", **settings(server))
    first = app.chat([ChatMessage(role="user", content=FIRST)])
    second = app.complete("What does it cost?")
    assert second.additional_kwargs["session_id"] == first.additional_kwargs["session_id"]
    assert EARLIER in second.text

    other = DashScopeApp(app_id="kb", conversation="session", **settings(server))

    async def turns() -> str:
        await other.achat([ChatMessage(role="user", content=FIRST)])
        response = await other.astream_chat([ChatMessage(role="user", content="Its price?")])
        responses = [r async for r in response]
        return str(responses[-1].message.content)

    assert EARLIER in asyncio.run(turns())


# -- citations -----------------------------------------------------------------------------------


def test_rag_references_are_langchain_citation_annotations(server: EmulatorServer) -> None:
    app = ChatDashScopeApp(app_id="kb", has_thoughts=True, **settings(server))
    message = app.invoke("How much does the Nimbus heat pump cost?")
    text = str(message.content)
    [block] = [b for b in message.content_blocks if b["type"] == "text"]
    annotations: list[Any] = block.get("annotations") or []
    assert annotations and all(a["type"] == "citation" for a in annotations)
    first = annotations[0]
    assert first["title"] == "Nimbus" and "4000 EUR" in first["cited_text"]
    assert text[first["start_index"] : first["end_index"]] == "<ref>[1]</ref>"
    assert first["extras"]["score"] > 0 and first["extras"]["doc_id"] == "doc_1"
    refs = message.response_metadata["doc_references"]
    assert [a["extras"]["index"] for a in annotations] == [int(r["index_id"]) for r in refs]


def test_rag_references_are_llamaindex_source_nodes(server: EmulatorServer) -> None:
    engine = DashScopeAppQueryEngine(app_id="kb", **settings(server))
    response = engine.query("How much does the Nimbus heat pump cost?")
    assert response.source_nodes
    top = response.source_nodes[0]
    assert top.node.metadata["title"] == "Nimbus" and "4000 EUR" in top.node.get_content()
    assert top.score is not None and top.score > 0
    assert response.metadata is not None and response.metadata["session_id"]
    answer = asyncio.run(engine.aquery("Stratus boiler price"))
    assert answer.source_nodes[0].node.metadata["title"] == "Stratus"  # type: ignore[union-attr]


def test_web_search_results_are_citations_in_both_frameworks(server: EmulatorServer) -> None:
    options = {"enable_search": True, "search_options": {"enable_source": True}}
    message = ChatQwen(**settings(server), **options).invoke("Nimbus heat pump")
    [block] = [b for b in message.content_blocks if b["type"] == "text"]
    [citation] = block.get("annotations") or []
    result = message.response_metadata["search_info"]["search_results"][0]
    assert citation["url"] == result["url"] and citation["extras"]["web"] is True
    response = Qwen(**settings(server), **options).chat([ChatMessage(role="user", content="hi")])
    [cited] = [b for b in response.message.blocks if isinstance(b, CitationBlock)]
    assert cited.source.startswith("https://") and cited.title.startswith("About:")
    *_, last = Qwen(**settings(server), **options).stream_chat(
        [ChatMessage(role="user", content="hi")]
    )
    assert [b.source for b in last.message.blocks if isinstance(b, CitationBlock)] == [cited.source]
    chunks = list(ChatQwen(**settings(server), **options).stream("Nimbus heat pump"))
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole += chunk
    [block] = [b for b in whole.content_blocks if b["type"] == "text"]
    assert [a.get("url") for a in block.get("annotations") or []] == [citation["url"]]


def test_an_apps_web_results_are_citations_in_both_frameworks(server: EmulatorServer) -> None:
    question = "How much does the Nimbus heat pump cost?"
    message = ChatDashScopeApp(app_id="kb-web", has_thoughts=True, **settings(server)).invoke(
        question
    )
    [block] = [b for b in message.content_blocks if b["type"] == "text"]
    cited = [(a["extras"]["web"], a.get("url")) for a in block.get("annotations") or []]
    assert cited == [(False, None), (True, "https://example.com/emulator/search/2")]
    response = DashScopeAppQueryEngine(app_id="kb-web", **settings(server)).query(question)
    nodes = [(n.node.metadata["web"], n.node.metadata.get("url")) for n in response.source_nodes]
    assert nodes == cited


def test_streamed_markers_cut_across_events_are_citations_in_both_frameworks(
    server: EmulatorServer,
) -> None:
    """A stream cuts each ``<ref>[n]</ref>`` across two events, as the recorded stream does: the
    citations are read from the whole text, their spans the whole markers."""
    question = "How much do the Nimbus heat pump and the Stratus boiler cost?"
    chunks = list(ChatDashScopeApp(app_id="kb", **settings(server)).stream(question))
    assert any(str(c.content).endswith("</") for c in chunks)  # a marker was cut
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole += chunk
    text = str(whole.content)
    [block] = [b for b in whole.content_blocks if b["type"] == "text"]
    spans = [(a["start_index"], a["end_index"]) for a in block.get("annotations") or []]
    assert [text[i:j] for i, j in spans] == ["<ref>[1]</ref>", "<ref>[2]</ref>"]
    *_, last = DashScopeApp(app_id="kb", **settings(server)).stream_chat(
        [ChatMessage(role="user", content=question)]
    )
    cited = [b for b in last.message.blocks if isinstance(b, CitationBlock)]
    located = [b.additional_location_info for b in cited]
    assert [text[at["start_index"] : at["end_index"]] for at in located] == [
        "<ref>[1]</ref>",
        "<ref>[2]</ref>",
    ]
    assert [b.title for b in cited] == ["Nimbus", "Stratus"]


def test_an_answer_without_sources_keeps_langchain_own_blocks(server: EmulatorServer) -> None:
    message = ChatDashScopeApp(app_id="bot", **settings(server)).invoke("hi")
    assert message.content_blocks == [{"type": "text", "text": message.content}]


# -- bad input and unknown apps -----------------------------------------------------------------


@pytest.mark.parametrize(
    "request_",
    [
        AppRequest(app_id="kb", prompt=""),
        AppRequest(app_id="kb", prompt=None, messages=None),
        AppRequest(app_id="kb", prompt="x", rag_options={"pipeline_ids": "abc"}),
        AppRequest(app_id="kb", prompt="x", rag_options={"metadata_filter": ["a"]}),
        AppRequest(app_id="kb", prompt="x", rag_options=["pipeline"]),  # type: ignore[arg-type]
        AppRequest(app_id="a/b", prompt="x"),
    ],
)
def test_bad_input_is_a_typed_error_with_zero_requests(
    server: EmulatorServer, request_: AppRequest
) -> None:
    client = DashScopeClient(**settings(server))
    before = len(server.emulator.requests)
    with pytest.raises(RequestValidationError):
        client.call_app(request_)
    with pytest.raises(RequestValidationError):
        client.stream_app(request_)
    app = ChatDashScopeApp(app_id=request_.app_id, **settings(server))
    with pytest.raises(RequestValidationError):
        app.invoke(request_.prompt or "", rag_options=request_.rag_options)
    assert len(server.emulator.requests) == before


def test_unknown_app_id_is_a_typed_not_found_error(server: EmulatorServer) -> None:
    client = DashScopeClient(**settings(server))
    with pytest.raises(NotFoundError) as info:
        client.call_app(AppRequest(app_id="nope", prompt="hi"))
    assert info.value.status_code == 404 and info.value.request_id
    with pytest.raises(NotFoundError):
        list(client.stream_app(AppRequest(app_id="nope", prompt="hi")))
    with pytest.raises(DashScopeNotFoundError):
        ChatDashScopeApp(app_id="nope", **settings(server)).invoke("hi")


def test_bind_tools_is_refused_clearly() -> None:
    with pytest.raises(NotImplementedError, match="configured in the Model Studio console"):
        ChatDashScopeApp(app_id="kb", api_key="sk-test").bind_tools([])
