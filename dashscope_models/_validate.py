"""Checks made before any request: what the documents say the service would reject.

Every check raises :class:`RequestValidationError` with a message that names the rule, so a
bad call fails at once and costs nothing. Rules come from the model's catalog entry; a model
the catalog does not know gets only the generic checks (shape of the input, parameter types,
the seed's range, ``top_logprobs`` a count given only with ``logprobs=True``). A parameter
set in ``extra_parameters`` under a name checked here is checked there too: it is the value
the request sends.

Example::

    validate(GenerationRequest(model="moonshot-v1-8k", prompt="hi", temperature=1.5), spec)
    # RequestValidationError: temperature=1.5 is outside [0, 1] for moonshot-v1-8k
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from dashscope_models._budget import check_context
from dashscope_models._capabilities import UNSUPPORTED_CODES, lacking
from dashscope_models._catalog import Interval, ModelSpec
from dashscope_models._endpoints import GENERATION_ENDPOINTS
from dashscope_models._errors import RequestValidationError
from dashscope_models._options import check_options
from dashscope_models._parameters import COUNT_RANGE, SEED_RANGE, Parameter
from dashscope_models._routing import has_media
from dashscope_models._thinking import check_thinking
from dashscope_models._tool_choice import check_tool_choice
from dashscope_models._types import ROLES, GenerationRequest, Message, parameters

__all__ = ["validate", "validate_messages"]

# What to use instead of a generation call, for the catalog's other endpoints.
_NOT_GENERATION = {
    "text-rerank": "use DashScopeRerank (LangChain, LlamaIndex) or DashScopeClient.rerank",
    "text-embedding": "use DashScopeEmbeddings / DashScopeEmbedding or DashScopeClient.embed",
}
_INTEGER: tuple[type, ...] = (int,)
_NUMBER: tuple[type, ...] = (int, float)
_KINDS = {"integer": _INTEGER, "number": _NUMBER}

# The numeric parameters (protocol §3.2, the table's number and integer rows): the types each
# accepts (a bool is never a number: no ranged parameter is a bool) and a range that holds for
# every model; the others' ranges come from the model's catalog entry.
_RANGED: tuple[tuple[str, tuple[type, ...], Interval | None], ...] = tuple(
    (p.name, _KINDS[p.kind], p.range) for p in parameters() if p.kind in _KINDS
)
_read_ranged = attrgetter(*(name for name, _, _ in _RANGED))
_UNSET = (None,) * len(_RANGED)
_INFINITE = (float("inf"), float("-inf"))
# The switches: True or False only (a string "false" would be read as true by some servers).
_SWITCHES = tuple(p.name for p in parameters() if p.kind == "switch")
_read_switches = attrgetter(*_SWITCHES)
_SWITCHES_UNSET = (None,) * len(_SWITCHES)

# Parameters that extra_parameters can set over a field (build_body applies them last): a value
# there is checked as the field's would be, since it is the one sent.
_SHADOWED = frozenset(
    [name for name, _, _ in _RANGED] + [p.name for p in parameters() if p.checked_in_extra]
)
# Wire aliases (max_completion_tokens): checked as their row, under the name used.
_WIRE_ALIASES = {p.alias: p for p in parameters() if p.wire_alias and p.alias}
_CHECKED_EXTRA = _SHADOWED | _WIRE_ALIASES.keys()
_FIELDS = tuple(GenerationRequest.__dataclass_fields__)
_read_fields = attrgetter(*_FIELDS)


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
    no_tools = spec.known and not spec.tools  # unknown ids: the service decides
    for i, m in enumerate(messages):
        if m.role not in ROLES:
            raise _fail(
                f"messages[{i}] has unknown role {m.role!r}; use one of {sorted(ROLES)}",
                "UnknownRole",
            )
        if no_tools and (m.role == "tool" or m.tool_calls):
            what = "is a tool result" if m.role == "tool" else "(assistant) carries tool calls"
            raise _fail(
                f"messages[{i}] {what}, but {lacking(spec, 'tools')}; its conversations hold "
                "only system, user and assistant text: leave the tool exchange out of the "
                "history, or use one of those models",
                "ToolsUnsupported",
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
        if m.role == "tool" and not _has_content(m):
            raise _fail(
                f"messages[{i}] (tool result for call {m.tool_call_id!r}) has empty content, "
                "which the service rejects: have the tool return some text, e.g. 'done'",
                "EmptyContent",
            )
        if m.role == "assistant" and not (_has_content(m) or m.tool_calls):
            raise _fail(
                f"messages[{i}] (assistant) has neither content nor tool calls", "EmptyContent"
            )
        if m.partial and (m.role != "assistant" or i != len(messages) - 1):
            raise _fail("partial=True is allowed only on the last message, an assistant one")
        if spec.known and not spec.vision and has_media((m,)):
            raise _fail(
                f"messages[{i}] holds images or other media, but {lacking(spec, 'vision')}",
                "UnsupportedContent",
            )
    if not any(m.role == "user" for m in messages):
        # The service: 400 "The input messages do not contain elements with the role of user".
        roles = ", ".join(m.role for m in messages)
        raise _fail(
            f"the conversation has no user message (roles: {roles}); the service answers only "
            "a conversation with at least one, e.g. add the question as a user message",
            "NoUserMessage",
        )


def _check_type(name: str, value: object, kinds: tuple[type, ...]) -> None:
    """``value`` is one of ``kinds`` (a subclass will do), and never a bool."""
    if isinstance(value, bool) or not isinstance(value, kinds):
        kind = "an integer" if kinds is _INTEGER else "a number"
        raise _fail(
            f"{name} must be {kind}, not {value!r} ({type(value).__name__})",
            "InvalidParameterType",
        )


def _out_of_range(
    name: str, value: object, interval: Interval, spec: ModelSpec
) -> RequestValidationError:
    if interval is SEED_RANGE:
        where = ": the seed is an unsigned 64-bit integer"
    elif interval is COUNT_RANGE:
        where = ": it is a count"
    else:
        where = f" for {spec.name}"
    return _fail(f"{name}={value} is outside {interval.text}{where}", "ParameterOutOfRange")


def _check_output_cap(name: str, value: int, spec: ModelSpec) -> None:
    """``max_tokens`` (or its newer name) against the model's maximum output."""
    if spec.known and spec.limits_known and value > spec.max_output_tokens:
        raise _fail(
            f"{name}={value} exceeds {spec.name}'s maximum output of "
            f"{spec.max_output_tokens} tokens",
            "ParameterOutOfRange",
        )


