"""LangChain and DashScope's explicit context cache, over the emulator's HTTP server: each input
form puts its marker on the intended part of the body the emulator received (standard text and
image blocks, native parts, the ``cache_control`` call argument, ``bind``, the agent
middleware); the counts come back as ``usage_metadata.input_token_details`` (``invoke``,
``stream``, ``ainvoke``), created again once the emulator's clock passes the TTL; five markers
are refused before any request."""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.tools import tool

from dashscope_models import CacheNotSupportedWarning, RequestValidationError
from dashscope_models.emulator import Emulator
from langchain_dashscope_models import (
    ChatMoonshot,
    ChatQwen,
    ChatQwenVL,
    DashScopePromptCachingMiddleware,
)

EPHEMERAL = {"type": "ephemeral"}
BIG = "You are the support agent of a bookshop. Follow the house rules below. " * 70
QUESTION = "Which books are on sale this week?"
Refused = Callable[[Callable[[], Any]], Awaitable[RequestValidationError]]


def _sent(emulator: Emulator, index: int = -1) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = emulator.requests[index].body["input"]["messages"]
    return messages


def _marked_system() -> SystemMessage:
    return SystemMessage(content=[{"type": "text", "text": BIG, "cache_control": EPHEMERAL}])


def _details(message: BaseMessage) -> dict[str, Any]:
    assert isinstance(message, AIMessage) and message.usage_metadata is not None
    details: dict[str, Any] = dict(message.usage_metadata.get("input_token_details") or {})
    return details


# -- every input form: the marker on its part ------------------------------------------------


def test_standard_text_block_keeps_its_marker(emulator: Emulator) -> None:
    ChatQwen(model="qwen-plus").invoke([_marked_system(), HumanMessage(QUESTION)])
    sent = _sent(emulator)
    assert sent[0]["content"] == [{"text": BIG, "cache_control": EPHEMERAL}]
    assert sent[1]["content"] == QUESTION  # unmarked text is still flattened


def test_standard_block_marker_in_extras(emulator: Emulator) -> None:
    block = {"type": "text", "text": BIG, "extras": {"cache_control": EPHEMERAL}}
    ChatQwen(model="qwen-plus").invoke([SystemMessage(content=[block]), HumanMessage(QUESTION)])
    assert _sent(emulator)[0]["content"] == [{"text": BIG, "cache_control": EPHEMERAL}]


def test_image_block_keeps_its_marker(emulator: Emulator) -> None:
    image = {"type": "image", "url": "https://example.com/shelf.png", "cache_control": EPHEMERAL}
    message = HumanMessage(content=[image, {"type": "text", "text": "What is on the shelf?"}])
    ChatQwenVL(model="qwen3-vl-plus").invoke([message])
    content = _sent(emulator)[0]["content"]
    assert content[0] == {"image": "https://example.com/shelf.png", "cache_control": EPHEMERAL}
    assert content[1] == {"text": "What is on the shelf?"}


def test_native_part_keeps_its_marker(emulator: Emulator) -> None:
    native = HumanMessage(content=[{"text": BIG, "cache_control": EPHEMERAL}, {"text": QUESTION}])
    ChatQwen(model="qwen-plus").invoke([native])
    assert _sent(emulator)[0]["content"] == [
        {"text": BIG, "cache_control": EPHEMERAL},
        {"text": QUESTION},
    ]


def test_invoke_argument_marks_the_last_block(emulator: Emulator) -> None:
    ChatQwen(model="qwen-plus").invoke(
        [SystemMessage(BIG), HumanMessage(QUESTION)], cache_control=EPHEMERAL
    )
    sent = _sent(emulator)
    assert sent[0]["content"] == BIG
    assert sent[1]["content"] == [{"text": QUESTION, "cache_control": EPHEMERAL}]


