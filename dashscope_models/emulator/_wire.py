"""Rendering answers in DashScope's exact wire format: JSON bodies and SSE events.

Shapes follow the recorded exchanges: ``output.text`` + ``output.finish_reason`` for the text
format, ``output.choices[0].message`` for the message format (content as ``[{"text": ...}]`` on
the multimodal endpoint), ``usage`` per family, and SSE events framed as
``id:N\\nevent:result\\n:HTTP_STATUS/200\\ndata:{json}\\n\\n`` with ``finish_reason`` the string
``"null"`` until the last event and usage cumulative on every event. Log probabilities (message
format) are ``choices[0].logprobs = {"content": [...]}``: every entry in a plain body, in a
stream the entries of each event's text piece (all so far when the output is cumulative).

Example::

    body = json_body(answer, shape, request_id)            # bytes of a plain answer
    events = stream_events(answer, shape, request_id, incremental=True)  # list of data dicts
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from dashscope_models.emulator._replies import Answer, pieces, text_pieces

__all__ = ["Shape", "error_body", "json_body", "sse_frame", "stream_events"]


@dataclass(frozen=True, slots=True)
class Shape:
    """How the answer is laid out: result format, endpoint kind and usage reporting."""

    message: bool  # result_format "message" (else "text")
    multimodal: bool
    usage: str  # "total" | "no-total" | "none"
    input_tokens: int
    image_tokens: int = 0
    usage_extras: tuple[tuple[str, Any], ...] = ()  # video/audio token counts (see _media)
    answer_usage: tuple[tuple[str, Any], ...] = ()  # plugins: once the answer phase began
    content_extras: dict[str, Any] | None = None  # beside the text part: ocr_result
    output_extras: dict[str, Any] | None = None  # beside the choices: search_info


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def error_body(code: str, message: str, request_id: str) -> bytes:
    """The service's error body."""
    return _dumps({"code": code, "message": message, "request_id": request_id}).encode()


def _usage(shape: Shape, output: int, reasoning: int, override: dict[str, Any] | None) -> Any:
    if override is not None:
        return override
    if shape.usage == "none":
        return None
    usage: dict[str, Any] = {"input_tokens": shape.input_tokens, "output_tokens": output}
    if shape.multimodal:  # a count per media kind the request carries (recorded -vl-, -audio-)
        if shape.image_tokens:
            usage["image_tokens"] = shape.image_tokens
    elif shape.usage == "total":
        usage["total_tokens"] = shape.input_tokens + output
        usage["prompt_tokens_details"] = {"cached_tokens": 0}
    usage.update(shape.usage_extras)
    usage.update(shape.answer_usage)
    if reasoning:
        usage["output_tokens_details"] = {"reasoning_tokens": reasoning}
    return usage


