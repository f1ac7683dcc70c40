"""The generation request builder: a :class:`GenerationRequest` becomes its body.

:func:`build_body` validates (see ``_validate``), chooses the endpoint (``_routing``) and
the input form the model takes (messages, a rendered prompt for prompt-only families,
multimodal parts on the multimodal endpoint) and writes only the parameters the caller set.
:func:`build_http_request` makes it the HTTP request (``_http``, the one builder of every
endpoint). Both sync and async paths send what this module builds.

Example::

    prepared = build_body(GenerationRequest(model="qwen-plus", prompt="hi"), stream=True)
    build_http_request(config, prepared).headers["X-DashScope-SSE"]  # 'enable'
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import httpx

from dashscope_models._cache import prepare_messages
from dashscope_models._catalog import ModelSpec, get_spec
from dashscope_models._config import ClientConfig
from dashscope_models._http import http_request
from dashscope_models._prompt import ReplyFilter, render_prompt
from dashscope_models._routing import choose_endpoint
from dashscope_models._types import (
    ContentPart,
    GenerationRequest,
    Message,
    flat_content,
    parameters,
)
from dashscope_models._validate import validate

__all__ = ["PreparedRequest", "build_body", "build_http_request"]

# The parameters sent as they are, and those sent through their converter (see _parameters).
_PLAIN = tuple(p.name for p in parameters() if p.sent and p.wire is None)
_CONVERTED = tuple((p.name, p.wire) for p in parameters() if p.sent and p.wire is not None)
_read_plain = attrgetter(*_PLAIN)


@dataclass(slots=True)
class PreparedRequest:
    """A validated request: the wire body plus what reading the answer needs, the endpoint
    it goes to (``guessed``: chosen for an uncatalogued id, see ``_routing``) and the request
    it was built from (to build it again for another endpoint)."""

    spec: ModelSpec
    body: dict[str, Any]
    stream: bool
    incremental: bool
    reply_filter: ReplyFilter | None
    endpoint: str
    guessed: bool
    request: GenerationRequest
    oss: bool = False
    """A part names an ``oss://`` file (temporary storage): sent with
    ``X-DashScope-OssResourceResolve: enable`` (docs: get-temporary-file-url, step 2)."""


def _parts(content: str | list[ContentPart]) -> list[ContentPart]:
    return [{"text": content}] if isinstance(content, str) else list(content)


def _wire_message(m: Message, multimodal: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m.role}
    if m.tool_calls:
        out["content"] = [] if multimodal and not m.content else _content(m, multimodal)
        out["tool_calls"] = [call.to_wire() for call in m.tool_calls]
    else:
        out["content"] = _content(m, multimodal)
    if m.tool_call_id is not None:
        out["tool_call_id"] = m.tool_call_id
    if m.name is not None:
        out["name"] = m.name
    if m.partial:
        out["partial"] = True
    if m.reasoning_content:
        out["reasoning_content"] = m.reasoning_content
    return out


def _content(m: Message, multimodal: bool) -> str | list[ContentPart]:
    return _parts(m.content) if multimodal else flat_content(m.content)


def build_body(
    request: GenerationRequest, *, stream: bool, endpoint: str | None = None
) -> PreparedRequest:
    """Validate ``request`` and build its JSON body (only the parameters that were set) for
    ``endpoint`` (default: the one :func:`~dashscope_models._routing.choose_endpoint` picks)."""
    spec = get_spec(request.model)
    validate(request, spec)
    messages = prepare_messages(request, spec)
    guessed = False
    if endpoint is None:
        endpoint, guessed = choose_endpoint(request, spec)
    multimodal = endpoint == "multimodal-generation"
    reply_filter: ReplyFilter | None = None
    oss = False
    if spec.input == "prompt":
        prompt = request.prompt
        if messages is not None:
            prompt = render_prompt(spec.prompt_format, messages)
        assert prompt is not None  # validate() guarantees one of them
        input_: dict[str, Any] = {"prompt": prompt}
        candidate = ReplyFilter(spec.prompt_format, prompt)
        reply_filter = candidate if candidate.active else None
    elif messages is None:
        prompt = request.prompt or ""
        input_ = (
            {"messages": [{"role": "user", "content": [{"text": prompt}]}]}
            if multimodal
            else {"prompt": prompt}
        )
    else:
        input_ = {"messages": [_wire_message(m, multimodal) for m in messages]}
        oss = _names_oss(messages)

    params = {k: v for k, v in zip(_PLAIN, _read_plain(request), strict=True) if v is not None}
    for name, wire in _CONVERTED:
        value = getattr(request, name)
        if value is not None and (value := wire(value)) is not None:
            params[name] = value
    # Last, over the fields: validate() checked the names it knows here as the values sent.
    params.update(request.extra_parameters)
    # Streams always ask for deltas unless the caller insists on cumulative output.
    incremental = request.incremental_output is not False
    if stream:
        params["incremental_output"] = incremental
    elif request.incremental_output is not None:
        params["incremental_output"] = request.incremental_output
    body = {"model": request.model, "input": input_, "parameters": params}
    return PreparedRequest(
        spec, body, stream, incremental, reply_filter, endpoint, guessed, request, oss
    )


def _names_oss(messages: Any) -> bool:
    """Whether a media part of ``messages`` is an ``oss://`` URL (only list content is read)."""
    for m in messages:
        if isinstance(m.content, str):
            continue
        for part in m.content:
            for key in ("image", "video", "audio"):
                value = part.get(key)
                values = value if isinstance(value, list) else (value,)
                if any(isinstance(v, str) and v.startswith("oss://") for v in values):
                    return True
    return False


def build_http_request(config: ClientConfig, prepared: PreparedRequest) -> httpx.Request:
    """The HTTP request of a prepared generation (``_http.http_request``, its endpoint's row)."""
    return http_request(
        config, prepared.endpoint, prepared.body, stream=prepared.stream, oss=prepared.oss
    )