def test_bind_argument_marks_the_last_block(emulator: Emulator) -> None:
    model = ChatQwen(model="qwen-plus").bind(cache_control=EPHEMERAL)
    model.invoke([SystemMessage(BIG), HumanMessage(QUESTION)])
    assert _sent(emulator)[1]["content"] == [{"text": QUESTION, "cache_control": EPHEMERAL}]


def test_automatic_cache_setting(emulator: Emulator) -> None:
    ChatQwen(model="qwen-plus", automatic_cache=True).invoke([HumanMessage(QUESTION)])
    assert _sent(emulator)[0]["content"] == [{"text": QUESTION, "cache_control": EPHEMERAL}]


async def test_five_markers_are_a_typed_error_with_zero_requests(refused: Refused) -> None:
    blocks = [{"type": "text", "text": f"part {i}", "cache_control": EPHEMERAL} for i in range(5)]
    model = ChatQwen(model="qwen-plus", max_retries=0)
    error = await refused(lambda: model.invoke([HumanMessage(content=blocks)]))
    assert error.code == "TooManyCacheMarkers"
    error = await refused(lambda: model.ainvoke([HumanMessage(content=blocks)]))
    assert error.code == "TooManyCacheMarkers"
    error = await refused(lambda: list(model.stream([HumanMessage(content=blocks)])))
    assert error.code == "TooManyCacheMarkers"


# -- cache hits ------------------------------------------------------------------------------


def _stream(model: ChatQwen, messages: list[BaseMessage]) -> BaseMessage:
    total = None
    for chunk in model.stream(messages):
        total = chunk if total is None else total + chunk
    assert total is not None
    return total


@pytest.mark.parametrize("mode", ["invoke", "stream", "ainvoke"])
async def test_second_call_reads_what_the_first_created(emulator: Emulator, mode: str) -> None:
    model = ChatQwen(model="qwen-plus")
    messages: list[BaseMessage] = [_marked_system(), HumanMessage(QUESTION)]

    async def call() -> BaseMessage:
        if mode == "invoke":
            return model.invoke(messages)
        if mode == "stream":
            return _stream(model, messages)
        return await model.ainvoke(messages)

    first, second = _details(await call()), _details(await call())
    assert first["cache_creation"] > 1024 and first["cache_read"] == 0
    assert second["cache_read"] == first["cache_creation"] and second["cache_creation"] == 0
    emulator.cache.advance(5 * 60 + 1)  # the TTL passes on the emulator's clock
    third = _details(await call())
    assert third["cache_creation"] == first["cache_creation"] and third["cache_read"] == 0


def test_stream_reports_the_counts_once(emulator: Emulator) -> None:
    model = ChatQwen(model="qwen-plus")
    messages: list[BaseMessage] = [_marked_system(), HumanMessage(QUESTION)]
    model.invoke(messages)
    chunks = list(model.stream(messages))
    with_usage = [c for c in chunks if c.usage_metadata is not None]
    assert len(with_usage) == 1
    assert _details(with_usage[0])["cache_read"] > 1024


# -- the agent middleware --------------------------------------------------------------------


@tool
def find_books(topic: str) -> str:
    """Books on sale about a topic."""
    return f"On sale about {topic}: three titles"


def _agent(model: Any, **settings: Any) -> Any:
    middleware = DashScopePromptCachingMiddleware(**settings)
    return create_agent(model, [find_books], system_prompt=BIG, middleware=[middleware])


def test_middleware_marks_system_and_tail_every_call(emulator: Emulator) -> None:
    state = _agent(ChatQwen(model="qwen-plus")).invoke(
        {"messages": [HumanMessage("Find books about 'gardening' on sale")]}
    )
    calls = [r for r in emulator.requests if "messages" in (r.body.get("input") or {})]
    assert len(calls) == 2  # the tool call, then the answer
    for request in calls:
        sent = request.body["input"]["messages"]
        assert sent[0]["content"] == [{"text": BIG, "cache_control": EPHEMERAL}]
        tail = next(m for m in reversed(sent) if m["content"])
        assert tail is sent[-1] and tail["content"][-1]["cache_control"] == EPHEMERAL
    # The second call reads what the first wrote (the system prompt and the question).
    final = state["messages"][-1]
    assert _details(final)["cache_read"] > 1024


