"""Which endpoint a generation request goes to, and what the client learns from a refusal.

The catalog decides for the models it lists (and their aliases). For an id resolved only by a
family rule or the generic entry, the spec is a guess, so the content decides too: a message
with an image, video or audio part goes to ``multimodal-generation``. An explicit
``GenerationRequest.endpoint`` wins over everything.

A guess can be wrong. Two refusals come before any generation, so repeating the call is safe,
and :func:`rerouted` turns them into the corrected request (the client sends it once):

* ``400 InvalidParameter "url error, please check url!"`` (or code ``InvalidURL``): the model
  lives on the other endpoint;
* a plain call refused because the model must stream (``only support stream mode``, or
  thinking that ``must be set to false for non-streaming calls``): the call is streamed and the
  whole answer returned.

What was learned is kept for the model id for the life of the process (a lock guards it; the
first learner logs one INFO line), so later calls go right the first time. Catalogued models
never take this path: their refusals are raised as they are.

Example::

    choose_endpoint(GenerationRequest(model="acme-new", messages=[Message("user", [
        {"image": "https://x/cat.png"}, {"text": "What is this?"}])]), get_spec("acme-new"))
    # ('multimodal-generation', True): a guess, from the content
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from dashscope_models._catalog import ModelSpec
from dashscope_models._endpoints import OTHER_ENDPOINT
from dashscope_models._errors import DashScopeError
from dashscope_models._types import GenerationRequest, Message

__all__ = [
    "Reroute",
    "Routed",
    "choose_endpoint",
    "forget_learned_routes",
    "has_media",
    "must_stream",
    "rerouted",
]

logger = logging.getLogger("dashscope_models")

# The service's words (protocol reference §8 and §10.2; issue 13 quotes the url error).
_URL_ERROR = "url error"
_STREAM_ONLY = ("only support stream", "must be set to false for non-streaming")

_lock = threading.Lock()
_endpoints: dict[str, str] = {}  # model id -> the endpoint that answered it
_streamed: set[str] = set()  # model ids that answer only streamed calls


def has_media(messages: Sequence[Message] | None) -> bool:
    """Whether any message carries a part that is not plain text (image, video, audio ...);
    documents are not media."""
    for message in messages or ():
        content = message.content
        if not isinstance(content, str) and any(
            "text" not in part and "doc_url" not in part for part in content
        ):  # a doc_url part is a document (qwen-doc-turbo), not media
            return True
    return False


def choose_endpoint(request: GenerationRequest, spec: ModelSpec) -> tuple[str, bool]:
    """``(endpoint, guessed)`` for ``request``: the explicit one, the catalog's, the one learned
    for the id, or a guess (the rule's or generic endpoint, multimodal when media is sent)."""
    if request.endpoint is not None:
        return request.endpoint, False
    if not spec.guessed:
        return spec.endpoint, False
    learned = _endpoints.get(request.model)
    if learned is not None:
        return learned, False
    if spec.endpoint == "text-generation" and has_media(request.messages):
        return "multimodal-generation", True
    return spec.endpoint, True


def must_stream(request: GenerationRequest, spec: ModelSpec) -> bool:
    """Whether a plain call must be streamed inside: a stream-only model, thinking on a model
    whose thinking needs a stream, or an id the service refused a plain call for."""
    if spec.stream_only or request.model in _streamed:
        return True
    return spec.stream_only_thinking and spec.thinks(
        request.enable_thinking, request.reasoning_effort
    )


class Routed(Protocol):
    """What :func:`rerouted` reads of a sent request (``_request.PreparedRequest`` is one)."""

    spec: ModelSpec
    body: dict[str, Any]
    stream: bool
    endpoint: str
    guessed: bool


@dataclass(frozen=True, slots=True)
class Reroute:
    """Where and how to send a refused guess again: the caller builds it anew.

    Example: ``Reroute(endpoint="multimodal-generation", stream=False)``
    """

    endpoint: str
    stream: bool


def rerouted(sent: Routed, err: DashScopeError) -> Reroute | None:
    """How to send ``sent`` again after a refusal of a guess (see the module docstring), else
    ``None`` (the error stands)."""
    if err.status_code != 400 or not sent.spec.guessed:
        return None
    message = (err.message or "").lower()
    model = sent.body["model"]
    if sent.guessed and (_URL_ERROR in message or err.code == "InvalidURL"):
        endpoint = OTHER_ENDPOINT[sent.endpoint]
        _learn(model, endpoint, f"it is served on {endpoint}, not {sent.endpoint}")
        return Reroute(endpoint, sent.stream)
    if not sent.stream and any(words in message for words in _STREAM_ONLY):
        _learn(model, None, "it answers only streamed calls: plain calls are streamed inside")
        return Reroute(sent.endpoint, True)
    return None


def _learn(model: str, endpoint: str | None, what: str) -> None:
    with _lock:
        if endpoint is None:
            first = model not in _streamed
            _streamed.add(model)
        else:
            first = model not in _endpoints
            _endpoints[model] = endpoint
    if first:  # concurrent first calls may each retry once; only one of them logs
        logger.info("DashScope model %r: %s (learned for this process)", model, what)


def forget_learned_routes() -> None:
    """Forget what was learned (the next call of each id guesses again)."""
    with _lock:
        _endpoints.clear()
        _streamed.clear()