def _output(
    shape: Shape,
    text: str,
    reasoning: str,
    calls: list[dict[str, Any]],
    finish: str,
    logprobs: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    if not shape.message and not calls:
        out: dict[str, Any] = {"finish_reason": finish, "text": text}
        if reasoning:
            out["reasoning_content"] = reasoning
        return out
    # Multimodal content is a part list, empty while only reasoning or calls come (recorded
    # multimodal-generation-message-with-tools-sse; reference §7, §8).
    parts = [{**(shape.content_extras or {}), "text": text}] if text or shape.content_extras else []
    message: dict[str, Any] = {"role": "assistant", "content": parts if shape.multimodal else text}
    if reasoning:
        message["reasoning_content"] = reasoning
    if calls:
        message["tool_calls"] = calls
    choice: dict[str, Any] = {"finish_reason": finish, "message": message}
    if logprobs is not None:
        choice["logprobs"] = {"content": logprobs}
    if shape.output_extras is None:
        return {"choices": [choice]}
    out = {"choices": [choice], **shape.output_extras}
    if "model_name" in out:  # translation answers repeat the finish reason beside the choices
        out["finish_reason"] = finish
    return out


def _data(
    answer: Answer, shape: Shape, request_id: str, output: dict[str, Any], tokens: tuple[int, int]
) -> dict[str, Any]:
    data: dict[str, Any] = {"output": output}
    usage = _usage(shape, tokens[0], tokens[1], answer.usage)
    if usage is not None:
        data["usage"] = usage
    data["request_id"] = request_id
    return data


def json_body(answer: Answer, shape: Shape, request_id: str) -> bytes:
    """A plain (non-streamed) answer body."""
    reasoning = len(pieces(answer.reasoning))
    output_tokens = len(pieces(answer.text)) + reasoning + 8 * len(answer.tool_calls)
    output = _output(
        shape, answer.text, answer.reasoning, answer.tool_calls, answer.finish_reason,
        answer.logprobs,
    )  # fmt: skip
    return _dumps(_data(answer, shape, request_id, output, (output_tokens, reasoning))).encode()


def _fragments(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each call in pieces: the first with id, type and name, later ones arguments only."""
    out: list[dict[str, Any]] = []
    for call in calls:
        args = call["function"]["arguments"]
        cut = max(1, len(args) // 3)
        parts = [args[i : i + cut] for i in range(0, len(args), cut)] or [""]
        out.append({**call, "function": {"name": call["function"]["name"], "arguments": parts[0]}})
        out += [
            {"index": call["index"], "id": "", "type": "function", "function": {"arguments": p}}
            for p in parts[1:]
        ]
    return out


def stream_events(
    answer: Answer, shape: Shape, request_id: str, *, incremental: bool
) -> list[dict[str, Any]]:
    """The data objects of a streamed answer, one per event, the last with the finish reason."""
    Step = tuple[str, str, list[dict[str, Any]], list[dict[str, Any]]]
    steps: list[Step] = [("", p, [], []) for p in pieces(answer.reasoning)]
    texts = text_pieces(answer)
    entries = answer.logprobs or []  # one per text piece; any left over go with the last
    steps += [
        (p, "", [], entries[j : j + 1] if j < len(texts) - 1 else entries[j:])
        for j, p in enumerate(texts)
    ]
    steps += [("", "", [f], []) for f in _fragments(answer.tool_calls)]
    with_logprobs = answer.logprobs is not None
    # While only reasoning comes, no tool has run: tool_info and plugin counts come after.
    thinking = replace(shape, output_extras=None, answer_usage=())
    events: list[dict[str, Any]] = []
    text_so_far, reasoning_so_far = "", ""
    logprobs_so_far: list[dict[str, Any]] = []
    output_tokens = reasoning_tokens = 0
    calls_so_far: dict[int, dict[str, Any]] = {}
    for i, (text, reasoning, frags, new_entries) in enumerate(steps):
        # Tool streams end on their last fragment, multimodal ones on their last piece (§6.2).
        last = i == len(steps) - 1 and (bool(frags) or shape.multimodal)
        text_so_far += text
        reasoning_so_far += reasoning
        logprobs_so_far += new_entries
        reasoning_tokens += 1 if reasoning else 0
        output_tokens += 1
        finish = answer.finish_reason if last else "null"
        phase = thinking if reasoning and not (text or frags or last) else shape
        if incremental:
            logprobs = new_entries if with_logprobs else None
            output = _output(phase, text, reasoning, frags, finish, logprobs)
        else:
            for f in frags:
                whole = calls_so_far.setdefault(
                    f["index"],
                    {"index": f["index"], "id": f["id"], "type": "function",
                     "function": {"name": f["function"].get("name", ""), "arguments": ""}},
                )  # fmt: skip
                whole["function"]["arguments"] += f["function"]["arguments"]
            calls = [{**c, "function": dict(c["function"])} for c in calls_so_far.values()]
            logprobs = list(logprobs_so_far) if with_logprobs else None
            output = _output(phase, text_so_far, reasoning_so_far, calls, finish, logprobs)
        events.append(_data(answer, phase, request_id, output, (output_tokens, reasoning_tokens)))
    if not steps or not (steps[-1][2] or shape.multimodal):
        final_text = "" if incremental else text_so_far
        final_reasoning = "" if incremental else reasoning_so_far
        logprobs = None if not with_logprobs else [] if incremental else logprobs_so_far
        output = _output(shape, final_text, final_reasoning, [], answer.finish_reason, logprobs)
        events.append(_data(answer, shape, request_id, output, (output_tokens, reasoning_tokens)))
    return events


def sse_frame(
    event_id: int, data: dict[str, Any] | str, *, error_status: int | None = None
) -> bytes:
    """One SSE event exactly as the service frames it."""
    payload = data if isinstance(data, str) else _dumps(data)
    kind, status = ("error", error_status) if error_status is not None else ("result", 200)
    return f"id:{event_id}\nevent:{kind}\n:HTTP_STATUS/{status}\ndata:{payload}\n\n".encode()
