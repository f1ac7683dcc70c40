"""What every framework integration shares: settings, request merging, tools, structured output.

The LangChain and LlamaIndex classes only translate framework types; every rule they have in
common lives here, once (an integration for another framework uses the same functions):

* :class:`ConnectionSettings`, :class:`RerankSettings` (from ``_settings``): connection fields
  and the core client made from them; a reranker's fields and calls.
* :class:`BatchSubmitter` (from ``_batch_mixin``): the Batch service on a framework class.
* :func:`check_framework_version`: the one version guard of the adapters' ``_compat.py``.
* the core's other pieces the adapters use, so that they import only this module and the
  package: argument handling (``field_names``, ``move_unknown_arguments``, and
  ``UnknownArguments``, a base class doing it), ``trusted``, ``AppSettings``, citations and
  sources, ``lazy_attributes``/``public_dir``, and the type ``StreamReader`` (the answer so
  far).
* :class:`GenerationSettings`: the parameter table's framework fields (see ``_parameters``).
* :func:`merge_request`: constructor fields, then ``model_kwargs``/``additional_kwargs``, then
  per-call arguments (each with its ``extra_body``), into one core request.
* :func:`resolve_tool_choice` (from ``_tool_choice``, where every ``tool_choice`` rule is): a
  framework's ``tool_choice`` (or "a tool is required") as sent.
* :func:`settle_thinking` (called by :func:`merge_request`): a forced tool choice or JSON output
  on a model that refuses it while thinking, with thinking on only by default, is sent with
  ``enable_thinking=False`` (and the answer says so); ``"any"`` becomes ``"required"`` where
  the model takes it.
* :func:`response_format`, :func:`check_structured_output`, :func:`native_structured_method`:
  structured output, and the errors for a model that cannot give it.

Example::

    class DashScopeEmbeddings(ConnectionSettings, Embeddings): ...

    DashScopeEmbeddings(region="singapore").client  # a DashScopeClient for that region
    merge_request("qwen-plus", {"temperature": 0.2}, {"extra_body": {"enable_thinking": False}})
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, get_type_hints

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    create_model,
)

from dashscope_models._app_settings import AppSettings
from dashscope_models._arguments import (
    UnknownArguments,
    field_names,
    move_unknown_arguments,
    pop_extra_body,
)
from dashscope_models._batch_mixin import BatchSubmitter
from dashscope_models._cache import MARKER_KEYS, cache_form, ephemeral, mark_last
from dashscope_models._capabilities import UNSUPPORTED_CODES, has, lacking
from dashscope_models._catalog import ModelSpec, get_spec
from dashscope_models._citations import Citation, answer_sources, citations, search_sources
from dashscope_models._errors import RequestValidationError
from dashscope_models._lazy import lazy_attributes, public_dir
from dashscope_models._settings import ConnectionSettings, RerankSettings
from dashscope_models._thinking import settle_thinking, thinking_asked
from dashscope_models._tool_choice import resolve_tool_choice
from dashscope_models._trusted import trusted
from dashscope_models._types import GenerationRequest, Message, flat_content, parameters

if TYPE_CHECKING:
    from dashscope_models._call import StreamReader

__all__ = [
    "IDENTIFYING_PARAMETERS",
    "MARKER_KEYS",
    "REQUEST_PARAMETERS",
    "AppSettings",
    "BatchSubmitter",
    "Citation",
    "ConnectionSettings",
    "GenerationSettings",
    "RerankSettings",
    "StreamReader",
    "UnknownArguments",
    "answer_sources",
    "cache_form",
    "check_framework_version",
    "check_structured_output",
    "citations",
    "ephemeral",
    "field_names",
    "flat_content",
    "lazy_attributes",
    "mark_last",
    "merge_request",
    "move_unknown_arguments",
    "native_structured_method",
    "pop_extra_body",
    "public_dir",
    "resolve_tool_choice",
    "response_format",
    "search_sources",
    "settle_thinking",
    "thinking_asked",
    "trusted",
]

# The request's parameters a caller may pass by name (per call, or in model_kwargs).
REQUEST_PARAMETERS = frozenset(p.name for p in parameters() if p.per_call)
# Wire aliases (the table's rows with ``wire_alias``): field -> alias, and alias -> field.
_WIRE_ALIAS = {p.name: p.alias for p in parameters() if p.wire_alias and p.alias}
_ALIASED = {alias: name for name, alias in _WIRE_ALIAS.items()}
# The constructor fields (framework classes) and the identifying ones (LangChain's tracing).
_GENERATION = tuple(p.name for p in parameters() if p.framework)
IDENTIFYING_PARAMETERS = tuple(p.name for p in parameters() if p.identifying)


class _GenerationFields(BaseModel):
    """The behaviour of :class:`GenerationSettings` (its fields come from the table)."""

    model_config = ConfigDict(populate_by_name=True)

    def generation_parameters(self) -> dict[str, Any]:
        """The parameters that are set (an empty ``stop`` list means none: nothing is sent)."""
        fields = self.__dict__  # pydantic keeps field values here: one lookup per name
        params = {k: fields[k] for k in _GENERATION if fields[k] is not None}
        if params.get("stop") == []:
            del params["stop"]
        return params

    def identifying_parameters(self) -> dict[str, Any]:
        """The identifying parameters that are set (LangChain's ``_identifying_params``)."""
        fields = self.__dict__
        return {k: fields[k] for k in IDENTIFYING_PARAMETERS if fields[k] is not None}


def _generation_settings() -> type[_GenerationFields]:
    """The settings class: one optional field per framework row of the parameter table."""
    hints = get_type_hints(GenerationRequest)
    fields: dict[str, Any] = {}
    for p in parameters():
        if p.framework:
            kind = hints[p.name] if p.setting_type is None else p.setting_type
            fields[p.name] = (kind, Field(default=None, alias=p.alias))
    return create_model(
        "GenerationSettings",
        __base__=_GenerationFields,
        __module__=__name__,
        __doc__="Generation parameters as constructor fields; ``None``: the service's default.",
        **fields,
    )


if TYPE_CHECKING:

    class GenerationSettings(_GenerationFields):
        """The table's framework fields, typed (checked against the table by a test)."""

        temperature: float | None = None
        top_p: float | None = None
        top_k: int | None = None
        max_tokens: int | None = None
        """Also ``max_completion_tokens``."""
        stop: list[str] | None = None
        """Also ``stop_sequences``."""
        seed: int | None = None
        repetition_penalty: float | None = None
        presence_penalty: float | None = None
        frequency_penalty: float | None = None
        enable_thinking: bool | None = None
        """Thinking on/off for hybrid models (Qwen3, DeepSeek v3.1+ ...)."""
        thinking_budget: int | None = None
        preserve_thinking: bool | None = None
        """Qwen3.6+: the model reads the ``reasoning_content`` of earlier turns back."""
        reasoning_effort: str | None = None
        """Qwen3.8+/Qwen4: a thinking level (``"low"``, ``"medium"``, ``"xhigh"`` ...), sent as
        given."""
        enable_search: bool | None = None
        logprobs: bool | None = None
        """Log probabilities of the output tokens (``choices[0].logprobs.content``)."""
        top_logprobs: int | None = None
        """Alternatives listed per output token (≥ 0); needs ``logprobs=True``."""
        enable_code_interpreter: bool | None = None
        ocr_options: Any = None
        """OCR models: e.g. ``{"task": "advanced_recognition"}`` (answer: ``ocr_result``)."""
        translation_options: Any = None
        """Qwen-MT: ``{"source_lang", "target_lang", "terms", "tm_list", "domains"}``."""
        search_options: Any = None
        """With ``enable_search``: e.g. ``{"enable_source": True}`` (answer: ``search_info``)."""
        endpoint: str | None = None
        """``"text-generation"`` or ``"multimodal-generation"``: where requests go, for ids no
        catalog row or rule covers (see ``_routing``); never sent as a parameter."""
        automatic_cache: bool | None = None
        """Explicit context cache: a marker on the last part of every request (the service's
        automatic caching); models of the explicit-cache catalog only."""
        cache_ttl: str | None = None
        """Explicit context cache TTL, ``"5m"`` or ``"1h"`` (the Qwen4 form)."""

else:
    GenerationSettings = _generation_settings()


# -- request merging -------------------------------------------------------------------------

_MODEL_KEYS = frozenset({"model", "model_name"})


def merge_request(
    model: str,
    fields: dict[str, Any],
    *layers: Mapping[str, Any] | None,
    messages: Sequence[Message] | None = None,
    prompt: str | None = None,
    chat: bool = False,
) -> GenerationRequest:
    """The core request: ``fields`` (the constructor's parameters that are set), then each
    layer over the ones before it (``model_kwargs`` or ``additional_kwargs``, then the call's
    keyword arguments). ``chat``: a chat class's request, which asks the model finally chosen
    for its chat result format (``ModelSpec.chat_result_format``) unless a layer sets one.

    In a layer: ``extra_body`` entries go over its other keys (the OpenAI SDK's extra
    parameters); ``None`` and an empty ``stop`` mean "not set"; ``model``/``model_name`` pick the
    model; a table parameter is set by name; ``extra_parameters`` (a dict) is sent verbatim, over
    the rest; any other key is sent as a parameter as it is. ``max_completion_tokens`` is sent
    under that name, in place of a ``max_tokens`` from an earlier layer (and the reverse).
    """
    params = dict(fields)
    extra: dict[str, Any] = {}
    given: dict[str, Any] = {}
    for layer in layers:
        if not layer:
            continue
        if "extra_body" in layer:
            layer = dict(layer)
            layer.update(pop_extra_body(layer))
        for key, value in layer.items():
            if value is None or (key == "stop" and not value):
                continue
            if key in REQUEST_PARAMETERS:
                params[key] = value
                if key in _WIRE_ALIAS:  # the field named last wins over its wire alias
                    extra.pop(_WIRE_ALIAS[key], None)
            elif key in _MODEL_KEYS:
                model = value
            elif key == "extra_parameters":
                given = dict(value)
            else:
                extra[key] = value
                if key in _ALIASED:  # a wire alias named last wins over its field
                    params.pop(_ALIASED[key], None)
    if given:
        extra.update(given)
    if chat and "result_format" not in params:
        result_format = get_spec(model).chat_result_format
        if result_format is not None:
            params["result_format"] = result_format
    request = GenerationRequest(
        model=model, messages=messages, prompt=prompt, extra_parameters=extra, **params
    )
    if "tool_choice" in params or "response_format" in params:  # plain calls: untouched
        settle_thinking(request)
    return request


# -- tools -----------------------------------------------------------------------------------


# -- structured output -----------------------------------------------------------------------


_METHOD_NEEDS = {
    "function_calling": "tools",
    "json_mode": "json_mode",
    "json_schema": "json_schema",
}


def check_structured_output(model: str, method: str) -> None:
    """Raise :class:`RequestValidationError` (a ``ValueError``) when the catalog says ``model``
    cannot answer by ``method`` (ids the catalog does not know are let through). The message
    names what the model lacks, the methods it does have (never one it lacks too), and
    catalogued models that have the capability."""
    spec = get_spec(model)
    needed = _METHOD_NEEDS.get(method)
    if not spec.known or needed is None or has(spec, needed):
        return
    usable = [f"method={m!r}" for m, c in _METHOD_NEEDS.items() if has(spec, c)]
    advice = (
        f"use {' or '.join(usable)}, which it has"
        if usable
        else "it has no tool calling, JSON mode or JSON schema output, so no structured-output "
        "method works on it: use another model"
    )
    raise RequestValidationError(
        f"method={method!r} cannot work: {lacking(spec, needed)}; {advice}",
        code=UNSUPPORTED_CODES[needed],
    )


def native_structured_method(spec: ModelSpec) -> Literal["json_schema", "json_mode"] | None:
    """The model's best native JSON output (its catalog entry): a JSON schema, JSON mode, or
    none (``native_structured_method(get_spec("qwen-plus"))``)."""
    if spec.json_schema:
        return "json_schema"
    return "json_mode" if spec.json_mode else None


def response_format(
    method: str,
    schema: dict[str, Any] | None = None,
    *,
    strict: bool | None = None,
) -> dict[str, Any]:
    """DashScope's ``response_format``: ``{"type": "json_object"}`` for JSON mode, else the JSON
    schema named by its ``title`` (``"output"`` without one) with ``strict`` (default off)."""
    if method == "json_mode":
        return {"type": "json_object"}
    if schema is None:
        raise RequestValidationError("method='json_schema' needs a schema", code="SchemaRequired")
    name = schema.get("title", "output")
    return {"type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": bool(strict)}}  # fmt: skip


