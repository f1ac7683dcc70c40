"""The emulator's answers: deterministic, request-aware defaults, and scripted overrides.

With nothing queued the emulator answers so that framework test suites run unchanged:
* it names the model and repeats the last user message: ``[qwen-plus] You said: Hello``;
* when tools are offered and ``tool_choice`` allows, and the last message is the user's, it
  calls the forced tool, else the tool the message is about (``_toolpick``: its name, the
  words it shares with the tool, the arguments it can fill), with arguments built from the
  tool's JSON schema and the message's words;
* after a tool result it answers with that result;
* with a JSON ``response_format`` it returns JSON (fitting the schema, when one is given);
* thinking models reason first; prompt-only models get their quirks (MOSS echoes the prompt
  and ends with ``<eom>``);
* with ``logprobs: true`` each text piece gets a log-probability entry (see :func:`logprobs_for`).

Example::

    answer = default_answer(body, get_spec(body["model"]))
    answer.text, answer.tool_calls, answer.reasoning
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from dashscope_models._catalog import ModelSpec
from dashscope_models.emulator._script import Reply
from dashscope_models.emulator._toolpick import named_in, pick_tool
from dashscope_models.emulator._values import Words, value_for

__all__ = [
    "Answer",
    "apply_reply",
    "default_answer",
    "logprobs_for",
    "pieces",
    "text_pieces",
    "user_text",
]

_PIECE = re.compile(r"[\u2e80-\uffff]{1,2}|[^\s\u2e80-\uffff]+\s*|\s+")
_MOSS_TURN = re.compile(r"<\|Human\|>:\s?(.*?)<eoh>", re.S)
_YUAN_TURN = re.compile(r"用户：(.*?)\n小元：", re.S)
# The alternatives a logprobs entry lists after the token itself (deterministic filler).
_ALTERNATIVES = (" the", ",", ".", " a", " and", " of", " to", " is", " in", " it")


@dataclass(slots=True)
class Answer:
    """What the emulator will say, before it is cut into a body or events."""

    text: str
    reasoning: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    finish_reason: str = "stop"
    chunks: list[str] | None = None
    usage: dict[str, Any] | None = None
    logprobs: list[dict[str, Any]] | None = None  # choices[0].logprobs.content, one per piece


def pieces(text: str) -> list[str]:
    """Cut text into token-like pieces (a word with its space, or two CJK characters)."""
    return _PIECE.findall(text) if text else []


def text_pieces(answer: Answer) -> list[str]:
    """The answer's text as it is streamed: its scripted chunks, else its pieces."""
    return answer.chunks if answer.chunks is not None else pieces(answer.text)


