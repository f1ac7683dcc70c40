"""Request checks, as strict as the documents say the service is, with the service's codes.

:func:`check_generation` returns ``None`` for a valid generation request, else the
``(status, code, message)`` the service answers with. Limits and ranges come from the catalog
(the same data the client checks against), but the checks are written from the service's
side: what it rejects and how it says so (reference, sections 10 and 15).

Example::

    check_generation({"model": "moonshot-v1-8k", "input": {"prompt": "hi"},
                      "parameters": {"temperature": 1.5}}, "text-generation", stream=False)
    # (400, "InvalidParameter", "Temperature should be in [0, 1]")
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any

from dashscope_models._catalog import ModelSpec, get_spec
from dashscope_models._embedding import estimate_tokens

__all__ = ["Problem", "check_generation", "input_tokens"]

Problem = tuple[int, str, str]

_ROLE_MESSAGE = "Role must be user or assistant and Content length must be greater than 0"
# A model called on the endpoint that does not serve it (issue 13 quotes the service's 400
# InvalidParameter text from the official deep-thinking guide; the protocol reference §8 says
# Qwen3.5-series ids "fail with a URL error" on text-generation, and its error table lists
# 400 InvalidURL "Invalid URL provided in your request." for a wrong path: the client accepts
# both forms, _routing).
URL_ERROR = "url error, please check url!"
# A stream-only model called without a stream (protocol reference §8).
STREAM_ONLY = (
    "This model only support stream mode, please enable the stream parameter to access the model."
)
_ROLES = {"system", "user", "assistant", "tool"}
# What the service refuses while a model thinks, in its own words, on the rows whose catalog
# entry says so (``forced_tool_thinking`` / ``json_thinking``; its ``thinking_ref`` cites the
# public issues quoting these texts: cloudwego/eino#994, can1357/oh-my-pi#886,
# agentscope-ai/agentscope#1608 for the first, presenton/presenton#184 for the second).
FORCED_TOOL_WHILE_THINKING = (
    "<400> InternalError.Algo.InvalidParameter: The tool_choice parameter does not support "
    "being set to required or object in thinking mode"
)
JSON_WHILE_THINKING = "Json mode response is not supported when enable_thinking is true"


def _bad(message: str, code: str = "InvalidParameter") -> Problem:
    return 400, code, message


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def input_tokens(body: dict[str, Any]) -> int:
    """The emulator's (deterministic) count of input tokens."""
    inp = body.get("input") or {}
    texts = [str(inp.get("prompt") or "")]
    texts += [_text(m.get("content")) for m in inp.get("messages") or [] if isinstance(m, dict)]
    return sum(estimate_tokens(t) for t in texts) + 4 * len(inp.get("messages") or [])


def check_generation(
    body: Any,
    endpoint: str,
    *,
    stream: bool,
    extra_models: Container[str] | Mapping[str, tuple[str | None, bool]] = frozenset(),
) -> Problem | None:
    """The service's answer to an invalid generation request, or ``None`` when valid.

    ``extra_models``: ids the service knows beyond the catalog and its rules; as a mapping,
    each id's ``(endpoint or None for both, stream_only)``.
    """
    if not isinstance(body, dict) or not isinstance(body.get("model"), str) or not body["model"]:
        return _bad('Required parameter "model" missing from request.', "BadRequest.EmptyModel")
    model = body["model"]
    spec = get_spec(model)
    served_on: str | None = spec.endpoint  # ids listed, aliased or rule-covered: one endpoint
    stream_only = spec.stream_only
    if model in extra_models:
        route = extra_models[model] if isinstance(extra_models, Mapping) else (None, False)
        served_on, stream_only = route
    elif spec.resolved_by == "generic":
        return _bad("Model not exist.")
    if served_on is not None and served_on != endpoint:
        return _bad(URL_ERROR)
    if stream_only and not stream:
        return _bad(STREAM_ONLY)
    inp = body.get("input")
    if not isinstance(inp, dict):
        return _bad("Required input parameter missing from request.", "BadRequest.EmptyInput")
    params = body.get("parameters") or {}
    if not isinstance(params, dict):
        return _bad('Required parameter "parameters" missing or invalid.')
    return _check_input(inp, spec, endpoint) or _check_params(body, params, spec, stream)


