"""No content part is ever dropped: every request shape, over HTTP, part by part.

Each role (system, user, assistant, tool) with each kind of content (a string, text parts, a
text part with options, an image, an image with options, a video, video frames, audio, a
qwen-long file reference) is sent to each generation endpoint; the body the emulator received
holds every part as given (a text endpoint gets a string only when all parts are plain text).
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from llama_index.core.base.llms.types import ChatMessage, ImageBlock, TextBlock

from dashscope_models import (
    DashScopeClient,
    DashScopeError,
    GenerationRequest,
    Message,
    ToolCall,
)
from dashscope_models.emulator import Emulator
from langchain_dashscope_models import ChatDashScope
from llamaindex_dashscope_models import DashScope

MODEL = "acme-shapes"
CONTENTS: dict[str, Any] = {
    "string": "Hello there",
    "text parts": [{"text": "Hello "}, {"text": "there"}],
    "text with options": [{"text": "cached", "cache_control": {"type": "ephemeral"}}],
    "image": [{"image": "https://x/a.png"}, {"text": "What is it?"}],
    "image with options": [{"image": "https://x/a.png", "min_pixels": 3136,
                            "max_pixels": 1003520}],
    "video": [{"video": "https://x/v.mp4", "fps": 2}, {"text": "What happens?"}],
    "video frames": [{"video": ["https://x/1.jpg", "https://x/2.jpg"]}],
    "audio": [{"audio": "https://x/a.wav"}, {"text": "What is said?"}],
    "file": "fileid://file-fe-1,fileid://file-fe-2",
}  # fmt: skip


def expected(content: Any, endpoint: str) -> Any:
    if endpoint == "multimodal-generation":
        return [{"text": content}] if isinstance(content, str) else content
    if isinstance(content, list) and all(set(p) == {"text"} for p in content):
        return "".join(p["text"] for p in content)
    return content


def conversation(role: str, content: Any) -> list[Message]:
    call = ToolCall(id="call_1", name="lookup", arguments="{}")
    if role == "system":
        return [Message("system", content), Message("user", "Go on")]
    if role == "user":
        return [Message("user", content)]
    if role == "assistant":
        return [Message("user", "Hi"), Message("assistant", content), Message("user", "And?")]
    return [Message("user", "Hi"), Message("assistant", "", tool_calls=[call]),
            Message("tool", content, tool_call_id="call_1")]  # fmt: skip


@pytest.mark.parametrize("endpoint", ["text-generation", "multimodal-generation"])
@pytest.mark.parametrize("role", ["system", "user", "assistant", "tool"])
@pytest.mark.parametrize("kind", list(CONTENTS))
def test_every_part_reaches_the_body(
    endpoint: str, role: str, kind: str, emulator: Emulator, base_url: str
) -> None:
    emulator.add_model(MODEL)  # served on both endpoints
    content = CONTENTS[kind]
    messages = conversation(role, content)
    index = {"system": 0, "user": 0, "assistant": 1, "tool": 2}[role]
    client = DashScopeClient(base_url=base_url, max_retries=0)
    request = GenerationRequest(model=MODEL, messages=messages, endpoint=endpoint)
    # The service may refuse media on a text endpoint: what counts is what was sent.
    with contextlib.suppress(DashScopeError):
        client.generate(request)
    (received,) = emulator.requests
    assert received.path.endswith(f"/{endpoint}/generation")
    assert received.body["input"]["messages"][index]["content"] == expected(content, endpoint)


def test_frameworks_keep_media_in_assistant_and_tool_messages(emulator: Emulator) -> None:
    image = {"type": "image", "url": "https://x/a.png"}
    ChatDashScope(model="qwen-vl-max").invoke([
        HumanMessage("Draw a cat"),
        AIMessage([image, {"type": "text", "text": "Here it is"}],
                  tool_calls=[{"name": "lookup", "args": {}, "id": "c1"}]),
        ToolMessage([image], tool_call_id="c1"),
    ])  # fmt: skip
    sent = emulator.requests[-1].body["input"]["messages"]
    assert sent[1]["content"] == [{"image": "https://x/a.png"}, {"text": "Here it is"}]
    assert sent[2]["content"] == [{"image": "https://x/a.png"}]
    blocks = [ImageBlock(url="https://x/a.png"), TextBlock(text="Here it is")]
    DashScope(model="qwen-vl-max").chat([
        ChatMessage(role="user", content="Draw a cat"),
        ChatMessage(role="assistant", blocks=blocks),
        ChatMessage(role="user", content="Thanks"),
    ])  # fmt: skip
    sent = emulator.requests[-1].body["input"]["messages"]
    assert sent[1]["content"] == [{"image": "https://x/a.png"}, {"text": "Here it is"}]


def test_partial_continuation_in_both_frameworks(emulator: Emulator) -> None:
    ChatDashScope(model="qwen-max").invoke([
        HumanMessage("Continue: Spring has come"),
        AIMessage("Spring has come,", additional_kwargs={"partial": True}),
    ])  # fmt: skip
    assert emulator.requests[-1].body["input"]["messages"][-1] == {
        "role": "assistant", "content": "Spring has come,", "partial": True
    }  # fmt: skip
    response = DashScope(model="qwen-max").chat([
        ChatMessage(role="user", content="Continue: Spring has come"),
        ChatMessage(role="assistant", content="Spring has come,",
                    additional_kwargs={"partial": True}),
    ])  # fmt: skip
    assert emulator.requests[-1].body["input"]["messages"][-1]["partial"] is True
    assert response.message.content == " (continued by qwen-max)"
