"""Every recorded real DashScope exchange, replayed over HTTP, read exactly by the client.

The ``replay`` server (``tests/conftest.py``: stdlib ``http.server`` on 127.0.0.1) answers with the recorded status,
headers and body bytes (an SSE body in several pieces). For each exchange the test rebuilds the
recorded request from our own types, checks our request builder produces the recorded body,
sends it through :class:`DashScopeClient`, and compares what the client returns with what an
independent, naive reading of the recorded body says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dashscope_models import (
    AuthenticationError,
    BadRequestError,
    DashScopeClient,
    GenerationRequest,
    Message,
    ToolCall,
)
from dashscope_models._request import build_body

RECORDED = Path(__file__).parent.parent / "data" / "recorded"
NAMES = sorted(
    p.name.removesuffix(".response.body.txt")
    for p in RECORDED.glob("*.response.body.txt")
    if "embedding" not in p.name and not p.name.startswith("application-")
)
PARAMS = [
    "temperature",
    "top_p",
    "top_k",
    "seed",
    "max_tokens",
    "repetition_penalty",
    "presence_penalty",
    "frequency_penalty",
    "stop",
    "result_format",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "enable_thinking",
    "thinking_budget",
    "enable_search",
    "incremental_output",
]


def load(name: str, part: str) -> str:
    return (RECORDED / f"{name}.{part}").read_text("utf-8").lstrip("\ufeff")


def to_message(raw: dict[str, Any]) -> Message:
    calls = [
        ToolCall(c["id"], c["function"]["name"], c["function"]["arguments"], c.get("index", 0), c.get("type", "function"))
        for c in raw.get("tool_calls") or []
    ]  # fmt: skip
    return Message(
        raw["role"],
        raw.get("content", ""),
        tool_calls=calls or None,
        tool_call_id=raw.get("tool_call_id"),
        name=raw.get("name"),
        partial=raw.get("partial", False),
    )


def to_request(recorded: dict[str, Any]) -> GenerationRequest:
    params = dict(recorded.get("parameters") or {})
    inp = recorded["input"]
    return GenerationRequest(
        model=recorded["model"],
        messages=[to_message(m) for m in inp["messages"]] if inp.get("messages") else None,
        prompt=None if inp.get("messages") else inp.get("prompt"),
        **{k: params.pop(k) for k in PARAMS if k in params},
        extra_parameters=params,  # e.g. max_completion_tokens, vl_high_resolution_images
    )


def expected(name: str) -> dict[str, Any]:
    """A naive reading of the recorded body: the last event, plus all incremental pieces."""
    text = load(name, "response.body.txt")
    datas = [json.loads(ln[5:]) for ln in text.splitlines() if ln.startswith("data:")] or [
        json.loads(text)
    ]
    pieces, reasoning, calls = [], [], {}
    for d in datas:
        out = d.get("output") or {}
        choice = (out.get("choices") or [{}])[0]
        msg = choice.get("message") or {}
        content = msg.get("content", out.get("text", ""))
        pieces.append(content if isinstance(content, str) else "".join(p["text"] for p in content))
        reasoning.append(msg.get("reasoning_content") or "")
        for c in msg.get("tool_calls") or []:
            slot = calls.setdefault(
                c["index"], {"id": c["id"], "name": c["function"].get("name"), "arguments": ""}
            )
            slot["arguments"] += c["function"].get("arguments", "")
    last = datas[-1]
    finish = ((last.get("output") or {}).get("choices") or [last.get("output") or {}])[0].get(
        "finish_reason"
    )
    return {"text": "".join(pieces), "reasoning": "".join(reasoning) or None, "calls": calls,
            "finish": finish, "last": last}  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
async def test_recorded_exchange(name: str, replay: Any, sync: bool) -> None:
    recorded = json.loads(load(name, "request.body.json"))
    streaming = name.endswith("-sse")
    replay.serve(name)
    client = DashScopeClient(base_url=replay.url, api_key="sk-replay", max_retries=0)
    if "error" in name:  # the recorded request is invalid on purpose: send a valid one instead
        request = GenerationRequest(model=recorded["model"], prompt="1+1=")
        cls = AuthenticationError if "auth" in name else BadRequestError
        with pytest.raises(cls) as info:
            if streaming:
                _ = (
                    list(client.stream(request))
                    if sync
                    else [c async for c in client.astream(request)]
                )
            else:
                _ = client.generate(request) if sync else await client.agenerate(request)
        err, want = info.value, expected(name)["last"]
        assert (err.status_code, err.code, err.message, err.request_id) == (
            400 if "parameter" in name else 401, want["code"], want["message"], want["request_id"]
        )  # fmt: skip
        return
    request = to_request(recorded)
    assert build_body(request, stream=streaming).body == recorded  # our builder sends exactly this
    want = expected(name)
    if streaming:
        chunks = (
            list(client.stream(request)) if sync else [c async for c in client.astream(request)]
        )
        text = "".join(c.text for c in chunks)
        reasoning = "".join(c.reasoning_content for c in chunks) or None
        finish, usage, request_id = (
            chunks[-1].finish_reason,
            chunks[-1].usage,
            chunks[-1].request_id,
        )
        assert [c.usage is not None for c in chunks].count(True) == 1
        calls = {}
        for d in (d for c in chunks for d in c.tool_calls):
            slot = calls.setdefault(d.index, {"id": d.id, "name": d.name, "arguments": ""})
            slot["arguments"] += d.arguments
    else:
        result = client.generate(request) if sync else await client.agenerate(request)
        text, reasoning, finish = result.text, result.reasoning_content, result.finish_reason
        usage, request_id = result.usage, result.request_id
        calls = {
            c.index: {"id": c.id, "name": c.name, "arguments": c.arguments}
            for c in result.tool_calls
        }
        assert result.raw == want["last"]
    assert (text, reasoning, finish, calls) == (
        want["text"],
        want["reasoning"],
        want["finish"],
        want["calls"],
    )
    assert request_id == want["last"]["request_id"]
    wire = want["last"]["usage"]
    assert usage is not None and (usage.input_tokens, usage.output_tokens) == (
        wire["input_tokens"],
        wire["output_tokens"],
    )
    details = wire.get("prompt_tokens_details", {})
    assert usage.cached_tokens == details.get("cached_tokens")
    assert usage.reasoning_tokens == wire.get("output_tokens_details", {}).get("reasoning_tokens")
    assert usage.image_tokens == wire.get("image_tokens")