async def test_middleware_async(emulator: Emulator) -> None:
    agent = _agent(ChatQwen(model="qwen-plus"))
    await agent.ainvoke({"messages": [HumanMessage(QUESTION)]})
    await agent.ainvoke({"messages": [HumanMessage(QUESTION)]})
    last = emulator.requests[-1].body["input"]["messages"]
    assert last[0]["content"][0]["cache_control"] == EPHEMERAL


def test_middleware_skips_short_prefixes(emulator: Emulator) -> None:
    agent = create_agent(ChatQwen(model="qwen-plus"), [find_books], system_prompt="Be brief.",
                         middleware=[DashScopePromptCachingMiddleware()])  # fmt: skip
    agent.invoke({"messages": [HumanMessage("Hello")]})
    assert "cache_control" not in str(_sent(emulator))


def test_middleware_on_a_model_without_explicit_cache(emulator: Emulator) -> None:
    model = ChatMoonshot(model="moonshot-v1-8k")
    agent = create_agent(model, system_prompt=BIG,
                         middleware=[DashScopePromptCachingMiddleware()])  # fmt: skip
    with pytest.warns(UserWarning, match="no explicit context cache"):
        agent.invoke({"messages": [HumanMessage(QUESTION)]})
    assert "cache_control" not in str(_sent(emulator))
    quiet = create_agent(model, system_prompt=BIG, middleware=[
        DashScopePromptCachingMiddleware(unsupported_model_behavior="ignore")])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet.invoke({"messages": [HumanMessage(QUESTION)]})
    strict = create_agent(model, system_prompt=BIG, middleware=[
        DashScopePromptCachingMiddleware(unsupported_model_behavior="raise")])  # fmt: skip
    with pytest.raises(ValueError, match="no explicit context cache"):
        strict.invoke({"messages": [HumanMessage(QUESTION)]})


def test_middleware_one_hour_ttl_is_for_the_qwen4_form(emulator: Emulator) -> None:
    agent = _agent(ChatQwen(model="qwen3-coder-plus"), ttl="1h")
    with pytest.warns(CacheNotSupportedWarning, match="Qwen4 form only"):
        agent.invoke({"messages": [HumanMessage(QUESTION)]})
    assert _sent(emulator)[0]["content"][0]["cache_control"] == EPHEMERAL


def test_markers_removed_on_a_model_without_explicit_cache(emulator: Emulator) -> None:
    with pytest.warns(CacheNotSupportedWarning):
        ChatMoonshot(model="moonshot-v1-32k").invoke([_marked_system(), HumanMessage(QUESTION)])
    assert _sent(emulator)[0]["content"] == BIG


def test_middleware_never_takes_a_request_past_four_markers(emulator: Emulator) -> None:
    blocks = [{"type": "text", "text": f"note {i} " * 300, "cache_control": EPHEMERAL}
              for i in range(3)]  # fmt: skip
    agent = _agent(ChatQwen(model="qwen-plus"))
    agent.invoke({"messages": [HumanMessage(content=blocks)]})
    sent = _sent(emulator)
    assert str(sent).count("cache_control") == 4  # the system prompt's, and the user's three
    assert sent[0]["content"][0]["cache_control"] == EPHEMERAL


def test_middleware_waits_for_min_messages(emulator: Emulator) -> None:
    _agent(ChatQwen(model="qwen-plus"), min_messages_to_cache=3).invoke(
        {"messages": [HumanMessage(QUESTION)]}
    )
    assert "cache_control" not in str(_sent(emulator, 0))  # system + question: 2 messages
    assert "cache_control" in str(_sent(emulator, 1))  # + the tool call and its result: 4