# -- the frameworks' versions ----------------------------------------------------------------


def check_framework_version(
    adapter: str, framework: str, version: str, tested: tuple[tuple[int, int], tuple[int, int]]
) -> bool:
    """The one version guard of both adapters' ``_compat.py``: True when ``version`` (its
    major.minor) is in ``tested`` (``[low, high)``); else a ``RuntimeWarning`` naming both
    packages, and False.

    Example: ``check_framework_version("x-adapter", "x-core", "1.2.0", ((1, 0), (2, 0)))``
    """
    parts = [int("".join(c for c in p if c.isdigit()) or 0) for p in version.split(".")[:2]]
    low, high = tested
    if low <= (parts[0], parts[1] if len(parts) > 1 else 0) < high:
        return True
    warnings.warn(
        f"{adapter}' speed patches were checked against {framework} "
        f"{low[0]}.{low[1]} to below {high[0]}.{high[1]}; {version} is installed. They are "
        "tested to fail loudly, but report it if anything looks wrong.",
        RuntimeWarning,
        stacklevel=3,
    )
    return False


# The answer reader is the adapters' type of "the answer so far" only: loaded on first use (it
# brings the HTTP stack, which importing an adapter does not).
__getattr__ = lazy_attributes(__name__, {"StreamReader": "dashscope_models._call"})
