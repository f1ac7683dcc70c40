"""Ids the catalog does not list, through both frameworks, over HTTP against the emulator.

For each id (aliases of lineup rows, dated ids, ids only a family rule covers, ids no rule
covers that the emulator serves on one endpoint): LangChain ``invoke``/``stream``/``ainvoke``
and LlamaIndex ``chat``/``astream_chat``, without media and (for media models) with an image,
video frames or audio. Every call must answer; every request must reach the id's real endpoint,
except the one counted correction of a wrong guess; every media part must arrive.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from llama_index.core.base.llms.types import AudioBlock, ChatMessage, ImageBlock, TextBlock

from dashscope_models import get_spec
from dashscope_models._routing import forget_learned_routes
from dashscope_models.emulator import Emulator
from langchain_dashscope_models import ChatDashScope
from llamaindex_dashscope_models import DashScope

MULTI = "multimodal-generation"
TEXT = "text-generation"
IMAGE = "https://example.com/cat.png"
FRAMES = ["https://example.com/f1.jpg", "https://example.com/f2.jpg"]
AUDIO = "https://example.com/hello.wav"

# id, how it resolves, its media (None: a text model), the endpoint the emulator serves it on
IDS: list[tuple[str, str, str | None]] = [
    ("qwen-plus-latest", "alias", None),
    ("qwen-plus-2025-09-11", "alias", None),
    ("qwen-max-0919", "alias", None),
    ("qwen3-max-2026-01-23", "alias", None),
    ("qwen3.6-plus-preview", "alias", "image"),
    ("qwen3.5-flash-2026-01-15", "alias", "image"),
    ("qwen3.7-max-latest", "alias", "frames"),
    ("qwen-vl-max-latest", "alias", "frames"),
    ("qwen3-vl-plus-2025-09-23", "alias", "image"),
    ("qwen-vl-ocr-latest", "alias", "image"),
    ("qwen-vl-ocr-2025-04-13", "alias", "image"),
    ("qwen-mt-plus-latest", "alias", None),
    ("qwen-audio-turbo-latest", "alias", "audio"),
    ("qwen-long-latest", "alias", None),
    ("qwen3.8-plus", "rule", "image"),
    ("qwen3.9-flash-preview", "rule", "image"),
    ("qwen3-vl-235b-a22b-instruct", "rule", "frames"),
    ("qvq-max", "rule", "image"),
    ("qwen-vl-ocr-plus", "rule", "image"),
    ("qwen-audio-chat", "rule", "audio"),
    ("qwen3-omni-flash", "rule", "audio"),
    ("qwen-mt-lite", "rule", None),
    ("qwen3-30b-a3b-thinking-2507", "rule", None),
    ("qwen3-72b", "rule", None),
    ("qwen3-coder-480b-a35b-instruct", "rule", None),
    ("qwen2.5-coder-32b-instruct", "rule", None),
    ("deepseek-r1-distill-qwen-7b", "rule", None),
    ("kimi-k2-turbo", "rule", None),
    ("acme-vision-2027", "generic", "image"),
    ("acme-chat-2027", "generic", None),
]
SERVED = {"acme-vision-2027": MULTI, "acme-chat-2027": TEXT}  # generic: only the emulator knows


def lc_content(media: str | None) -> Any:
    blocks: list[dict[str, Any]] = []
    if media == "image":
        blocks.append({"type": "image", "url": IMAGE})
    elif media == "frames":
        blocks.append({"type": "video", "url": FRAMES})
    elif media == "audio":
        blocks.append({"type": "audio", "url": AUDIO})
    return [*blocks, {"type": "text", "text": "Describe it"}] if blocks else "Describe it"


def li_message(media: str | None) -> ChatMessage:
    blocks: list[Any] = []
    extra: dict[str, Any] = {}
    if media == "image":
        blocks.append(ImageBlock(url=IMAGE))
    elif media == "frames":
        blocks += [ImageBlock(url=url) for url in FRAMES]
        extra["images_as_video"] = True
    elif media == "audio":
        blocks.append(AudioBlock(url=AUDIO))
    blocks.append(TextBlock(text="Describe it"))
    return ChatMessage(role="user", blocks=blocks, additional_kwargs=extra)


def wire_parts(media: str | None) -> Any:
    part = {"image": {"image": IMAGE}, "frames": {"video": FRAMES}, "audio": {"audio": AUDIO}}
    return [part[media], {"text": "Describe it"}] if media else None


async def run_all(model: str, media: str | None, base_url: str) -> list[str]:
    """The five calls; their answers."""
    chat = ChatDashScope(model=model, base_url=base_url, max_retries=0)
    lc = [HumanMessage(lc_content(media))]
    answers = [str(chat.invoke(lc).content)]
    answers.append("".join(str(c.content) for c in chat.stream(lc)))
    answers.append(str((await chat.ainvoke(lc)).content))
    llm = DashScope(model=model, base_url=base_url, max_retries=0)
    answers.append(str(llm.chat([li_message(media)]).message.content))
    responses = [r async for r in await llm.astream_chat([li_message(media)])]
    answers.append(str(responses[-1].message.content))
    return answers


def test_the_table_is_uncatalogued_and_large_enough() -> None:
    assert len(IDS) >= 25
    for model, resolved_by, _ in IDS:
        assert get_spec(model).resolved_by == resolved_by, model


@pytest.mark.parametrize(("model", "resolved_by", "media"), IDS)
async def test_uncatalogued_id_reaches_its_endpoint(
    model: str, resolved_by: str, media: str | None, emulator: Emulator, base_url: str
) -> None:
    forget_learned_routes()
    served = SERVED.get(model) or get_spec(model).endpoint
    if model in SERVED:
        emulator.add_model(model, endpoint=served)
    variants = [None, media] if media else [None]
    for variant in variants:
        answers = await run_all(model, variant, base_url)
        assert all(a.endswith("You said: Describe it") for a in answers), answers
        parts = wire_parts(variant)
        if parts is not None:  # every media part arrived, as given, in each of the five
            last = emulator.requests[-5:]
            assert all(r.body["input"]["messages"][-1]["content"] == parts for r in last)
    paths = [r.path.rsplit("/", 2)[-2] for r in emulator.requests]
    wrong = [p for p in paths if p != served]
    # Only a generic guess can be wrong, and only its first time (one extra request).
    expected_extra = 1 if model == "acme-vision-2027" else 0
    assert len(wrong) == expected_extra and len(paths) == 5 * len(variants) + expected_extra
