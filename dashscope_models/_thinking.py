"""What a model refuses while it thinks, and the one decision that never sends it.

The Qwen3.5+ and Qwen4 lines think by default, and while thinking the service refuses a forced
tool choice (a named function or ``"required"``); some models refuse JSON output
(``response_format``) while thinking. The catalog says which (``ModelSpec.forced_tool_thinking``,
``json_thinking``, ``tool_choice_required``, each row with its ``thinking_ref``). Two functions
apply it:

* :func:`settle_thinking` (the integrations' ``merge_request`` calls it for every request with a
  ``tool_choice`` or ``response_format``): ``"any"``/``"required"`` is sent as ``"required"``
  where the model takes it; a refused combination with thinking on *only by default* is sent
  with ``enable_thinking=False``, and the answer says so (``extras["thinking_disabled"]``).
* :func:`check_thinking` (the request check, before any request): a refused combination with
  thinking on (asked for, or by default in a request built without the integrations) raises a
  :class:`RequestValidationError` naming both ways out.

Plain calls are never touched: no ``enable_thinking`` is added, the default thinking stays.

Example::

    r = settle_thinking(GenerationRequest(model="qwen3.6-plus", messages=[...],
                                          tools=[...], tool_choice="any"))
    r.tool_choice, r.enable_thinking  # ('required', False)
"""

from __future__ import annotations

from typing import Any

from dashscope_models._catalog import ModelSpec, get_spec
from dashscope_models._errors import RequestValidationError
from dashscope_models._tool_choice import FORCE_ANY
from dashscope_models._types import GenerationRequest

__all__ = ["FORCE_ANY", "check_thinking", "settle_thinking", "thinking_asked"]

_JSON_TYPES = ("json_object", "json_schema")
# The service's words (the catalog's thinking_ref cites the public issues quoting them).
_TOOL_TEXT = (
    "the service: 'The tool_choice parameter does not support being set to required or object "
    "in thinking mode'"
)
_JSON_TEXT = "the service: 'Json mode response is not supported when enable_thinking is true'"


def thinking_asked(enable_thinking: bool | None, reasoning_effort: str | None) -> bool:
    """Whether the caller asked for thinking: ``enable_thinking=True``, or a
    ``reasoning_effort`` level without ``enable_thinking`` (``"none"`` turns thinking off)."""
    return enable_thinking is True or (
        enable_thinking is None and reasoning_effort is not None and reasoning_effort != "none"
    )


def _forced(choice: str | dict[str, Any] | None) -> bool:
    """A tool choice that forces a call: a function (dict or name) or ``"required"``."""
    return choice is not None and choice not in ("auto", "none")


def _json(response_format: Any) -> bool:
    return isinstance(response_format, dict) and response_format.get("type") in _JSON_TYPES


def settle_thinking(request: GenerationRequest) -> GenerationRequest:
    """``request``, changed in place so that nothing its model refuses while thinking is sent
    (see the module docstring); returned for convenience."""
    choice = request.tool_choice
    spec = get_spec(request.model)
    if choice in FORCE_ANY and spec.tool_choice_required:
        request.tool_choice = choice = "required"
    json = _json(request.response_format)
    forced = _forced(choice)
    if not (forced or json) or spec.thinking != "hybrid" or not spec.thinking_default:
        return request
    if request.enable_thinking is not None or request.reasoning_effort is not None:
        return request  # the caller chose: check_thinking judges it before any request
    refused = spec.refuses_while_thinking(forced_tool=forced, json=json)
    if refused is not None:
        request.enable_thinking = False
        what = "a forced tool choice" if refused == "tool_choice" else "JSON output"
        request.thinking_disabled = (
            f"enable_thinking=False was sent: {spec.name} thinks by default but refuses "
            f"{what} ({refused}) while thinking"
        )
    return request


def check_thinking(request: GenerationRequest, spec: ModelSpec) -> None:
    """Refuse, before any request, a forced tool choice or JSON output the model refuses while
    it thinks, when the request leaves it thinking."""
    choice, fmt = request.tool_choice, request.response_format
    if choice is None and fmt is None:
        return
    if not spec.thinks(request.enable_thinking, request.reasoning_effort):
        return
    refused = spec.refuses_while_thinking(forced_tool=_forced(choice), json=_json(fmt))
    if refused is None:
        return
    asked = thinking_asked(request.enable_thinking, request.reasoning_effort)
    why = (
        "thinking was asked for"
        + (" (enable_thinking=True)" if request.enable_thinking else " (reasoning_effort)")
        if asked
        else "it thinks by default"
    )
    if refused == "tool_choice":
        raise RequestValidationError(
            f"tool_choice={choice!r} forces a tool call, which {spec.name} refuses while it "
            f"thinks ({_TOOL_TEXT}), and {why}: turn thinking off (enable_thinking=False) to "
            "keep the forced call, or use tool_choice='auto' to keep the thinking",
            code="ThinkingToolChoice",
        )
    raise RequestValidationError(
        f"response_format {fmt.get('type') if isinstance(fmt, dict) else fmt!r} asks for JSON, "
        f"which {spec.name} refuses while it thinks ({_JSON_TEXT}), and {why}: turn thinking "
        "off (enable_thinking=False) to keep the JSON output, or leave response_format out "
        "(or use tool calling) to keep the thinking",
        code="ThinkingJsonOutput",
    )
