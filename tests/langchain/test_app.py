"""``ChatDashScopeApp``: fields and per-call arguments, both conversation modes, metadata,
callbacks, serialization, and what it refuses (in process, on the emulator)."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumps
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from dashscope_models import RequestValidationError
from dashscope_models.emulator import App, AppDocument, Emulator, EmulatorTransport
from langchain_dashscope_models import ChatDashScopeApp

DOCS = [AppDocument("The Nimbus costs 4000 EUR.", "Nimbus", tags=("pump",)),
        AppDocument("The Stratus costs 2500 EUR.", "Stratus", tags=("boiler",))]  # fmt: skip


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(apps=[App.rag("kb", DOCS), App.agent("bot")])


def app(emulator: Emulator, **fields: Any) -> ChatDashScopeApp:
    model = ChatDashScopeApp(api_key="sk-secret-key", base_url="http://emulator/api/v1", **fields)
    model.client._calls.sender._transport = EmulatorTransport(emulator)
    return model


def sent(emulator: Emulator) -> Any:
    last = emulator.last_request
    assert last is not None
    return last.body


def test_fields_and_per_call_arguments_reach_the_request(emulator: Emulator) -> None:
    model = app(emulator, app_id="kb", rag_options={"tags": ["pump"]}, has_thoughts=True,
                temperature=0.5, biz_params={"a": 1}, model_kwargs={"new_option": "x"})  # fmt: skip
    message = model.invoke("What does it cost?", rag_options={"tags": ["boiler"]}, memory_id="m1")
    body = sent(emulator)
    assert body["parameters"]["rag_options"] == {"tags": ["boiler"]}  # the call's wins
    assert body["parameters"]["has_thoughts"] is True and body["parameters"]["temperature"] == 0.5
    assert body["parameters"]["new_option"] == "x"
    assert body["input"]["memory_id"] == "m1" and body["input"]["biz_params"] == {"a": 1}
    assert "2500 EUR" in str(message.content)
    meta = message.response_metadata
    assert meta["model_provider"] == "dashscope" and meta["app_id"] == "kb"
    assert meta["finish_reason"] == "stop" and meta["request_id"] == message.id
    assert [t["action"] for t in meta["thoughts"]] == ["rag", "memory"]
    assert meta["doc_references"][0]["title"] == "Stratus"
    assert meta["models"][0]["model_id"] == "qwen-plus"


def test_messages_mode_sends_the_history_and_no_session(emulator: Emulator) -> None:
    model = app(emulator, app_id="bot", session_id="ignored-here")
    model.invoke([SystemMessage("Be brief."), HumanMessage("Hi"), AIMessage("Hello"),
                  HumanMessage("Again")])  # fmt: skip
    body = sent(emulator)
    assert [m["role"] for m in body["input"]["messages"]] == ["system", "user", "assistant", "user"]
    assert "session_id" not in body["input"] and "prompt" not in body["input"]
    model.invoke("x", session_id="given")  # named per call: sent
    assert sent(emulator)["input"]["session_id"] == "given"


def test_session_mode_sends_the_last_message_and_keeps_the_session(emulator: Emulator) -> None:
    model = app(emulator, app_id="bot", conversation="session")
    first = model.invoke([SystemMessage("ignored"), HumanMessage("one")])
    assert sent(emulator)["input"] == {"prompt": "one"}
    assert model.session_id == first.response_metadata["session_id"]
    model.invoke("two")
    assert sent(emulator)["input"] == {"prompt": "two", "session_id": model.session_id}


def test_session_mode_needs_a_last_user_message_and_sends_nothing(emulator: Emulator) -> None:
    model = app(emulator, app_id="bot", conversation="session")
    with pytest.raises(RequestValidationError, match="must be the user's"):
        model.invoke([HumanMessage("q"), AIMessage("a")])
    with pytest.raises(RequestValidationError, match="stop sequences"):
        model.invoke("q", stop=["\n"])
    assert emulator.requests == []


class Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.ended = 0

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.ended += 1


def test_callbacks_see_every_streamed_token(emulator: Emulator) -> None:
    handler = Tokens()
    model = app(emulator, app_id="bot", streaming=True)
    message = model.invoke("hello there", config={"callbacks": [handler]})
    assert "".join(handler.tokens) == message.content and len(handler.tokens) > 2
    assert handler.ended == 1
    assert message.usage_metadata is not None and message.usage_metadata["output_tokens"] > 0


def test_async_stream_and_batch(emulator: Emulator) -> None:
    model = app(emulator, app_id="bot")

    async def run() -> str:
        return "".join([str(c.content) async for c in model.astream("hi")])

    assert asyncio.run(run()) == "[bot] You said: hi"
    assert [m.content for m in model.batch(["a", "b"])] == [
        "[bot] You said: a",
        "[bot] You said: b",
    ]


def test_the_key_is_never_shown_or_dumped(emulator: Emulator) -> None:
    model = app(emulator, app_id="bot")
    assert "sk-secret-key" not in repr(model) and "sk-secret-key" not in dumps(model)
    assert "DASHSCOPE_API_KEY" in dumps(model)


def test_tools_and_structured_output_are_refused_with_a_reason(emulator: Emulator) -> None:
    model = app(emulator, app_id="bot")
    with pytest.raises(NotImplementedError, match="ChatQwen"):
        model.bind_tools([{"type": "function", "function": {"name": "f", "parameters": {}}}])
    with pytest.raises(NotImplementedError, match="with_structured_output"):
        model.with_structured_output({"title": "x", "type": "object"})


def test_an_unknown_argument_is_sent_with_a_warning(emulator: Emulator) -> None:
    with pytest.warns(UserWarning, match="rag_option"):
        model = app(emulator, app_id="bot", rag_option={"tags": ["x"]})
    model.invoke("hi")
    assert sent(emulator)["parameters"]["rag_option"] == {"tags": ["x"]}