def _check_input(inp: dict[str, Any], spec: ModelSpec, endpoint: str) -> Problem | None:
    messages, prompt = inp.get("messages"), inp.get("prompt")
    if messages is not None and not messages:
        return _bad(_ROLE_MESSAGE)
    if messages is None and not prompt:
        return _bad('Either "prompt" or "messages" must exist and cannot both be none')
    if messages is None:
        return None
    if spec.known and spec.input == "prompt":
        return _bad(f"Model {spec.name} only accepts input.prompt, not input.messages.")
    if not isinstance(messages, list):
        return _bad("input.messages must be a list")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            return _bad(_ROLE_MESSAGE)
        content = message.get("content")
        if message["role"] == "assistant" and message.get("tool_calls"):
            continue
        if isinstance(content, list):
            # qwen-doc-turbo reads doc_url parts on the text endpoint (recorded
            # conversation-generation-message-with-doc-url-sse); other parts there are refused.
            documents = spec.documents == "doc-url"
            if endpoint != "multimodal-generation" and any(
                "text" not in p and not (documents and p.get("type") == "doc_url") for p in content
            ):
                return _bad("The content of text models must be a string, not images.")
            if not content and message["role"] != "assistant":
                return _bad(_ROLE_MESSAGE)
        elif not isinstance(content, str) or (not content and message["role"] != "assistant"):
            return _bad(_ROLE_MESSAGE)
        if message["role"] == "system" and spec.system_first and i != 0:
            return _bad("The system message must be the first message.")
        if message["role"] == "tool" and not any(
            isinstance(m, dict) and m.get("tool_calls") for m in messages[:i]
        ):
            return _bad("A tool message must follow an assistant message with tool_calls.")
    if not any(m.get("role") == "user" for m in messages):  # issue 16 (the service's 400)
        return _bad("The input messages do not contain elements with the role of user")
    return None


def _check_params(
    body: dict[str, Any], params: dict[str, Any], spec: ModelSpec, stream: bool
) -> Problem | None:
    for name, interval in spec.ranges.items():
        value = params.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if not interval.contains(value):
            return _bad(f"{name.capitalize()} should be in {interval.text}")
    max_tokens = params.get("max_tokens")
    limits = spec.known and spec.limits_known
    if limits and isinstance(max_tokens, int) and max_tokens > spec.max_output_tokens:
        return _bad(f"Range of max_tokens should be [1, {spec.max_output_tokens}]")
    used = input_tokens(body)
    if limits and used > spec.max_input_tokens:
        return _bad(f"Range of input length should be [1, {spec.max_input_tokens}]")
    if spec.known and spec.family == "moonshot":
        wanted = used + (max_tokens if isinstance(max_tokens, int) else spec.default_max_tokens)
        if wanted > spec.context_window:
            return _bad(
                f"Range of input length should be [1, {spec.context_window}]: "
                f"input ({used}) + max_tokens exceeds the model's context length"
            )
    stop = params.get("stop")
    if spec.max_stop and isinstance(stop, list):
        strings = [s for s in stop if isinstance(s, str)]
        if len(strings) > spec.max_stop:
            return _bad(f"At most {spec.max_stop} stop strings are allowed")
        if spec.max_stop_bytes and any(len(s.encode()) > spec.max_stop_bytes for s in strings):
            return _bad(f"Each stop string must be at most {spec.max_stop_bytes} bytes")
    budget = params.get("thinking_budget")
    if spec.thinking_budget_max and isinstance(budget, int) and budget > spec.thinking_budget_max:
        return _bad(f"thinking_budget should be in [1, {spec.thinking_budget_max}]")
    thinking = spec.thinks(params.get("enable_thinking"), params.get("reasoning_effort"))
    if thinking:
        refused = _refused_while_thinking(params, spec)
        if refused is not None:
            return _bad(refused)
    if spec.stream_only_thinking and thinking and not stream:
        return _bad("parameter.enable_thinking must be set to false for non-streaming calls")
    return None


def _refused_while_thinking(params: dict[str, Any], spec: ModelSpec) -> str | None:
    """The service's text for a forced tool choice or JSON output the model refuses while it
    thinks (see ``FORCED_TOOL_WHILE_THINKING``), else ``None``."""
    choice = params.get("tool_choice")
    fmt = params.get("response_format")
    refused = spec.refuses_while_thinking(
        forced_tool=choice == "required" or isinstance(choice, dict),
        json=isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema"),
    )
    if refused is None:
        return None
    return FORCED_TOOL_WHILE_THINKING if refused == "tool_choice" else JSON_WHILE_THINKING
