"""Model Studio applications: the request, its checks and its wire body (no I/O).

An application (an agent, a RAG app over a knowledge base, a workflow) built in the Model Studio
console is called at ``POST /api/v1/apps/{app_id}/completion`` with ``input.prompt`` or
``input.messages``, an optional ``session_id`` (the service keeps the conversation),
``memory_id`` (long-term memory) and ``biz_params`` (a workflow's input variables), and the
parameters ``rag_options``, ``has_thoughts`` and ``incremental_output``. :func:`build_app_body`
checks an :class:`AppRequest` before any request (a ``RequestValidationError``) and writes only
what was set.

Example::

    request = AppRequest(app_id="5ccc1401...", prompt="What is in the handbook?",
                         rag_options={"pipeline_ids": ["e6md69132k"]}, has_thoughts=True)
    build_app_body(request, stream=False)
    # {"input": {"prompt": "..."}, "parameters": {"has_thoughts": True, "rag_options": {...}}}
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dashscope_models._errors import RequestValidationError
from dashscope_models._types import Message

__all__ = ["APP_ROLES", "RAG_OPTION_KEYS", "AppRequest", "build_app_body"]

APP_ROLES = frozenset({"system", "user", "assistant"})
"""The roles an app's ``messages`` take (the recorded history: system, user, assistant)."""

# rag_options keys and the shape each takes (lists of ids or tags, filters as objects).
_ID_LISTS = ("pipeline_ids", "file_ids", "tags", "session_file_ids")
_FILTERS = ("metadata_filter", "structured_filter")
RAG_OPTION_KEYS = frozenset(_ID_LISTS + _FILTERS)
"""The ``rag_options`` keys checked here; other keys are sent as given (new service options)."""

# An app id is one path segment: the console's ids are hex, letters and digits.
_APP_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


@dataclass(slots=True, kw_only=True)
class AppRequest:
    """One call to a Model Studio application.

    Give ``prompt`` (this turn's input) or ``messages`` (the whole history, last one the
    user's); the service prefers ``messages`` over ``session_id``. Everything left ``None``
    is not sent. ``temperature``, ``top_p``, ``top_k`` and ``seed`` go to the app's model;
    ``extra_parameters`` are sent verbatim beside them.

    Example::

        AppRequest(app_id="debbb624...", prompt="Say it", biz_params={"sourceCode": "code"})
    """

    app_id: str
    prompt: str | None = None
    messages: Sequence[Message] | None = None
    session_id: str | None = None
    memory_id: str | None = None
    biz_params: Mapping[str, Any] | None = None
    rag_options: Mapping[str, Any] | None = None
    has_thoughts: bool | None = None
    incremental_output: bool | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    seed: int | None = None
    extra_parameters: dict[str, Any] = field(default_factory=dict)


def _refuse(message: str, code: str = "InvalidParameter") -> RequestValidationError:
    return RequestValidationError(message, code=code)


def _check_text(name: str, value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise _refuse(f"{name} must be a non-empty string, got {value!r}")


def check_rag_options(options: object) -> None:
    """``rag_options`` is an object whose id lists are lists of strings and whose filters are
    objects; keys this package does not know are let through."""
    if not isinstance(options, Mapping):
        raise _refuse(
            f"rag_options must be a dict such as {{'pipeline_ids': ['...']}}, "
            f"got {type(options).__name__}",
            "InvalidRagOptions",
        )
    for key in _ID_LISTS:
        value = options.get(key)
        if value is None:
            continue
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise _refuse(
                f"rag_options[{key!r}] must be a list of strings, got {value!r}",
                "InvalidRagOptions",
            )
        if not all(isinstance(item, str) and item for item in value):
            raise _refuse(
                f"rag_options[{key!r}] must hold non-empty strings only, got {list(value)!r}",
                "InvalidRagOptions",
            )
    for key in _FILTERS:
        value = options.get(key)
        if value is not None and not isinstance(value, Mapping):
            raise _refuse(
                f"rag_options[{key!r}] must be a dict of field: value, got {value!r}",
                "InvalidRagOptions",
            )


def _check_messages(messages: Sequence[Message]) -> None:
    if not messages:
        raise _refuse("messages is empty: give the conversation, or a prompt", "EmptyInput")
    for i, m in enumerate(messages):
        if m.role not in APP_ROLES:
            raise _refuse(
                f"messages[{i}] has role {m.role!r}: an app takes system, user and assistant "
                "messages (tools are the app's own, configured in the console)",
                "UnknownRole",
            )
        if not isinstance(m.content, str):
            raise _refuse(f"messages[{i}]: an app takes text content only", "InvalidContent")
    if messages[-1].role != "user" or not str(messages[-1].content).strip():
        raise _refuse("the last message must be the user's, with text", "EmptyInput")


def validate_app_request(request: AppRequest) -> None:
    """Raise :class:`RequestValidationError` for a request the service would refuse or that
    cannot mean anything (nothing is sent)."""
    if not isinstance(request.app_id, str) or not _APP_ID.match(request.app_id):
        raise _refuse(
            f"app_id must be the application's id (letters, digits, '-' or '_'), "
            f"got {request.app_id!r}",
            "InvalidAppId",
        )
    if request.messages is not None:
        _check_messages(request.messages)
    elif request.prompt is None or not request.prompt.strip():
        raise _refuse(
            "an app call needs a prompt (this turn's input) or messages (the conversation); "
            "the prompt is empty",
            "EmptyInput",
        )
    for name in ("session_id", "memory_id"):
        _check_text(name, getattr(request, name))
    if request.biz_params is not None and not isinstance(request.biz_params, Mapping):
        raise _refuse(f"biz_params must be a dict, got {type(request.biz_params).__name__}")
    if request.rag_options is not None:
        check_rag_options(request.rag_options)
    for name in ("has_thoughts", "incremental_output"):
        value = getattr(request, name)
        if value is not None and not isinstance(value, bool):
            raise _refuse(f"{name} must be True or False, got {value!r}")


def build_app_body(request: AppRequest, *, stream: bool) -> dict[str, Any]:
    """Check ``request`` and build its JSON body (only what was set)."""
    validate_app_request(request)
    input_: dict[str, Any] = {}
    if request.messages is not None:
        input_["messages"] = [{"role": m.role, "content": m.content} for m in request.messages]
    if request.prompt is not None and (request.messages is None or request.prompt.strip()):
        input_["prompt"] = request.prompt
    for name in ("session_id", "memory_id"):
        value = getattr(request, name)
        if value is not None:
            input_[name] = value
    if request.biz_params is not None:
        input_["biz_params"] = dict(request.biz_params)
    params: dict[str, Any] = {}
    if stream:
        params["incremental_output"] = request.incremental_output is not False
    elif request.incremental_output is not None:
        params["incremental_output"] = request.incremental_output
    if request.has_thoughts is not None:
        params["has_thoughts"] = request.has_thoughts
    for name in ("temperature", "top_p", "top_k", "seed"):
        value = getattr(request, name)
        if value is not None:
            params[name] = value
    if request.rag_options is not None:
        params["rag_options"] = dict(request.rag_options)
    params.update(request.extra_parameters)
    return {"input": input_, "parameters": params}
