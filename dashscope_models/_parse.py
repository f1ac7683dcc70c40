"""Reading DashScope answer bodies: one place that knows the shapes of ``output``.

Both formats are handled: ``result_format: "text"`` (``output.text``, ``output.finish_reason``)
and ``"message"`` (``output.choices[0].message`` with ``content`` as a string, or as a list of
``{"text": ...}`` parts on the multimodal endpoint). ``finish_reason`` ``"null"`` (the string,
as unfinished stream events carry it) reads as ``None``. ``choices[0].logprobs`` (sent when the
request asked for ``logprobs``) is read as its ``content`` list, OpenAI-shaped entries as sent.

Example::

    result = parse_result({"output": {"text": "2", "finish_reason": "stop"},
                           "usage": {"input_tokens": 3, "output_tokens": 1},
                           "request_id": "r-1"}, "qwen-plus")
    assert result.text == "2" and result.usage.total_tokens == 4
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashscope_models._answer_fields import KNOWN, OUTPUT_EXTRAS, undeclared
from dashscope_models._errors import DashScopeError, StreamError, error_from_body
from dashscope_models._types import GenerationResult, ToolCall, Usage

__all__ = [
    "Output",
    "logprob_entries",
    "output_extras",
    "parse_result",
    "read_output",
    "require_output",
]


@dataclass(slots=True, kw_only=True)
class Output:
    """What one body or streamed event says: ``tool_calls`` as sent (wire dicts), ``logprobs``
    the wire ``choices[0].logprobs`` object (``None`` when absent), ``finish_reason`` ``None``
    until the last event.

    Example: ``read_output({"text": "2", "finish_reason": "stop"}).text  # '2'``
    """

    text: str
    reasoning_content: str
    tool_calls: list[dict[str, Any]]
    finish_reason: str | None
    logprobs: Any


def require_output(data: Any, status: int = 200) -> dict[str, Any]:
    """The ``output`` object of a body; a body without one is an error body or malformed."""
    if isinstance(data, dict):
        output = data.get("output")
        if isinstance(output, dict):
            return output
        if data.get("code"):
            raise error_from_body(status if status != 200 else 400, data)
    raise _malformed(data)


def read_output(output: dict[str, Any], into: Output | None = None) -> Output:
    """Text, reasoning, tool calls, finish reason and logprobs from an ``output`` object;
    ``into``: an :class:`Output` to fill instead of a new one (a stream reads every event into
    one, since making a new object per event is most of this function's cost)."""
    choices = output.get("choices")
    if choices:
        choice = choices[0]
        message = choice.get("message") or {}
        content = message.get("content")
        if content is None:
            text = ""
        elif isinstance(content, str):
            text = content
        else:
            text = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        reasoning = message.get("reasoning_content") or ""
        tool_calls = message.get("tool_calls") or []
        finish = choice.get("finish_reason")
        logprobs = choice.get("logprobs")  # absent unless asked for: one lookup, nothing more
    else:
        text = output.get("text") or ""
        reasoning = output.get("reasoning_content") or ""
        tool_calls = []
        finish = output.get("finish_reason")
        logprobs = None
    out = new_output() if into is None else into
    out.text = text
    out.reasoning_content = reasoning
    out.tool_calls = tool_calls
    out.finish_reason = None if finish in (None, "null", "") else finish
    out.logprobs = logprobs
    return out


def new_output() -> Output:
    """An empty :class:`Output`, to read events into."""
    return Output(text="", reasoning_content="", tool_calls=[], finish_reason=None, logprobs=None)


_KNOWN_OUTPUT = KNOWN["output"]
_KNOWN_CHOICE = KNOWN["choice"]
_KNOWN_MESSAGE = KNOWN["message"]
_KNOWN_PART = KNOWN["part"]


def output_extras(output: dict[str, Any]) -> dict[str, Any] | None:
    """What an ``output`` carries beside the message, as sent: the extra rows of the answer-field
    table (``search_info``, ``tool_info`` beside the message, ``ocr_result`` in a content part),
    and any field the table does not declare (kept, with the ``UndeclaredAnswerField``
    warning). Once per streamed event: a plain text answer costs a few lookups."""
    extras: dict[str, Any] | None = None
    if len(output) > 1:  # a message answer's output is {"choices": [...]} alone
        for key in OUTPUT_EXTRAS:
            found = output.get(key)
            if found is not None:
                extras = extras or {}
                extras[key] = found
        if not output.keys() <= _KNOWN_OUTPUT:
            extras = _undeclared("output", output, _KNOWN_OUTPUT, extras)
    choices = output.get("choices")
    if not choices:
        return extras
    choice = choices[0]
    if len(choice) > 2 and not choice.keys() <= _KNOWN_CHOICE:
        extras = _undeclared("choice", choice, _KNOWN_CHOICE, extras)
    message = choice.get("message")
    if not message:
        return extras
    if len(message) > 2 and not message.keys() <= _KNOWN_MESSAGE:
        extras = _undeclared("message", message, _KNOWN_MESSAGE, extras)
    content = message.get("content")
    if content.__class__ is list:  # multimodal parts: keys beside "text" (ocr_result)
        for part in content:
            if isinstance(part, dict) and (len(part) > 1 or "text" not in part):
                extras = extras or {}
                for key, value in part.items():
                    if key == "text":
                        continue
                    if key not in _KNOWN_PART:
                        undeclared("part", key)
                    extras[key] = value
    return extras


def _undeclared(
    place: str, found: dict[str, Any], known: frozenset[str], extras: dict[str, Any] | None
) -> dict[str, Any]:
    """The fields of ``found`` no row declares, into ``extras`` (each warned about once)."""
    extras = extras or {}
    for key, value in found.items():
        if key not in known:
            undeclared(place, key)
            extras[key] = value
    return extras


def logprob_entries(logprobs: Any) -> list[dict[str, Any]] | None:
    """The ``content`` list of a wire ``logprobs`` object (``None`` when there is none)."""
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    return content if isinstance(content, list) else None


def parse_result(body: Any, model: str) -> GenerationResult:
    """A whole (non-streamed) answer body as a :class:`GenerationResult`."""
    wire = require_output(body)
    output = read_output(wire)
    calls = [
        ToolCall(
            id=str(call.get("id") or ""),
            name=str((call.get("function") or {}).get("name") or ""),
            arguments=str((call.get("function") or {}).get("arguments") or ""),
            index=int(call.get("index", i)),
            type=str(call.get("type") or "function"),
        )
        for i, call in enumerate(output.tool_calls)
    ]
    usage = body.get("usage")
    logprobs = output.logprobs
    return GenerationResult(
        text=output.text,
        request_id=str(body.get("request_id") or ""),
        model=model,
        finish_reason=output.finish_reason,
        reasoning_content=output.reasoning_content or None,
        tool_calls=calls,
        usage=Usage.from_wire(usage) if isinstance(usage, dict) else None,
        raw=body,
        logprobs=logprob_entries(logprobs) if logprobs is not None else None,
        extras=output_extras(wire),
    )


def _malformed(data: Any) -> DashScopeError:
    preview = repr(data)[:200]
    return StreamError(
        f"the service answered without an 'output' object: {preview}",
        code="MalformedResponse",
        status_code=200,
        request_id=data.get("request_id") if isinstance(data, dict) else None,
    )