def _effective(request: GenerationRequest) -> GenerationRequest:
    """``request`` as sent: extra_parameters set over the fields of the same name (a copy;
    ``dataclasses.replace`` does the same slower)."""
    fields = dict(zip(_FIELDS, _read_fields(request), strict=True))
    extra = request.extra_parameters
    for name in _SHADOWED.intersection(extra):
        fields[name] = extra[name]
    return GenerationRequest(**fields)


def _check_stop(request: GenerationRequest, spec: ModelSpec) -> None:
    stop = request.stop
    if stop is None or isinstance(stop, str):
        items: list[object] = [] if stop is None else [stop]
    elif isinstance(stop, Sequence):
        items = list(stop)
    else:
        raise _fail(
            f"stop must be a string or a list, not {type(stop).__name__}", "InvalidParameterType"
        )
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


def _unsupported(spec: ModelSpec, capability: str, asked: str) -> RequestValidationError:
    """The request needs what the model lacks: say so, and name models that have it."""
    return _fail(f"{asked}, but {lacking(spec, capability)}", UNSUPPORTED_CODES[capability])


def _check_capabilities(request: GenerationRequest, spec: ModelSpec) -> None:
    if not spec.known:
        return  # unknown ids: the service decides; we do not guess capabilities
    if request.tools and not spec.tools:
        raise _unsupported(spec, "tools", "tools were offered")
    response_format = request.response_format
    if response_format is not None and not isinstance(response_format, dict):
        raise _fail(
            'response_format must be an object such as {"type": "json_object"}, not '
            f"{response_format!r}",
            "InvalidParameterType",
        )
    fmt = (response_format or {}).get("type")
    if fmt == "json_object" and not spec.json_mode:
        raise _unsupported(spec, "json_mode", "response_format asks for a JSON object")
    if fmt == "json_schema" and not spec.json_schema:
        raise _unsupported(spec, "json_schema", "response_format asks for a JSON schema")
    if request.enable_thinking and spec.thinking == "none":
        raise _unsupported(spec, "thinking", "enable_thinking=True")
    if request.enable_thinking is False and spec.thinking == "always":
        raise _fail(f"{spec.name} always thinks; enable_thinking=False is not accepted")


