"""Bad input for the routing override and the 2026 options: a typed RequestValidationError
before any request, in the core and in both frameworks (constructor and per call)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from llama_index.core.base.llms.types import ChatMessage, ImageBlock, TextBlock

from dashscope_models import DashScopeClient, GenerationRequest, Message, RequestValidationError
from dashscope_models.emulator import Emulator
from langchain_dashscope_models import ChatDashScope
from llamaindex_dashscope_models import DashScope

Refused = Callable[[Callable[[], Any]], Awaitable[RequestValidationError]]
IMAGE = "https://example.com/cat.png"

BAD_OPTIONS: list[tuple[str, dict[str, Any], str]] = [
    ("qwen-plus", {"endpoint": "text-embedding"}, "endpoint="),
    ("acme-any", {"endpoint": "multimodal"}, "endpoint="),
    ("qwen-vl-ocr", {"ocr_options": "advanced_recognition"}, "ocr_options must be an object"),
    ("qwen-vl-ocr", {"ocr_options": {"task": 3}}, "ocr_options['task']"),
    ("qwen-mt-plus", {"translation_options": "English"}, "translation_options must be"),
    ("qwen-mt-plus", {"translation_options": {"source_lang": "Chinese"}}, "target_lang"),
    ("qwen-mt-plus", {"translation_options": {"target_lang": "English", "terms": ["a"]}},
     "terms"),
    ("qwen-plus", {"search_options": {"forced_search": "yes"}}, "forced_search"),
]  # fmt: skip


@pytest.mark.parametrize(("model", "options", "match"), BAD_OPTIONS)
async def test_core(model: str, options: dict[str, Any], match: str, refused: Refused) -> None:
    client = DashScopeClient(max_retries=0)
    request = GenerationRequest(model=model, messages=[Message("user", "hi")], **options)
    err = await refused(lambda: client.generate(request))
    assert match in str(err)
    extra = GenerationRequest(model=model, prompt="hi", extra_parameters=options)
    if "endpoint" not in options:  # an option sent through extra_parameters is checked too
        assert match in str(await refused(lambda: client.generate(extra)))


@pytest.mark.parametrize(("model", "options", "match"), BAD_OPTIONS)
async def test_frameworks(
    model: str, options: dict[str, Any], match: str, refused: Refused
) -> None:
    chat = ChatDashScope(model=model, max_retries=0)
    assert match in str(await refused(lambda: chat.invoke("hi", **options)))
    assert match in str(await refused(lambda: ChatDashScope(model=model, **options).invoke("hi")))
    llm = DashScope(model=model, max_retries=0)
    message = [ChatMessage(role="user", content="hi")]
    assert match in str(await refused(lambda: llm.chat(message, **options)))
    assert match in str(await refused(lambda: DashScope(model=model, **options).chat(message)))


@pytest.mark.parametrize(
    "model", ["qwen-plus", "qwen-plus-latest", "qwen-mt-plus", "qwen-max-0919"]
)
async def test_media_for_a_known_text_model(model: str, refused: Refused) -> None:
    image = [{"type": "image", "url": IMAGE}, {"type": "text", "text": "What is it?"}]
    err = await refused(lambda: ChatDashScope(model=model).invoke([HumanMessage(image)]))
    assert err.code == "UnsupportedContent"
    blocks = [ImageBlock(url=IMAGE), TextBlock(text="What is it?")]
    message = ChatMessage(role="user", blocks=blocks)
    err = await refused(lambda: DashScope(model=model).chat([message]))
    assert err.code == "UnsupportedContent"


@pytest.mark.parametrize(
    ("model", "use"),
    [
        ("gte-rerank-v2", "DashScopeRerank"),
        ("qwen3.7-text-rerank", "DashScopeRerank"),  # only the rerank rule covers it
        ("text-embedding-v4", "DashScopeEmbeddings"),
    ],
)
async def test_a_model_that_does_not_generate(model: str, use: str, refused: Refused) -> None:
    # Sent, the chat body would go to the rerank or embedding endpoint and fail there with an
    # unrelated message ("input.query missing"): it is refused with the class to use instead.
    request = GenerationRequest(model=model, messages=[Message("user", "hi")])
    err = await refused(lambda: DashScopeClient(max_retries=0).generate(request))
    assert err.code == "InvalidModel"
    assert use in str(err)
    assert "not a generation model" in str(
        await refused(lambda: ChatDashScope(model=model).invoke("hi"))
    )
    message = [ChatMessage(role="user", content="hi")]
    assert "not a generation model" in str(
        await refused(lambda: DashScope(model=model).chat(message))
    )


async def test_an_explicit_endpoint_overrides_the_catalog_kind(emulator: Emulator) -> None:
    # endpoint= is the way out for an id the rules misjudge: it is sent where the caller says.
    emulator.add_model("acme-rerank-chat", endpoint="text-generation")
    chat = ChatDashScope(model="acme-rerank-chat", endpoint="text-generation", max_retries=0)
    assert "You said: hi" in str(chat.invoke("hi").content)
    assert [r.path for r in emulator.requests] == [
        "/api/v1/services/aigc/text-generation/generation"
    ]
