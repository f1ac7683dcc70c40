"""``tool_choice``, in one place: what a framework's choice is sent as, how a table row sends
it, and which choices the service cannot take (refused before any request).

* :func:`resolve_tool_choice`: a framework's ``tool_choice`` (``True``, ``"any"``, a tool
  name ...) as sent (re-exported by ``integration``);
* :func:`wire_tool_choice`: the ``tool_choice`` row's converter (a name forces that function);
* :func:`check_tool_choice`: the request check (``_validate``).

What a model refuses while thinking (a forced call) is ``_thinking``'s rule: it uses
:data:`FORCE_ANY` from here.

Example::

    resolve_tool_choice("any", ["get_weather"])  # {'type': 'function', 'function': {...}}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashscope_models._catalog import ModelSpec
from dashscope_models._errors import RequestValidationError

__all__ = ["FORCE_ANY", "check_tool_choice", "forced", "resolve_tool_choice", "wire_tool_choice"]

FORCE_ANY = ("any", "required")  # OpenAI/Anthropic words for "some tool"


def _refuse(message: str, code: str) -> RequestValidationError:
    return RequestValidationError(message, code=code)


def forced(name: str) -> dict[str, Any]:
    """The choice that forces the function ``name``."""
    return {"type": "function", "function": {"name": name}}


def resolve_tool_choice(
    choice: str | dict[str, Any] | bool | None, names: Sequence[str], *, required: bool = False
) -> str | dict[str, Any] | None:
    """``tool_choice`` as sent, for tools named ``names``.

    ``"auto"``, ``"none"`` and dicts as given; a tool name forces that tool (a name not offered
    is an error here); ``True``, ``"any"``, ``"required"`` (or no choice with ``required``) mean
    "some tool": with one tool it is forced by name, with several the user's word is kept
    (``"required"`` for ``True``): ``settle_thinking`` sends it as ``"required"`` where the model
    takes it, elsewhere the request check refuses the call before any request
    (``ToolChoiceUnsupported``), never a silent downgrade to ``"auto"``. ``None``/``False``:
    nothing sent.
    """
    if choice is None or choice is False:
        if not required:
            return None
        choice = "required"
    if choice is True or choice in FORCE_ANY:
        if len(names) == 1:
            return forced(names[0])
        # Kept in the user's own word ("any" stays "any"): the request check refuses it per
        # call, and its message shows the word the user wrote.
        return choice if isinstance(choice, str) else "required"
    if choice in ("auto", "none") or isinstance(choice, dict):
        return choice
    if isinstance(choice, str):
        if choice not in names:
            raise RequestValidationError(
                f"tool_choice {choice!r} is not one of the tools {list(names)}",
                code="UnknownTool",
            )
        return forced(choice)
    raise RequestValidationError(f"unsupported tool_choice {choice!r}", code="InvalidParameter")


def wire_tool_choice(choice: str | dict[str, Any]) -> str | dict[str, Any]:
    """``"auto"``/``"none"``/``"required"`` and dicts as given; a tool name forces that
    function (``"required"`` reaches the wire only where the request check allows it)."""
    if isinstance(choice, dict) or choice in {"auto", "none", "required"}:
        return choice
    return forced(choice)


def check_tool_choice(
    choice: str | dict[str, Any] | None, tools: Sequence[dict[str, Any]] | None, spec: ModelSpec
) -> None:
    """Refuse, before any request, a ``tool_choice`` the service cannot take on ``spec`` (a
    choice made with thinking on: ``_thinking.check_thinking``)."""
    if choice is None or isinstance(choice, dict):
        return
    if choice in {"auto", "none"}:
        return
    if choice == "required" and spec.tool_choice_required:
        return  # the Qwen3.5+/Qwen4 lines take it (outside thinking: check_thinking)
    if choice in {"required", "any"}:
        count = len(tools or ())
        offered = f"{count} tool{'' if count == 1 else 's'}"
        if spec.tool_choice_required:  # "any" is no DashScope word; the integrations map it
            raise _refuse(
                f"tool_choice={choice!r} with {offered}: DashScope's word for 'some tool' is "
                f"'required' (which {spec.name} takes), or name the tool to force it",
                "ToolChoiceUnsupported",
            )
        raise _refuse(
            f"tool_choice={choice!r} with {offered}: on {spec.name} DashScope can force one named "
            "function but not 'any of these'; name the tool to force it (or offer one tool), "
            "or use 'auto'",
            "ToolChoiceUnsupported",
        )
    names = {t.get("function", {}).get("name") for t in tools or () if isinstance(t, dict)}
    if choice not in names:
        raise _refuse(
            f"tool_choice names {choice!r}, which is not among the tools offered", "UnknownTool"
        )
