"""The eight methods both LlamaIndex LLM classes share (``_shell``): one body for a model and
an application, each call under one instrumentation span named after the instance's class,
and each class opening its stream when it always did."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.span_handlers import SimpleSpanHandler

from dashscope_models import RequestValidationError
from dashscope_models.emulator import App, Emulator, EmulatorTransport
from llamaindex_dashscope_models import DashScopeApp, Qwen
from llamaindex_dashscope_models._shell import METHODS, LLMShell

USER = [ChatMessage(role="user", content="Hi")]


def _app(**fields: Any) -> DashScopeApp:
    app = DashScopeApp(api_key="sk-test", base_url="http://emulator/api/v1", **fields)
    app.client._calls.sender._transport = EmulatorTransport(Emulator(apps=[App.agent("bot")]))
    return app


def _spans(run: Any) -> list[str]:
    handler = SimpleSpanHandler()
    root = get_dispatcher()
    root.add_span_handler(handler)
    try:
        run()
    finally:
        root.span_handlers.remove(handler)
    return [s.id_.split("-")[0] for s in handler.completed_spans]


def _every_method(llm: Qwen | DashScopeApp) -> None:
    llm.chat(USER), llm.complete("Hi")
    list(llm.stream_chat(USER)), list(llm.stream_complete("Hi"))

    async def run() -> None:
        await llm.achat(USER), await llm.acomplete("Hi")
        [r async for r in await llm.astream_chat(USER)]
        [r async for r in await llm.astream_complete("Hi")]

    asyncio.run(run())


def test_both_classes_run_the_one_shell() -> None:
    for cls in (Qwen, DashScopeApp):
        for name in METHODS:
            found = inspect.getattr_static(cls, name)
            assert found is LLMShell.__dict__[name], (cls, name)


@pytest.mark.parametrize("make", [lambda: Qwen(), lambda: _app(app_id="bot")])
def test_one_span_per_call_named_after_the_class(emulator: Any, make: Any) -> None:
    llm = make()
    name = type(llm).__name__
    spans = _spans(lambda: _every_method(llm))
    wanted = ["chat", "complete", "stream_chat", "stream_complete", "achat", "acomplete",
              "astream_chat", "astream_complete"]  # fmt: skip
    assert sorted(spans) == sorted(f"{name}.{method}" for method in wanted)


def test_an_app_refuses_bad_input_when_asked_to_stream_a_model_on_the_first_item(
    emulator: Any,
) -> None:
    app = _app(app_id="bot")
    with pytest.raises(RequestValidationError):
        app.stream_complete("Hi", biz_params=["not", "a", "dict"])  # before any item
    responses = Qwen().stream_chat(USER)
    assert emulator.requests == []  # nothing sent before the first item
    assert next(responses).delta is not None and len(emulator.requests) == 1
