"""Every recorded generation exchange, replayed over HTTP through ChatDashScope and DashScope.

For each exchange in ``tests/data/recorded`` (copied from ``../shared/recorded``) the recorded
request is rebuilt as a framework call, with the recorded model id and the content given as
LangChain / LlamaIndex blocks (images, video frames, audio, qwen-long ``file_id`` blocks, tool
calls, a partial assistant message). The ``replay`` server (``tests/conftest.py``, on 127.0.0.1)
records what arrives and answers with the recorded bytes. The test checks that the request reproduces the recorded one
(endpoint, parts, parameters) and that the parsed answer matches a naive reading of the
recorded body: text, reasoning, tool calls, usage with image/audio/video tokens, ``ocr_result``
and ``search_info``.

Two differences are expected and named: the chat adapters always ask for
``result_format: "message"`` on the text endpoint (two recordings leave it to the service), and
a prompt-mode recording is sent as one user message (the frameworks' chat form).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from llama_index.core.base.llms.types import (
    AudioBlock,
    ChatMessage,
    DocumentBlock,
    ImageBlock,
    TextBlock,
    ToolCallBlock,
)

from langchain_dashscope_models import ChatDashScope
from llamaindex_dashscope_models import DashScope

RECORDED = Path(__file__).parent.parent / "data" / "recorded"
NAMES = sorted(
    p.name.removesuffix(".response.body.txt")
    for p in RECORDED.glob("*generation*.response.body.txt")
    if not p.name.startswith("application-")  # apps: test_recorded_apps.py
)
TEXT = "/api/v1/services/aigc/text-generation/generation"
MULTI = "/api/v1/services/aigc/multimodal-generation/generation"


def load(name: str, part: str) -> str:
    return (RECORDED / f"{name}.{part}").read_text("utf-8").lstrip("\ufeff")


def recorded_path(name: str) -> str:
    first = load(name, "request.header.txt").splitlines()[0]
    if first.startswith("POST "):
        return "/api/v1/" + first.split("/api/v1/", 1)[1].split(" ")[0]
    return MULTI if name.startswith("multimodal") else TEXT


# -- the recorded request as framework calls --------------------------------------------------


def lc_blocks(part: dict[str, Any]) -> list[dict[str, Any]]:
    """A DashScope part as LangChain standard blocks (a doc_url part: one file block a URL)."""
    if part.get("type") == "doc_url":
        strategy = {"file_parsing_strategy": part["file_parsing_strategy"]}
        return [{"type": "file", "url": url, "extras": strategy} for url in part["doc_url"]]
    return [lc_block(part)]


def lc_block(part: dict[str, Any]) -> dict[str, Any]:
    """A DashScope part as a LangChain standard block."""
    if set(part) - {"type"} == {"text"}:
        return {"type": "text", "text": part["text"]}
    kind = next(k for k in ("image", "video", "audio") if k in part)
    block: dict[str, Any] = {"type": kind, "url": part[kind]}  # a video may be a frame list
    if extras := {k: v for k, v in part.items() if k != kind}:
        block["extras"] = extras
    return block


def lc_content(content: Any) -> Any:
    if isinstance(content, str) and content.startswith("fileid://"):
        ids = [ref.removeprefix("fileid://") for ref in content.split(",")]
        return [{"type": "file", "file_id": file_id} for file_id in ids]
    if isinstance(content, list):
        return [block for p in content for block in lc_blocks(p)]
    return content


def lc_messages(wire: list[dict[str, Any]]) -> list[BaseMessage]:
    out: list[BaseMessage] = []
    for m in wire:
        content = lc_content(m.get("content", ""))
        if m["role"] == "system":
            out.append(SystemMessage(content))
        elif m["role"] == "user":
            out.append(HumanMessage(content))
        elif m["role"] == "assistant":
            calls = [
                {"name": c["function"]["name"], "args": json.loads(c["function"]["arguments"]),
                 "id": c["id"], "type": "tool_call"}
                for c in m.get("tool_calls") or []
            ]  # fmt: skip
            extra = {"partial": True} if m.get("partial") else {}
            out.append(AIMessage(content or "", tool_calls=calls, additional_kwargs=extra))
        else:
            text = "".join(p["text"] for p in content) if isinstance(content, list) else content
            out.append(ToolMessage(text, tool_call_id=m["tool_call_id"]))
    return out


def li_message(m: dict[str, Any]) -> ChatMessage:
    content, extra = m.get("content", ""), {}
    blocks: list[Any] = []
    if isinstance(content, str):
        blocks = [TextBlock(text=content)] if content else []
    else:
        for part in content:
            if "text" in part:
                blocks.append(TextBlock(text=part["text"]))
            elif part.get("type") == "doc_url":  # the strategy is the default, "auto"
                blocks += [DocumentBlock(url=url) for url in part["doc_url"]]
            elif "image" in part:
                blocks.append(ImageBlock(url=part["image"]))
                if options := {k: v for k, v in part.items() if k != "image"}:
                    extra["image_options"] = options
            elif "video" in part:  # frames
                blocks += [ImageBlock(url=url) for url in part["video"]]
                extra["images_as_video"] = True
            elif "audio" in part:
                blocks.append(AudioBlock(url=part["audio"]))
    for c in m.get("tool_calls") or []:
        blocks.append(ToolCallBlock(tool_call_id=c["id"], tool_name=c["function"]["name"],
                                    tool_kwargs=c["function"]["arguments"]))  # fmt: skip
    if m.get("partial"):
        extra["partial"] = True
    if m["role"] == "tool":
        extra["tool_call_id"] = m["tool_call_id"]
    return ChatMessage(role=m["role"], blocks=blocks, additional_kwargs=extra)


# -- what the recorded answer says ------------------------------------------------------------


def expected(name: str) -> dict[str, Any]:
    text = load(name, "response.body.txt")
    datas = [json.loads(ln[5:]) for ln in text.splitlines() if ln.startswith("data:")] or [
        json.loads(text)
    ]
    pieces, reasoning, calls, extras = [], [], {}, {}
    for d in datas:
        out = d["output"]
        msg = (out.get("choices") or [{}])[0].get("message") or {}
        content = msg.get("content", out.get("text", ""))
        if isinstance(content, list):
            pieces += [p.get("text", "") for p in content]
            extras.update((k, v) for p in content for k, v in p.items() if k != "text")
        else:
            pieces.append(content)
        reasoning.append(msg.get("reasoning_content") or "")
        for c in msg.get("tool_calls") or []:
            slot = calls.setdefault(
                c["index"], {"id": c["id"], "name": c["function"].get("name"), "arguments": ""}
            )
            slot["arguments"] += c["function"].get("arguments", "")
        extras.update((k, out[k]) for k in ("search_info", "tool_info") if k in out)
    usage = datas[-1].get("usage") or {}
    details = usage.get("input_tokens_details") or {}
    media = {k: usage.get(k, details.get(k)) for k in ("image", "audio", "video")
             for k in [f"{k}_tokens"]}  # fmt: skip
    return {"text": "".join(pieces), "reasoning": "".join(reasoning), "calls": calls,
            "extras": extras, "usage": usage, "media": media,
            "request_id": datas[-1]["request_id"]}  # fmt: skip


def wanted_body(name: str, recorded: dict[str, Any]) -> dict[str, Any]:
    want = json.loads(json.dumps(recorded))
    if "prompt" in want["input"]:  # prompt mode: the frameworks send it as a user message
        want["input"] = {"messages": [{"role": "user", "content": want["input"]["prompt"]}]}
    if recorded_path(name) == TEXT:  # the chat adapters always ask for the message format
        want["parameters"].setdefault("result_format", "message")
    return want


def call_parameters(recorded: dict[str, Any], streaming: bool) -> dict[str, Any]:
    params = dict(recorded.get("parameters") or {})
    if streaming:
        params.pop("incremental_output", None)  # a stream sends incremental_output: true
    return params


GENERATION = [n for n in NAMES if "error" not in n]


@pytest.mark.parametrize("name", GENERATION)
async def test_langchain_replays_the_recording(name: str, replay: Any, sync: bool) -> None:
    recorded = json.loads(load(name, "request.body.json"))
    streaming = name.endswith("-sse")
    replay.serve(name)
    llm = ChatDashScope(model=recorded["model"], base_url=replay.url, api_key="sk-replay",
                        max_retries=0)  # fmt: skip
    inp = recorded["input"]
    messages = lc_messages(inp.get("messages") or [{"role": "user", "content": inp.get("prompt")}])
    params = call_parameters(recorded, streaming)
    if streaming:
        chunks = list(llm.stream(messages, **params)) if sync else [
            c async for c in llm.astream(messages, **params)
        ]  # fmt: skip
        message: Any = chunks[0]
        for chunk in chunks[1:]:
            message = message + chunk
    else:
        message = llm.invoke(messages, **params) if sync else await llm.ainvoke(messages, **params)
    ((path, body),) = replay.received
    assert path == recorded_path(name)
    assert body == wanted_body(name, recorded)
    want = expected(name)
    assert message.content == want["text"]
    assert message.additional_kwargs.get("reasoning_content", "") == want["reasoning"]
    calls = {i: (c["id"], c["name"], c["args"]) for i, c in enumerate(message.tool_calls)}
    assert calls == {
        i: (c["id"], c["name"], json.loads(c["arguments"])) for i, c in want["calls"].items()
    }
    usage = message.usage_metadata
    assert (usage["input_tokens"], usage["output_tokens"]) == (
        want["usage"]["input_tokens"], want["usage"]["output_tokens"]
    )  # fmt: skip
    details = usage.get("input_token_details") or {}
    for kind, count in want["media"].items():
        assert details.get(kind.removesuffix("_tokens")) == count, kind
    for key, value in want["extras"].items():
        assert message.response_metadata[key] == value, key
    assert message.response_metadata["request_id"] == want["request_id"]


@pytest.mark.parametrize("name", GENERATION)
async def test_llamaindex_replays_the_recording(name: str, replay: Any, sync: bool) -> None:
    recorded = json.loads(load(name, "request.body.json"))
    streaming = name.endswith("-sse")
    replay.serve(name)
    llm = DashScope(model=recorded["model"], base_url=replay.url, api_key="sk-replay",
                    max_retries=0)  # fmt: skip
    inp = recorded["input"]
    wire = inp.get("messages") or [{"role": "user", "content": inp.get("prompt")}]
    messages = [li_message(m) for m in wire]
    params = call_parameters(recorded, streaming)
    if streaming:
        if sync:
            responses = list(llm.stream_chat(messages, **params))
        else:
            responses = [r async for r in await llm.astream_chat(messages, **params)]
        response = responses[-1]
    else:
        response = llm.chat(messages, **params) if sync else await llm.achat(messages, **params)
    ((path, body),) = replay.received
    assert path == recorded_path(name)
    assert body == wanted_body(name, recorded)
    want = expected(name)
    message = response.message
    assert message.content == want["text"]
    thinking = "".join(b.content or "" for b in message.blocks if b.block_type == "thinking")
    assert thinking == want["reasoning"]
    calls = [(c["id"], c["function"]["name"], c["function"]["arguments"])
             for c in message.additional_kwargs.get("tool_calls") or []]  # fmt: skip
    assert calls == [(c["id"], c["name"], c["arguments"]) for c in want["calls"].values()]
    extra = response.additional_kwargs
    assert (extra["prompt_tokens"], extra["completion_tokens"]) == (
        want["usage"]["input_tokens"], want["usage"]["output_tokens"]
    )  # fmt: skip
    for kind, count in want["media"].items():
        assert extra.get(kind) == count, kind
    for key, value in want["extras"].items():
        assert extra[key] == value, key
    assert extra["request_id"] == want["request_id"]