def validate(request: GenerationRequest, spec: ModelSpec) -> None:
    """All checks for one request (see the module docstring).

    A parameter given in ``extra_parameters`` under a name checked here (``temperature``,
    ``stop``, ``tools`` ..., and ``max_completion_tokens``, checked as ``max_tokens``) is checked
    as the field would be: ``build_body`` sends it over the field's value.
    """
    extra = request.extra_parameters
    aliased: list[tuple[str, Parameter, Any]] = []
    if extra and not _CHECKED_EXTRA.isdisjoint(extra):  # rare: only then a copy is made
        aliased = [(a, p, extra[a]) for a, p in _WIRE_ALIASES.items() if extra.get(a) is not None]
        request = _effective(request)
    if not request.model:
        raise _fail("model is empty", "ModelRequired")
    if spec.endpoint not in GENERATION_ENDPOINTS and request.endpoint is None:
        raise _fail(
            f"{request.model} is a {spec.label} model ({spec.endpoint}), not a generation model: "
            f"{_NOT_GENERATION.get(spec.endpoint, 'use the matching client method')}; if it "
            "really generates text, pass endpoint='text-generation' or 'multimodal-generation'",
            "InvalidModel",
        )
    if request.messages is None and request.prompt is None:
        raise _fail("give messages or prompt", "InputRequired")
    if request.messages is not None and request.prompt is not None:
        raise _fail("give messages or prompt, not both")
    if request.messages is not None:
        validate_messages(request.messages, spec)
    elif not request.prompt:
        raise _fail("prompt is empty", "EmptyPrompt")
    ranges = spec.ranges
    values = _read_ranged(request)
    if values != _UNSET:  # the common case, nothing set, costs one tuple comparison
        for i, value in enumerate(values):
            if value is None:
                continue
            name, kinds, fixed = _RANGED[i]
            if value.__class__ not in kinds:  # exact int/float pass without isinstance calls
                _check_type(name, value, kinds)
            if value != value or value in _INFINITE:  # NaN or inf: not even valid JSON
                raise _fail(f"{name}={value} is not a finite number", "ParameterOutOfRange")
            interval = fixed or ranges.get(name)
            if interval is not None and not interval.contains(value):
                raise _out_of_range(name, value, interval, spec)
    if request.max_tokens is not None:
        _check_output_cap("max_tokens", request.max_tokens, spec)
    for alias, row, value in aliased:  # a row's value under its wire alias (§3.2, §8)
        _check_type(alias, value, _KINDS[row.kind])
        interval = row.range or ranges.get(row.name)
        if interval is not None and not interval.contains(value):
            raise _out_of_range(alias, value, interval, spec)
        if row.name == "max_tokens":
            _check_output_cap(alias, value, spec)
    switches = _read_switches(request)
    if switches != _SWITCHES_UNSET:
        for name, value in zip(_SWITCHES, switches, strict=True):
            if value is not None and not isinstance(value, bool):
                raise _fail(f"{name} must be True or False, not {value!r}", "InvalidParameterType")
    if request.top_logprobs is not None and request.logprobs is not True:
        raise _fail(
            f"top_logprobs={request.top_logprobs} needs logprobs=True: top_logprobs is the "
            "number of alternatives listed per token of the log probabilities it asks for",
            "LogprobsRequired",
        )
    budget = request.thinking_budget
    if budget is not None and spec.known and spec.thinking == "none":
        raise _unsupported(spec, "thinking", "thinking_budget is set")
    if budget is not None and spec.thinking_budget_max and budget > spec.thinking_budget_max:
        raise _fail(
            f"thinking_budget={budget} exceeds {spec.name}'s maximum {spec.thinking_budget_max}",
            "ParameterOutOfRange",
        )
    _check_stop(request, spec)
    _check_capabilities(request, spec)
    check_tool_choice(request.tool_choice, request.tools, spec)
    check_thinking(request, spec)
    check_options(request)
    cap = request.max_tokens
    if cap is None:  # the output cap under its wire alias, if given so
        cap = next((value for _, row, value in aliased if row.name == "max_tokens"), None)
    check_context(request, spec, cap)
