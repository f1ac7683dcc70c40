"""Function calling for the LlamaIndex ``DashScope`` LLM.

Tool schemas are LlamaIndex's OpenAI-style tool specs (nested ``$defs`` included), which is
DashScope's wire format. ``tool_required`` (or ``tool_choice="required"``/``"any"``): with one
tool it is forced by name; with several it is sent as ``"required"`` where the model takes it
(the Qwen3.5+ and Qwen4 lines), elsewhere the call raises a ``RequestValidationError`` (a
``ValueError``) before any request, never a silent "auto". A tool name as ``tool_choice``
forces that tool (the core's ``resolve_tool_choice``). On a model that thinks by default and
refuses a forced choice while thinking, the forced call is sent with ``enable_thinking=False``
(``additional_kwargs["thinking_disabled"]`` says so; the core's ``settle_thinking``).
Tool calls are read back tolerantly: while streaming, ``FunctionAgent`` asks on every chunk, so
half-received arguments are parsed as partial JSON. A message's calls are its ``ToolCallBlock``
blocks (what this package's answers carry) or, when it has none, the OpenAI-style list in
``additional_kwargs["tool_calls"]`` (LlamaIndex's usual form for a stored or hand-built
message, and what llama-index-llms-dashscope read).

Example::

    kwargs = prepare_chat_with_tools([tool], "weather in Paris?", None, False, False, {})
    llm.chat(**kwargs)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole, ToolCallBlock
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.llms.utils import parse_partial_json

from dashscope_models.integration import resolve_tool_choice

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

__all__ = ["prepare_chat_with_tools", "tool_calls_from_response"]


def prepare_chat_with_tools(
    tools: Sequence[BaseTool],
    user_msg: str | ChatMessage | None,
    chat_history: list[ChatMessage] | None,
    allow_parallel_tool_calls: bool,
    tool_required: bool,
    kwargs: dict[str, Any],
) -> dict[str, Any]:
    """The ``chat`` keyword arguments for a tool-calling turn."""
    specs = [t.metadata.to_openai_tool(skip_length_check=True) for t in tools]
    messages = list(chat_history or [])
    if user_msg is not None:
        messages.append(
            ChatMessage(role=MessageRole.USER, content=user_msg)
            if isinstance(user_msg, str)
            else user_msg
        )
    out: dict[str, Any] = {**kwargs, "messages": messages}
    choice = out.pop("tool_choice", None)
    if not specs:
        return out
    out["tools"] = specs
    if allow_parallel_tool_calls:
        out["parallel_tool_calls"] = True
    names = [spec["function"]["name"] for spec in specs]
    choice = resolve_tool_choice(choice, names, required=tool_required)  # the core's rules
    if choice is not None:
        out["tool_choice"] = choice
    return out


def _arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    text = str(raw or "").strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        try:
            value = parse_partial_json(text)
        except (ValueError, TypeError):
            return {}
    return value if isinstance(value, dict) else {}


def _field(item: Any, name: str) -> Any:
    """``item[name]`` for a dict, ``item.name`` for an object (an OpenAI SDK tool call)."""
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _stored_calls(message: ChatMessage) -> list[ToolSelection]:
    """The OpenAI-style calls in ``additional_kwargs["tool_calls"]``: each with an ``id`` and
    a ``function`` holding ``name`` and ``arguments`` (a JSON string or a dict)."""
    selections = []
    for item in message.additional_kwargs.get("tool_calls") or []:
        function = _field(item, "function")
        name = _field(function, "name") if function is not None else None
        if not name:
            continue  # a fragment without its name yet (a stream still arriving)
        selections.append(
            ToolSelection(
                tool_id=str(_field(item, "id") or ""),
                tool_name=str(name),
                tool_kwargs=_arguments(_field(function, "arguments")),
            )
        )
    return selections


def tool_calls_from_response(
    response: ChatResponse, error_on_no_tool_call: bool
) -> list[ToolSelection]:
    """Tool calls of a (possibly still streaming) response: its tool-call blocks, else the
    calls stored in ``additional_kwargs["tool_calls"]``."""
    calls = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
    selections = [
        ToolSelection(
            tool_id=c.tool_call_id or "",
            tool_name=c.tool_name,
            tool_kwargs=_arguments(c.tool_kwargs),
        )
        for c in calls
    ] or _stored_calls(response.message)
    if not selections and error_on_no_tool_call:
        raise ValueError(f"expected at least one tool call, got: {response.message.content!r}")
    return selections
