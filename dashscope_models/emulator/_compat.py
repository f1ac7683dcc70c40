"""Batch rows for the emulator's engine: a chat-completions body in, a native answer out.

The Batch service runs OpenAI-shaped chat completions (recorded: ``get-file-content-compatible-
nosse``); the emulator answers them with the same engine as live native calls. This module only
translates: :func:`native_request` turns a row's ``body`` into a native generation body (and the
endpoint path the model is served on), :func:`completion` turns the native answer into the
recorded ``chat.completion`` object.

Example::

    path, native = native_request({"model": "qwen-plus", "messages": [...]})
    completion(json.loads(answer_body), "qwen-plus", created=1776432582)
"""

from __future__ import annotations

import json
from typing import Any

from dashscope_models._catalog import get_spec

__all__ = ["completion", "merged_stream", "native_request", "needs_stream"]

_PATHS = {
    "text-generation": "/services/aigc/text-generation/generation",
    "multimodal-generation": "/services/aigc/multimodal-generation/generation",
}
# Top-level chat-completions keys that are not generation parameters of the native protocol
# [INF: n is dropped, one choice is answered; result_format "message" is forced below, as the
# recorded output rows are chat completions].
_NOT_PARAMETERS = frozenset({"model", "messages", "stream", "stream_options", "n"})


def _native_part(part: Any) -> Any:
    if not isinstance(part, dict):
        return part
    kind = part.get("type")
    if kind == "text":
        return {"text": part.get("text", "")}
    if kind == "image_url":
        return {"image": (part.get("image_url") or {}).get("url", "")}
    if kind == "video_url":
        return {"video": (part.get("video_url") or {}).get("url", "")}
    if kind == "input_audio":
        return {"audio": (part.get("input_audio") or {}).get("data", "")}
    return part


def _native_message(message: Any, multimodal: bool) -> Any:
    if not isinstance(message, dict):
        return message
    out = dict(message)
    content = message.get("content")
    if isinstance(content, list):
        parts = [_native_part(p) for p in content]
        if multimodal:
            out["content"] = parts
        else:  # the text endpoint takes a string
            out["content"] = "".join(p.get("text", "") for p in parts if isinstance(p, dict))
    elif multimodal and isinstance(content, str):
        out["content"] = [{"text": content}]
    return out


def native_request(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``(endpoint path below /api/v1, native body)`` for a row's chat-completions ``body``."""
    model = body.get("model")
    endpoint = get_spec(model).endpoint if isinstance(model, str) else "text-generation"
    path = _PATHS.get(endpoint, _PATHS["text-generation"])
    multimodal = path == _PATHS["multimodal-generation"]
    messages = body.get("messages")
    if isinstance(messages, list):
        messages = [_native_message(m, multimodal) for m in messages]
    parameters = {k: v for k, v in body.items() if k not in _NOT_PARAMETERS}
    parameters["result_format"] = "message"
    return path, {"model": model, "input": {"messages": messages}, "parameters": parameters}


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def completion(answer: dict[str, Any], model: str, created: int) -> dict[str, Any]:
    """A native answer body as the recorded ``chat.completion`` object (same key order)."""
    request_id = str(answer.get("request_id") or "")
    usage = answer.get("usage") or {}
    out_usage: dict[str, Any] = {
        "completion_tokens": usage.get("output_tokens", 0),
        "prompt_tokens": usage.get("input_tokens", 0),
        "total_tokens": usage.get("total_tokens", 0),
    }
    # No prompt_tokens_details: the recorded rows have none (batches get no context cache).
    if usage.get("output_tokens_details"):
        out_usage["completion_tokens_details"] = usage["output_tokens_details"]
    choices = []
    for i, choice in enumerate((answer.get("output") or {}).get("choices") or []):
        native = choice.get("message") or {}
        message: dict[str, Any] = {"role": "assistant", "content": _text(native.get("content"))}
        if native.get("reasoning_content"):
            message["reasoning_content"] = native["reasoning_content"]
        if native.get("tool_calls"):
            message["tool_calls"] = native["tool_calls"]
        out: dict[str, Any] = {
            "finish_reason": choice.get("finish_reason"),
            "index": i,
            "message": message,
        }
        if choice.get("logprobs") is not None:
            out["logprobs"] = choice["logprobs"]
        choices.append(out)
    return {
        "created": created,
        "usage": out_usage,
        "model": model,
        "id": f"chatcmpl-{request_id}",
        "choices": choices,
        "object": "chat.completion",
    }


def needs_stream(native: dict[str, Any]) -> bool:
    """A thinking row of a stream-only-thinking model: the live service takes it only as a
    stream, while the Batch service runs it (its docs: thinking models in batches), so the
    emulator streams it through the engine and merges the events."""
    model = native.get("model")
    if not isinstance(model, str):
        return False
    spec = get_spec(model)
    params = native["parameters"]
    return spec.stream_only_thinking and spec.thinks(
        params.get("enable_thinking"), params.get("reasoning_effort")
    )


def merged_stream(body: bytes) -> tuple[int, dict[str, Any]]:
    """``(status, answer)`` of an incremental SSE answer: its deltas joined into one native
    message answer, or the error event's status and body."""
    text: list[str] = []
    reasoning: list[str] = []
    last: dict[str, Any] = {}
    status = 200
    calls: dict[int, dict[str, Any]] = {}
    for line in body.decode("utf-8").splitlines():
        if line.startswith(":HTTP_STATUS/"):
            status = int(line.split("/", 1)[1])
        if not line.startswith("data:"):
            continue
        event = json.loads(line[5:])
        if status != 200:
            return status, event
        last = event
        for choice in (event.get("output") or {}).get("choices") or []:
            message = choice.get("message") or {}
            text.append(_text(message.get("content")))
            reasoning.append(message.get("reasoning_content") or "")
            for call in message.get("tool_calls") or []:
                whole = calls.setdefault(int(call.get("index", 0)), {**call, "function": {}})
                function = whole["function"]
                for key, piece in (call.get("function") or {}).items():
                    function[key] = function.get(key, "") + str(piece or "")
    choice = ((last.get("output") or {}).get("choices") or [{}])[-1]
    merged: dict[str, Any] = {"role": "assistant", "content": "".join(text)}
    if any(reasoning):
        merged["reasoning_content"] = "".join(reasoning)
    if calls:
        merged["tool_calls"] = [calls[i] for i in sorted(calls)]
    answer = {
        **last,
        "output": {"choices": [{"message": merged, "finish_reason": choice.get("finish_reason")}]},
    }
    return status, answer
