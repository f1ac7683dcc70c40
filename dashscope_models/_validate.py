"""Checks made before any request: what the documents say the service would reject.

Every check raises :class:`RequestValidationError` with a message that names the rule, so a
bad call fails at once and costs nothing. Rules come from the model's catalog entry; a model
the catalog does not know gets only the generic checks.

Example::

    validate(GenerationRequest(model="moonshot-v1-8k", prompt="hi", temperature=1.5), spec)
    # RequestValidationError: temperature=1.5 is outside [0, 1] for moonshot-v1-8k
"""

from __future__ import annotations

from collections.abc import Sequence

from dashscope_models._catalog import ModelSpec
from dashscope_models._errors import RequestValidationError
from dashscope_models._types import ROLES, GenerationRequest, Message

__all__ = ["validate", "validate_messages"]

_RANGED = (
    "temperature",
    "top_p",
    "top_k",
    "repetition_penalty",
    "presence_penalty",
    "frequency_penalty",
    "max_tokens",
    "thinking_budget",
)


def _fail(message: str, code: str = "InvalidRequest") -> RequestValidationError:
    return RequestValidationError(message, code=code)


def _has_content(message: Message) -> bool:
    return bool(message.content) and not (
        isinstance(message.content, str) and not message.content.strip()
    )


def validate_messages(messages: Sequence[Message], spec: ModelSpec) -> None:
    """Roles, order, content and tool-call pairing of a conversation."""
    if not messages:
        raise _fail("messages is empty: send at least one user message", "EmptyMessages")
    open_calls: set[str] = set()
    for i, m in enumerate(messages):
        if m.role not in ROLES:
            raise _fail(
                f"messages[{i}] has unknown role {m.role!r}; use one of {sorted(ROLES)}",
                "UnknownRole",
            )
        if m.role == "system" and i != 0 and spec.system_first:
            raise _fail(
                f"messages[{i}]: {spec.name} accepts a system message only as the first message",
                "SystemNotFirst",
            )
        if m.role == "tool":
            if not m.tool_call_id or m.tool_call_id not in open_calls:
                raise _fail(
                    f"messages[{i}] is a tool result for call {m.tool_call_id!r}, but no "
                    "preceding assistant message requested that call",
                    "OrphanToolMessage",
                )
        elif m.role == "assistant" and m.tool_calls:
            open_calls = {c.id for c in m.tool_calls}
        elif m.role in {"user", "system"}:
            open_calls = set()
        if m.role in {"user", "system"} and not _has_content(m):
            raise _fail(f"messages[{i}] ({m.role}) has empty content", "EmptyContent")
        if m.role == "assistant" and not (_has_content(m) or m.tool_calls):
            raise _fail(
                f"messages[{i}] (assistant) has neither content nor tool calls", "EmptyContent"
            )
        if m.partial and (m.role != "assistant" or i != len(messages) - 1):
            raise _fail("partial=True is allowed only on the last message, an assistant one")
        media = not isinstance(m.content, str) and any("text" not in p for p in m.content)
        if media and not spec.vision and spec.known:
            raise _fail(
                f"{spec.name} does not accept images or other media; use a vision model "
                "such as qwen-vl-plus",
                "UnsupportedContent",
            )


def _check_range(name: str, value: float, spec: ModelSpec) -> None:
    interval = spec.ranges.get(name)
    if interval is not None and not interval.contains(value):
        raise _fail(
            f"{name}={value} is outside {interval.text} for {spec.name}", "ParameterOutOfRange"
        )


def _check_stop(request: GenerationRequest, spec: ModelSpec) -> None:
    stop = request.stop
    if stop is None or isinstance(stop, str):
        items: list[object] = [] if stop is None else [stop]
    else:
        items = list(stop)
    strings = [s for s in items if isinstance(s, str)]
    if strings and len(strings) != len(items):
        raise _fail("stop mixes strings and token ids; use one kind", "MixedStop")
    if spec.max_stop and len(strings) > spec.max_stop:
        raise _fail(f"{spec.name} accepts at most {spec.max_stop} stop strings", "TooManyStop")
    for s in strings:
        if spec.max_stop_bytes and len(s.encode()) > spec.max_stop_bytes:
            raise _fail(
                f"stop string {s!r} is longer than {spec.max_stop_bytes} bytes for {spec.name}",
                "StopTooLong",
            )


def _check_capabilities(request: GenerationRequest, spec: ModelSpec) -> None:
    if not spec.known:
        return  # unknown ids: the service decides; we do not guess capabilities
    if request.tools and not spec.tools:
        raise _fail(f"{spec.name} does not support tool calling", "ToolsUnsupported")
    fmt = (request.response_format or {}).get("type")
    if fmt == "json_object" and not spec.json_mode:
        raise _fail(f"{spec.name} does not support JSON mode", "JsonModeUnsupported")
    if fmt == "json_schema" and not spec.json_schema:
        raise _fail(f"{spec.name} does not support JSON schema output", "JsonSchemaUnsupported")
    if request.enable_thinking and spec.thinking == "none":
        raise _fail(f"{spec.name} is not a thinking model", "ThinkingUnsupported")
    if request.enable_thinking is False and spec.thinking == "always":
        raise _fail(f"{spec.name} always thinks; enable_thinking=False is not accepted")


def _check_tool_choice(request: GenerationRequest) -> None:
    choice = request.tool_choice
    if choice is None or isinstance(choice, dict):
        return
    if choice in {"auto", "none"}:
        return
    if choice in {"required", "any"}:
        count = len(request.tools or ())
        tools = f"{count} tool{'' if count == 1 else 's'}"
        raise _fail(
            f"tool_choice={choice!r} with {tools}: DashScope can force one named function but "
            "not 'any of these'; name the tool to force it (or offer one tool), or use 'auto'",
            "ToolChoiceUnsupported",
        )
    names = {t.get("function", {}).get("name") for t in request.tools or ()}
    if choice not in names:
        raise _fail(f"tool_choice names {choice!r}, which is not among the tools offered")


def validate(request: GenerationRequest, spec: ModelSpec) -> None:
    """All checks for one request (see the module docstring)."""
    if not request.model:
        raise _fail("model is empty", "ModelRequired")
    if request.messages is None and request.prompt is None:
        raise _fail("give messages or prompt", "InputRequired")
    if request.messages is not None and request.prompt is not None:
        raise _fail("give messages or prompt, not both")
    if request.messages is not None:
        validate_messages(request.messages, spec)
    elif not request.prompt:
        raise _fail("prompt is empty", "EmptyPrompt")
    for name in _RANGED:
        value = getattr(request, name)
        if value is not None:
            _check_range(name, value, spec)
    if (
        request.max_tokens is not None
        and spec.known
        and request.max_tokens > spec.max_output_tokens
    ):
        raise _fail(
            f"max_tokens={request.max_tokens} exceeds {spec.name}'s maximum output of "
            f"{spec.max_output_tokens} tokens",
            "ParameterOutOfRange",
        )
    budget = request.thinking_budget
    if budget is not None and spec.thinking_budget_max and budget > spec.thinking_budget_max:
        raise _fail(
            f"thinking_budget={budget} exceeds {spec.name}'s maximum {spec.thinking_budget_max}",
            "ParameterOutOfRange",
        )
    _check_stop(request, spec)
    _check_capabilities(request, spec)
    _check_tool_choice(request)
