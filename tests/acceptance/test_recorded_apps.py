"""Every recorded application exchange, replayed over HTTP through the core and ChatDashScopeApp;
the recorded citation markers read as citations in both frameworks.

For each ``application-*`` exchange in ``tests/data/recorded`` the recorded request is rebuilt as
an :class:`AppRequest` (core) and as a ``ChatDashScopeApp`` call (prompt recordings in
``conversation="session"``, the ``messages`` recording in ``conversation="messages"``); the
``replay`` server answers with the recorded bytes. The path and body that arrive must be the
recorded ones, and the parsed text, session id, thoughts and usage must match a naive reading
of the recorded answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from llama_index.core.base.llms.types import ChatMessage, CitationBlock
from llama_index.core.base.response.schema import StreamingResponse

from dashscope_models import AppRequest, DashScopeClient, Message
from langchain_dashscope_models import ChatDashScopeApp
from llamaindex_dashscope_models import DashScopeApp, DashScopeAppQueryEngine

RECORDED = Path(__file__).parent.parent / "data" / "recorded"
NAMES = sorted(
    p.name.removesuffix(".response.body.txt")
    for p in RECORDED.glob("application-*.response.body.txt")
)
MODEL_PARAMETERS = ("temperature", "top_p", "top_k", "seed")


def load(name: str, part: str) -> str:
    return (RECORDED / f"{name}.{part}").read_text("utf-8").lstrip("\ufeff")


def recorded_path(name: str) -> str:
    return load(name, "request.header.txt").splitlines()[0].split(" ")[1]


def expected(name: str) -> dict[str, Any]:
    """A naive reading of the recorded answer: text, session id, thoughts, usage rows."""
    raw = load(name, "response.body.txt")
    if name.endswith("-sse"):
        events = [json.loads(line[5:]) for line in raw.splitlines() if line.startswith("data:")]
        last = events[-1]
        text = "".join(e["output"]["text"] for e in events)
    else:
        last = json.loads(raw)
        text = last["output"]["text"]
    return {
        "text": text,
        "session_id": last["output"]["session_id"],
        "actions": [t.get("action") for t in last["output"].get("thoughts") or []],
        "models": [
            (m["model_id"], m["input_tokens"], m["output_tokens"])
            for m in (last.get("usage") or {}).get("models") or []
        ],
        "request_id": last["request_id"],
    }


def arguments(name: str) -> dict[str, Any]:
    """The recorded request as AppRequest keyword arguments (without app_id, input form)."""
    sent = json.loads(load(name, "request.body.json"))
    inp, params = sent["input"], dict(sent["parameters"])
    params.pop("incremental_output", None)  # a stream call sends it itself
    args = {k: inp[k] for k in ("session_id", "memory_id", "biz_params") if k in inp}
    args.update(params)
    return args


def app_id(name: str) -> str:
    return recorded_path(name).split("/")[4]


@pytest.mark.parametrize("name", NAMES)
def test_core_replays_the_recorded_exchange(replay: Any, name: str) -> None:
    replay.serve(name)
    sent = json.loads(load(name, "request.body.json"))
    inp = sent["input"]
    messages = (
        [Message(m["role"], m["content"]) for m in inp["messages"]] if "messages" in inp else None
    )
    request = AppRequest(app_id=app_id(name), prompt=inp.get("prompt"), messages=messages,
                         **arguments(name))  # fmt: skip
    client = DashScopeClient(base_url=replay.url, api_key="sk-test", max_retries=0)
    want = expected(name)
    if name.endswith("-sse"):
        chunks = list(client.stream_app(request))
        text = "".join(c.text for c in chunks)
        last = chunks[-1]
        session_id, usage, thoughts = last.session_id, last.usage, last.thoughts
        assert last.finish_reason == "stop" and all(c.finish_reason is None for c in chunks[:-1])
        assert [r.index_id for r in last.doc_references] == ["2", "3", "4", "5"]
    else:
        result = client.call_app(request)
        text, session_id, usage, thoughts = (
            result.text, result.session_id, result.usage, result.thoughts
        )  # fmt: skip
        assert result.request_id == want["request_id"]
    [(path, body)] = replay.received
    assert path == recorded_path(name)
    assert body == sent
    assert text == want["text"]
    assert session_id == want["session_id"]
    assert [t.action for t in thoughts] == want["actions"]
    assert usage is not None
    assert [(m.model_id, m.input_tokens, m.output_tokens) for m in usage.models] == want["models"]


def lc_messages(wire: list[dict[str, Any]]) -> list[BaseMessage]:
    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[m["role"]](m["content"]) for m in wire]


@pytest.mark.parametrize("name", NAMES)
def test_chat_dashscope_app_replays_the_recorded_exchange(replay: Any, name: str) -> None:
    replay.serve(name)
    sent = json.loads(load(name, "request.body.json"))
    inp = sent["input"]
    args = arguments(name)
    fields = {k: args.pop(k) for k in MODEL_PARAMETERS if k in args}
    conversation = "messages" if "messages" in inp else "session"
    app = ChatDashScopeApp(app_id=app_id(name), base_url=replay.url, api_key="sk-test",
                           max_retries=0, conversation=conversation, **fields)  # fmt: skip
    given: Any = lc_messages(inp["messages"]) if "messages" in inp else inp["prompt"]
    want = expected(name)
    if name.endswith("-sse"):
        chunks = list(app.stream(given, **args))
        message = chunks[0]
        for chunk in chunks[1:]:
            message += chunk
    else:
        message = app.invoke(given, **args)
    [(path, body)] = replay.received
    assert path == recorded_path(name)
    assert body == sent
    assert message.content == want["text"]
    meta = message.response_metadata
    assert meta["session_id"] == want["session_id"]
    assert [t.get("action") for t in meta.get("thoughts", [])] == want["actions"]
    rows = [(m["model_id"], m["input_tokens"], m["output_tokens"]) for m in meta.get("models", [])]
    assert rows == want["models"]
    usage = message.usage_metadata
    if want["models"]:
        assert usage is not None
        assert usage["input_tokens"] == sum(r[1] for r in want["models"])
        assert usage["output_tokens"] == sum(r[2] for r in want["models"])
    else:
        assert usage is None  # the workflow reports no usage
    if conversation == "session" and "session_id" not in args:
        assert app.session_id == want["session_id"]  # kept for the next turn
    else:  # a session named per call (or a history sent) is not kept on the object
        assert app.session_id is None


# -- the recorded citation markers ---------------------------------------------------------------

STREAMED = "application-single-generation-text-sse"  # <ref>[n]</ref> cut across events
MEMORY = "application-single-generation-text-with-memory-nosse"  # <ref>[1]</ref>, no reference


def _marked(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[i:j] for i, j in spans]


def test_recorded_markers_are_citations_in_both_frameworks(replay: Any) -> None:
    """The recorded stream cites ``<ref>[4]</ref>``, ``[2]``, ``[3]``, ``[5]`` (each marker cut
    across two events): each becomes a citation spanning its whole marker, in both frameworks,
    and the LlamaIndex streaming query engine's source nodes are the four references."""
    settings = {"base_url": replay.url, "api_key": "sk-test", "max_retries": 0}
    markers = ["<ref>[4]</ref>", "<ref>[2]</ref>", "<ref>[3]</ref>", "<ref>[5]</ref>"]
    replay.serve(STREAMED)
    chunks = list(ChatDashScopeApp(app_id="a", **settings).stream("x"))
    message = chunks[0]
    for chunk in chunks[1:]:
        message += chunk
    text = str(message.content)
    [block] = [b for b in message.content_blocks if b["type"] == "text"]
    notes: list[Any] = block.get("annotations") or []
    assert _marked(text, [(a["start_index"], a["end_index"]) for a in notes]) == markers
    assert [a["extras"]["index"] for a in notes] == [4, 2, 3, 5]
    assert all(a["title"] == "xUnit Test Patterns" for a in notes)

    replay.serve(STREAMED)
    app = DashScopeApp(app_id="a", **settings)
    *_, last = app.stream_chat([ChatMessage(role="user", content="x")])
    cited = [b for b in last.message.blocks if isinstance(b, CitationBlock)]
    located = [b.additional_location_info for b in cited]
    assert _marked(text, [(at["start_index"], at["end_index"]) for at in located]) == markers

    replay.serve(STREAMED)
    response = DashScopeAppQueryEngine(app_id="a", streaming=True, **settings).query("x")
    assert isinstance(response, StreamingResponse)
    assert "".join(response.response_gen) == text
    assert [n.node.metadata["index"] for n in response.source_nodes] == [2, 3, 4, 5]


def test_a_recorded_marker_naming_no_reference_is_no_citation(replay: Any) -> None:
    """The memory recording ends its text with ``<ref>[1]</ref>`` but has no reference and an
    empty retrieval: there is nothing to cite, in either framework."""
    settings = {"base_url": replay.url, "api_key": "sk-test", "max_retries": 0}
    replay.serve(MEMORY)
    message = ChatDashScopeApp(app_id="a", **settings).invoke("x")
    assert str(message.content).endswith("<ref>[1]</ref>。")
    assert message.content_blocks == [{"type": "text", "text": message.content}]
    replay.serve(MEMORY)
    response = DashScopeApp(app_id="a", **settings).chat([ChatMessage(role="user", content="x")])
    assert not [b for b in response.message.blocks if isinstance(b, CitationBlock)]
