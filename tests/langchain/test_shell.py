"""The call methods both LangChain chat classes share (``_shell``): one body for a model and
an application, each with its own token callbacks, session keeping and metadata."""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler, CallbackManager
from langchain_core.messages import HumanMessage

from dashscope_models.emulator import App, Emulator, EmulatorTransport
from langchain_dashscope_models import ChatDashScopeApp, ChatQwen
from langchain_dashscope_models._shell import ChatShell


class Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.calls: list[tuple[str, set[str]]] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.calls.append((token, set(kwargs) - {"run_id", "parent_run_id", "tags"}))


def _app(**fields: Any) -> ChatDashScopeApp:
    model = ChatDashScopeApp(api_key="sk-test", base_url="http://emulator/api/v1", **fields)
    model.client._calls.sender._transport = EmulatorTransport(Emulator(apps=[App.agent("bot")]))
    return model


def test_both_classes_run_the_one_shell() -> None:
    for cls in (ChatQwen, ChatDashScopeApp):
        for name in ("_generate", "_agenerate", "_stream", "_astream"):
            assert getattr(cls, name) is getattr(ChatShell, name), (cls, name)


def _tokens(model: ChatQwen | ChatDashScopeApp) -> list[tuple[str, set[str]]]:
    """The token callbacks of ``_stream`` with a run manager (langchain-core's v2 path)."""
    handler = Tokens()
    manager = CallbackManager.configure([handler])
    [run] = manager.on_chat_model_start({}, [[HumanMessage("Hi")]])
    chunks = list(model._stream([HumanMessage("Hi")], run_manager=run))
    assert [token for token, _ in handler.calls] == [c.text for c in chunks]
    return handler.calls


def test_token_callbacks_carry_the_chunk_and_logprobs_only_for_models(emulator: Any) -> None:
    """As before the shell: a model's callbacks get ``logprobs=`` (``None`` without any), an
    application's only the chunk."""
    assert all(kwargs == {"chunk", "logprobs"} for _, kwargs in _tokens(ChatQwen()))
    assert all(kwargs == {"chunk"} for _, kwargs in _tokens(_app(app_id="bot")))


def test_invoke_streaming_and_async_keep_the_session_in_session_mode() -> None:
    for streaming in (False, True):
        model = _app(app_id="bot", conversation="session", streaming=streaming)
        first = model.invoke("one")
        assert model.session_id == first.response_metadata["session_id"]
        later = asyncio.run(model.ainvoke("two"))
        assert later.response_metadata["session_id"] == model.session_id
        assert "one" in str(later.content)  # the service kept the conversation