def logprobs_for(answer: Answer, top: Any) -> list[dict[str, Any]]:
    """One OpenAI-shaped entry per text piece: the piece, a negative log probability (from a
    hash of the piece and its place), its UTF-8 bytes and ``top`` alternatives, the first being
    the piece itself and each less likely than the one before."""
    count = top if isinstance(top, int) and not isinstance(top, bool) and top > 0 else 0
    entries = []
    for i, token in enumerate(text_pieces(answer)):
        digest = hashlib.sha256(f"{i}:{token}".encode()).digest()
        logprob = -round(0.001 + digest[0] / 64, 6)
        alternatives = [{"token": token, "logprob": logprob, "bytes": list(token.encode())}]
        for k in range(1, count):
            alt = _ALTERNATIVES[(k - 1) % len(_ALTERNATIVES)]
            alt = alt if k <= len(_ALTERNATIVES) else f"{alt}{k}"
            alt = alt if alt != token else f"{alt}'"
            alt_logprob = round(logprob - 1.25 * k - digest[k % 32] / 256, 6)
            alternatives.append({"token": alt, "logprob": alt_logprob,
                                 "bytes": list(alt.encode())})  # fmt: skip
        entries.append({**alternatives[0], "top_logprobs": alternatives[:count]})
    return entries


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def user_text(body: dict[str, Any]) -> str:
    """The last user message (for prompt-only formats: the last human turn)."""
    inp = body.get("input") or {}
    for message in reversed(inp.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            return _text_of(message.get("content"))
    prompt = str(inp.get("prompt") or "")
    for pattern in (_MOSS_TURN, _YUAN_TURN):
        turns = pattern.findall(prompt)
        if turns:
            return str(turns[-1]).strip()
    return prompt


def _call_id(seed: str) -> str:
    return "call_" + hashlib.sha256(seed.encode()).hexdigest()[:24]


def _called(body: dict[str, Any]) -> set[str]:
    """The functions the conversation has already called."""
    messages = (body.get("input") or {}).get("messages") or []
    return {
        str((call.get("function") or {}).get("name"))
        for m in messages if isinstance(m, dict)
        for call in m.get("tool_calls") or [] if isinstance(call, dict)
    }  # fmt: skip


def _pick_tools(
    tools: list[dict[str, Any]], choice: Any, text: str, parallel: bool, called: set[str]
) -> list[Any]:
    functions = [t.get("function") or {} for t in tools]
    if choice == "required" and called:  # after tool results: a tool not called yet, if any
        functions = [f for f in functions if f.get("name") not in called] or functions
    if isinstance(choice, dict):
        forced = (choice.get("function") or {}).get("name")
        return [f for f in functions if f.get("name") == forced][:1] or functions[:1]
    if parallel:
        named = [f for f in functions if named_in(f, text)]
        if len(named) > 1:
            return named
    return [pick_tool(functions, text)] if functions else []


def _tool_calls(body: dict[str, Any], text: str) -> list[dict[str, Any]]:
    params = body.get("parameters") or {}
    chosen = _pick_tools(
        params["tools"],
        params.get("tool_choice"),
        text,
        bool(params.get("parallel_tool_calls")),
        _called(body),
    )
    calls = []
    for i, function in enumerate(chosen):
        arguments = value_for(function.get("parameters") or {"type": "object"}, Words(text))
        if not isinstance(arguments, dict):
            arguments = {}
        encoded = json.dumps(arguments, ensure_ascii=False)
        calls.append(
            {
                "index": i,
                "id": _call_id(f"{function.get('name')}:{encoded}:{text}:{i}"),
                "type": "function",
                "function": {"name": function.get("name", ""), "arguments": encoded},
            }
        )
    return calls


def default_answer(body: dict[str, Any], spec: ModelSpec) -> Answer:
    """The deterministic answer to ``body`` (a valid request) when nothing is queued."""
    model = str(body.get("model"))
    params = body.get("parameters") or {}
    messages = (body.get("input") or {}).get("messages") or []
    last = messages[-1] if messages else {}
    text = user_text(body)
    answer = Answer(text=f"[{model}] You said: {text}")
    tools = params.get("tools")
    choice = params.get("tool_choice")
    # A forced choice (ref §7: the object form forces that function) calls, whatever came before.
    forced = choice == "required" or isinstance(choice, dict)
    if last.get("role") == "tool" and not (tools and forced):
        answer.text = f"[{model}] The tool returned: {_text_of(last.get('content'))}"
    elif tools and choice != "none" and (last.get("role") == "user" or forced):
        answer.text = ""
        answer.tool_calls = _tool_calls(body, text)
        answer.finish_reason = "tool_calls"
    elif last.get("role") == "assistant" and last.get("partial"):
        answer.text = f" (continued by {model})"
    format_ = params.get("response_format") or {}
    if not answer.tool_calls and format_.get("type") == "json_object":
        # Keys the user asked for by name ('setup' and 'punchline'), else a generic object.
        keys = [k for k in Words(text).quoted() if k.isidentifier()]
        data = {k: f"{k} of: {text[:60]}" for k in keys} or {"model": model, "answer": text}
        answer.text = json.dumps(data, ensure_ascii=False)
    elif not answer.tool_calls and format_.get("type") == "json_schema":
        schema = (format_.get("json_schema") or {}).get("schema") or {"type": "object"}
        answer.text = json.dumps(value_for(schema, Words(text)), ensure_ascii=False)
    if spec.thinks(params.get("enable_thinking"), params.get("reasoning_effort")):
        answer.reasoning = f"The user asks: {text[:80]}. I should answer clearly and briefly."
    _limit(answer, params)
    if spec.prompt_format.startswith("moss") and str(
        (body.get("input") or {}).get("prompt", "")
    ).rstrip().endswith("<|MOSS|>:"):
        echo = str(body["input"]["prompt"]).replace("<eoh>\n", " <eoh> \n")
        answer.text = f"{echo} {answer.text} <eom>"
    return answer


def _limit(answer: Answer, params: dict[str, Any]) -> None:
    """Apply ``stop`` strings and ``max_tokens`` (one piece counts as one token)."""
    stops = params.get("stop")
    if isinstance(stops, str):
        stops = [stops]
    for stop in stops or []:
        if isinstance(stop, str) and stop and stop in answer.text:
            answer.text = answer.text[: answer.text.index(stop)]
    limit = params.get("max_tokens")
    if isinstance(limit, int) and not answer.tool_calls:
        reasoning = pieces(answer.reasoning)
        if len(reasoning) >= limit:
            answer.reasoning, answer.text, answer.finish_reason = (
                "".join(reasoning[:limit]),
                "",
                "length",
            )
            return
        text = pieces(answer.text)
        room = limit - len(reasoning)
        if len(text) > room:
            answer.text, answer.finish_reason = "".join(text[:room]), "length"


def apply_reply(answer: Answer, reply: Reply, body: dict[str, Any]) -> Answer:
    """Override the default answer with what a scripted :class:`Reply` sets."""
    if reply.chunks is not None:
        answer.chunks = list(reply.chunks)
        answer.text = "".join(reply.chunks)
    if reply.text is not None:
        answer.text, answer.chunks = reply.text, None
    if reply.tool_calls is not None:
        answer.tool_calls = []
        for i, call in enumerate(reply.tool_calls):
            if isinstance(call, tuple):
                name, args = call
                encoded = json.dumps(dict(args), ensure_ascii=False)
                call = {"id": _call_id(f"{name}:{encoded}:{i}"), "type": "function",
                        "function": {"name": name, "arguments": encoded}}  # fmt: skip
            answer.tool_calls.append({"index": i, **dict(call)})
        if reply.text is None and reply.chunks is None:
            answer.text = ""
        answer.finish_reason = "tool_calls" if answer.tool_calls else "stop"
    if reply.reasoning is not None:
        answer.reasoning = reply.reasoning
    if reply.finish_reason is not None:
        answer.finish_reason = reply.finish_reason
    elif reply.tool_calls is None and (reply.text is not None or reply.chunks is not None):
        answer.finish_reason = "stop"
        answer.tool_calls = []
    if reply.usage is not None:
        answer.usage = dict(reply.usage)
    if reply.logprobs is not None:
        answer.logprobs = [dict(entry) for entry in reply.logprobs]
    return answer
