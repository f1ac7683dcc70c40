"""Tool binding and structured output for the DashScope chat models.

``tool_choice`` mapping: ``"auto"`` and ``"none"`` as they are; a tool name (or an OpenAI-style
``{"type": "function", "function": {"name": ...}}``) forces that function; ``"any"``,
``"required"`` or ``True`` force "some tool": with exactly one tool it is forced by name; with
several it is sent as ``"required"`` where the model takes it (the Qwen3.5+ and Qwen4 lines),
elsewhere every call raises a ``ValueError`` before any request (never a silent downgrade to
"auto").

Structured output: ``function_calling`` forces a tool shaped like the schema (every model with
tools); ``json_mode`` and ``json_schema`` use ``response_format`` where the catalog says the
model supports it, and raise a clear error where it does not. A model that thinks by default
and refuses a forced tool (the Qwen3.5+ and Qwen4 lines) is sent ``enable_thinking=False`` with
it (the core's ``settle_thinking``); one built with thinking asked for (``enable_thinking=True``
or a ``reasoning_effort``) is bound without forcing, as langchain-anthropic does with thinking:
a warning once per model, and an ``OutputParserException`` when no tool call comes back.

Example::

    Joke = ...  # a pydantic model
    ChatQwen().with_structured_output(Joke, method="json_schema").invoke("Tell a joke")
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol

from dashscope_models import get_spec
from dashscope_models.integration import (
    check_structured_output,
    resolve_tool_choice,
    response_format,
    thinking_asked,
)

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable
    from langchain_core.tools import BaseTool

# The parsers, runnables and schema converters below are imported inside the functions: they
# are a large part of langchain-core's import time, and a chat model that never binds tools
# should not pay for them (see the import figure in benchmarks/bench_langchain.py).

__all__ = ["bind_tools_for", "structured_output"]

_warned: set[str] = set()  # models warned about structured output without a forced tool


class ChatModel(Protocol):
    """What structured output reads from a chat model (``ChatDashScope`` has it): its id,
    ``model_kwargs``, the thinking fields, and ``bind``."""

    @property
    def model(self) -> str: ...
    @property
    def model_kwargs(self) -> dict[str, Any]: ...
    @property
    def enable_thinking(self) -> bool | None: ...
    @property
    def reasoning_effort(self) -> str | None: ...
    def bind(self, **kwargs: Any) -> Runnable[Any, Any]: ...


def _unforced_for_thinking(model: ChatModel) -> bool:
    """Whether ``model`` asks for thinking (its fields or ``model_kwargs``) on a model that
    refuses a forced tool while thinking: then the schema's tool is offered, not forced."""
    kwargs = model.model_kwargs
    enable = kwargs.get("enable_thinking", model.enable_thinking)
    effort = kwargs.get("reasoning_effort", model.reasoning_effort)
    if not thinking_asked(enable, effort):
        return False
    spec = get_spec(kwargs.get("model") or kwargs.get("model_name") or model.model)
    if spec.thinking == "none" or spec.forced_tool_thinking:
        return False
    if spec.name not in _warned:
        _warned.add(spec.name)
        warnings.warn(
            f"{spec.name} refuses a forced tool call while it thinks, and thinking was asked "
            "for: with_structured_output offers the schema's tool without forcing it, and "
            "raises OutputParserException if the model answers without calling it. Turn "
            "thinking off (enable_thinking=False) to force the call, or use "
            "method='json_schema'.",
            stacklevel=4,
        )
    return True


def _require_tool_call(message: Any) -> Any:
    """The message, or ``OutputParserException`` when it has no tool call (unforced tool)."""
    from langchain_core.exceptions import OutputParserException

    if not getattr(message, "tool_calls", None):
        raise OutputParserException(
            "the model answered without calling the structured-output tool (it was offered, "
            "not forced, because the model thinks); turn thinking off to force it",
            llm_output=str(getattr(message, "content", "")),
        )
    return message


def bind_tools_for(
    tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
    tool_choice: dict[str, Any] | str | bool | None,
    parallel_tool_calls: bool | None,
    strict: bool | None,
) -> dict[str, Any]:
    """The ``bind`` keyword arguments for these tools (DashScope's wire format)."""
    from langchain_core.utils.function_calling import convert_to_openai_tool

    formatted = [convert_to_openai_tool(t, strict=strict) for t in tools]
    names = [t["function"]["name"] for t in formatted]
    bound: dict[str, Any] = {"tools": formatted}
    choice = resolve_tool_choice(tool_choice, names)  # the core's rules (see its docstring)
    if choice is not None:
        bound["tool_choice"] = choice
    if parallel_tool_calls is not None:
        bound["parallel_tool_calls"] = parallel_tool_calls
    return bound


def structured_output(
    model: ChatModel,
    schema: dict[str, Any] | type | None,
    method: str,
    include_raw: bool,
    strict: bool | None,
) -> Runnable[Any, Any]:
    """The runnable behind ``with_structured_output`` (see the module docstring)."""
    from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
    from langchain_core.output_parsers.openai_tools import (
        JsonOutputKeyToolsParser,
        PydanticToolsParser,
    )
    from langchain_core.runnables import RunnableLambda, RunnableMap, RunnablePassthrough
    from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
    from langchain_core.utils.pydantic import is_basemodel_subclass

    if schema is None and method != "json_mode":
        raise ValueError(
            f"method={method!r} needs a schema (pydantic class, TypedDict or dict); only "
            "json_mode works without one (it returns whatever JSON object the model writes)"
        )
    pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
    parser: Runnable[Any, Any]
    check_structured_output(model.model, method)
    if method == "function_calling":
        assert schema is not None  # checked above: only json_mode goes without one
        tool = convert_to_openai_tool(schema, strict=strict)
        name = tool["function"]["name"]
        unforced = _unforced_for_thinking(model)
        llm = model.bind(
            **bind_tools_for([schema], None if unforced else name, None, strict),
            ls_structured_output_format={
                "kwargs": {"method": method, "strict": strict},
                "schema": tool,
            },
        )
        parser = (
            PydanticToolsParser(tools=[schema], first_tool_only=True)
            if pydantic
            else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
        )
        if unforced:
            parser = RunnableLambda(_require_tool_call) | parser
    elif method in ("json_mode", "json_schema"):
        json_schema = None if schema is None else convert_to_json_schema(schema)
        llm = model.bind(
            response_format=response_format(method, json_schema, strict=strict),
            ls_structured_output_format={
                "kwargs": {"method": method, "strict": strict},
                "schema": json_schema,
            },
        )
        parser = PydanticOutputParser(pydantic_object=schema) if pydantic else JsonOutputParser()
    else:
        raise ValueError(
            f"unknown method {method!r}: use function_calling, json_mode or json_schema"
        )
    if not include_raw:
        return llm | parser
    with_parsed = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    without = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=llm) | with_parsed.with_fallbacks(
        [without], exception_key="parsing_error"
    )
