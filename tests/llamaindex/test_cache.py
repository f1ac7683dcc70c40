"""LlamaIndex and DashScope's explicit context cache, over the emulator's HTTP server: a
``CachePoint`` puts its marker on the block before it (in the body the emulator received); the
counts come back in ``additional_kwargs`` and ``raw`` (``chat``, ``astream_chat``), created
again once the emulator's clock passes the TTL; five markers are refused before any request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    CacheControl,
    CachePoint,
    ChatMessage,
    ChatResponse,
    ImageBlock,
    MessageRole,
    TextBlock,
)

from dashscope_models import RequestValidationError
from dashscope_models.emulator import Emulator
from llamaindex_dashscope_models import Qwen, QwenVL

EPHEMERAL = {"type": "ephemeral"}
BIG = "You are the support agent of a bookshop. Follow the house rules below. " * 70
QUESTION = "Which books are on sale this week?"
Refused = Callable[[Callable[[], Any]], Awaitable[RequestValidationError]]


def _point(ttl: str = "5m") -> CachePoint:
    return CachePoint(cache_control=CacheControl(type="ephemeral", ttl=ttl))


def _sent(emulator: Emulator) -> list[dict[str, Any]]:
    request = emulator.last_request
    assert request is not None
    messages: list[dict[str, Any]] = request.body["input"]["messages"]
    return messages


def _conversation() -> list[ChatMessage]:
    system = ChatMessage(role=MessageRole.SYSTEM, blocks=[TextBlock(text=BIG), _point()])
    return [system, ChatMessage(role=MessageRole.USER, content=QUESTION)]


def test_cache_point_marks_the_block_before_it(emulator: Emulator) -> None:
    user = ChatMessage(
        role=MessageRole.USER,
        blocks=[TextBlock(text=BIG), _point(), TextBlock(text=QUESTION)],
    )
    Qwen(model="qwen-plus").chat([user])
    assert _sent(emulator)[0]["content"] == [
        {"text": BIG, "cache_control": EPHEMERAL},
        {"text": QUESTION},
    ]


def test_cache_point_first_in_a_message_marks_the_message_before(emulator: Emulator) -> None:
    system = ChatMessage(role=MessageRole.SYSTEM, content=BIG)
    user = ChatMessage(role=MessageRole.USER, blocks=[_point(), TextBlock(text=QUESTION)])
    Qwen(model="qwen-plus").chat([system, user])
    sent = _sent(emulator)
    assert sent[0]["content"] == [{"text": BIG, "cache_control": EPHEMERAL}]
    assert sent[1]["content"] == QUESTION


def test_cache_point_after_an_image(emulator: Emulator) -> None:
    image = ImageBlock(url="https://example.com/shelf.png")
    user = ChatMessage(
        role=MessageRole.USER, blocks=[image, _point(), TextBlock(text="What is on it?")]
    )
    QwenVL(model="qwen3-vl-plus").chat([user])
    assert _sent(emulator)[0]["content"][0] == {
        "image": "https://example.com/shelf.png",
        "cache_control": EPHEMERAL,
    }


def test_one_hour_cache_point_on_the_qwen4_form(emulator: Emulator) -> None:
    emulator.add_model("qwen4-plus")
    system = ChatMessage(role=MessageRole.SYSTEM, blocks=[TextBlock(text=BIG), _point("1h")])
    Qwen(model="qwen4-plus").chat([system, ChatMessage(role=MessageRole.USER, content="hi")])
    assert _sent(emulator)[0]["content"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}


def test_cache_control_call_argument(emulator: Emulator) -> None:
    Qwen(model="qwen-plus").chat(_conversation()[1:], cache_control=EPHEMERAL)
    assert _sent(emulator)[0]["content"] == [{"text": QUESTION, "cache_control": EPHEMERAL}]


async def test_five_markers_are_a_typed_error_with_zero_requests(refused: Refused) -> None:
    blocks: list[Any] = []
    for i in range(5):
        blocks += [TextBlock(text=f"part {i}"), _point()]
    messages = [ChatMessage(role=MessageRole.USER, blocks=blocks)]
    llm = Qwen(model="qwen-plus", max_retries=0)
    assert (await refused(lambda: llm.chat(messages))).code == "TooManyCacheMarkers"
    assert (await refused(lambda: llm.achat(messages))).code == "TooManyCacheMarkers"


def _counts(response: ChatResponse) -> tuple[int, int]:
    extra = response.additional_kwargs
    return extra["cached_tokens"], extra["cache_creation_input_tokens"]


async def _astream_last(llm: Qwen, messages: list[ChatMessage]) -> ChatResponse:
    last = None
    async for response in await llm.astream_chat(messages):
        last = response
    assert last is not None
    return last


@pytest.mark.parametrize("mode", ["chat", "astream_chat"])
async def test_second_call_reads_what_the_first_created(emulator: Emulator, mode: str) -> None:
    llm = Qwen(model="qwen-plus")

    async def call() -> ChatResponse:
        if mode == "chat":
            return llm.chat(_conversation())
        return await _astream_last(llm, _conversation())

    first = await call()
    read, created = _counts(first)
    assert read == 0 and created > 1024
    second = await call()
    assert _counts(second) == (created, 0)
    raw_usage = second.raw["usage"]
    assert raw_usage["prompt_tokens_details"]["cached_tokens"] == created
    emulator.cache.advance(5 * 60 + 1)
    assert _counts(await call()) == (0, created)


async def test_streamed_counts_come_once_with_the_usage(emulator: Emulator) -> None:
    llm = Qwen(model="qwen-plus")
    llm.chat(_conversation())
    responses = [r async for r in await llm.astream_chat(_conversation())]
    with_counts = [r for r in responses if "cached_tokens" in r.additional_kwargs]
    assert len(with_counts) == 1 and with_counts[0] is responses[-1]
