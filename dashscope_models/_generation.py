"""The generation endpoints' calls: generate and stream, sync and async, and their corrections.

A :class:`GenerationRequest` is built once (``_request.build_body``: checks, endpoint, body)
and sent through the one call loop (``_loop.Calls``); streams are read by ``_call.StreamReader``.
For an uncatalogued id the route is a guess, and ``_routing.rerouted`` may say, from the
refusal, where (or how) to send it instead: the request is built again and sent once more.
A plain call of a stream-only model is streamed and merged (``_routing.must_stream``).
Documents and local files a request names are uploaded first (``_uploads``), after every
check.

Example::

    calls = Calls(Sender(config), retries=2)
    result = generate(calls, GenerationRequest(model="qwen-plus", prompt="hi"))
    for chunk in stream(calls, GenerationRequest(model="qwen-plus", prompt="count")): ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import partial

from dashscope_models._attachments import Plan
from dashscope_models._call import StreamReader, read_response
from dashscope_models._catalog import get_spec
from dashscope_models._errors import DashScopeError
from dashscope_models._loop import Calls
from dashscope_models._request import PreparedRequest, build_body, build_http_request
from dashscope_models._routing import must_stream, rerouted
from dashscope_models._types import Chunk, GenerationRequest, GenerationResult
from dashscope_models._uploads import aattach, attach, prepare

__all__ = [
    "agenerate",
    "astream",
    "astream_accumulated",
    "generate",
    "stream",
    "stream_accumulated",
]


def _prepared(request: GenerationRequest) -> PreparedRequest:
    """Built for a plain call: streamed inside when the service takes only a stream."""
    return build_body(request, stream=must_stream(request, get_spec(request.model)))


def _again(
    prepared: PreparedRequest, err: DashScopeError, delivered: bool = False
) -> PreparedRequest:
    """The request built again as the refusal of a guess says; else ``err`` raised again (as
    when a stream ``delivered`` something already: it is never sent twice)."""
    decision = None if delivered else rerouted(prepared, err)
    if decision is None:
        raise err
    return build_body(prepared.request, stream=decision.stream, endpoint=decision.endpoint)


def generate(calls: Calls, request: GenerationRequest) -> GenerationResult:
    """One complete answer (see the module docstring)."""
    prepared = _prepared(attach(calls, request))
    while True:
        try:
            return _generate(calls, prepared)
        except DashScopeError as exc:
            prepared = _again(prepared, exc)


async def agenerate(calls: Calls, request: GenerationRequest) -> GenerationResult:
    """Async :func:`generate`."""
    todo = prepare(request)
    if todo is not None:
        request = await aattach(calls, todo)
    prepared = _prepared(request)
    while True:
        try:
            return await _agenerate(calls, prepared)
        except DashScopeError as exc:
            prepared = _again(prepared, exc)


def _generate(calls: Calls, prepared: PreparedRequest) -> GenerationResult:
    if prepared.stream:
        box: list[StreamReader] = []
        for _ in _stream(calls, prepared, box):
            pass
        return box[-1].result()
    http_request = build_http_request(calls.sender.config, prepared)
    return calls.call(http_request, partial(read_response, prepared))


async def _agenerate(calls: Calls, prepared: PreparedRequest) -> GenerationResult:
    if prepared.stream:
        box: list[StreamReader] = []
        async for _ in _astream(calls, prepared, box):
            pass
        return box[-1].result()
    http_request = build_http_request(calls.sender.config, prepared)
    return await calls.acall(http_request, partial(read_response, prepared))


def stream(calls: Calls, request: GenerationRequest) -> Iterator[Chunk]:
    """The answer as deltas; validation errors are raised here, before any I/O."""
    return _stream_routed(calls, build_body(attach(calls, request), stream=True), [])


def astream(calls: Calls, request: GenerationRequest) -> AsyncIterator[Chunk]:
    """Async :func:`stream`."""
    return _astream_prepared(calls, request, [])


def _astream_prepared(
    calls: Calls, request: GenerationRequest, box: list[StreamReader]
) -> AsyncIterator[Chunk]:
    """:func:`_astream_routed` of ``request``; its uploads (if any) made on the first
    iteration, after every check was made here."""
    todo = prepare(request)
    if todo is None:
        return _astream_routed(calls, build_body(request, stream=True), box)
    return _astream_uploaded(calls, todo, box)


async def _astream_uploaded(
    calls: Calls, todo: Plan, box: list[StreamReader]
) -> AsyncIterator[Chunk]:
    request = await aattach(calls, todo)
    async for chunk in _astream_routed(calls, build_body(request, stream=True), box):
        yield chunk


def stream_accumulated(
    calls: Calls, request: GenerationRequest
) -> Iterator[tuple[Chunk, StreamReader]]:
    """:func:`stream`, each chunk with the answer accumulated up to it (a live reader)."""
    box: list[StreamReader] = []
    prepared = build_body(attach(calls, request), stream=True)
    return _paired(_stream_routed(calls, prepared, box), box)


def astream_accumulated(
    calls: Calls, request: GenerationRequest
) -> AsyncIterator[tuple[Chunk, StreamReader]]:
    """Async :func:`stream_accumulated`."""
    box: list[StreamReader] = []
    return _apaired(_astream_prepared(calls, request, box), box)


def _stream(calls: Calls, prepared: PreparedRequest, box: list[StreamReader]) -> Iterator[Chunk]:
    build = partial(build_http_request, calls.sender.config, prepared)
    return calls.stream(build, partial(StreamReader, prepared), box)


def _astream(
    calls: Calls, prepared: PreparedRequest, box: list[StreamReader]
) -> AsyncIterator[Chunk]:
    build = partial(build_http_request, calls.sender.config, prepared)
    return calls.astream(build, partial(StreamReader, prepared), box)


def _stream_routed(
    calls: Calls, prepared: PreparedRequest, box: list[StreamReader]
) -> Iterator[Chunk]:
    """:func:`_stream`; for a guessed route, sent again once elsewhere when the guess is
    refused before any event (``box`` gets each attempt's reader, the last one last)."""
    if not prepared.spec.guessed:  # catalogued: nothing to correct, no extra layer
        return _stream(calls, prepared, box)
    return _rerouting_stream(calls, prepared, box)


def _astream_routed(
    calls: Calls, prepared: PreparedRequest, box: list[StreamReader]
) -> AsyncIterator[Chunk]:
    """Async :func:`_stream_routed`."""
    if not prepared.spec.guessed:
        return _astream(calls, prepared, box)
    return _rerouting_astream(calls, prepared, box)


def _rerouting_stream(
    calls: Calls, prepared: PreparedRequest, box: list[StreamReader]
) -> Iterator[Chunk]:
    while True:
        try:
            yield from _stream(calls, prepared, box)
            return
        except DashScopeError as exc:
            prepared = _again(prepared, exc, bool(box) and box[-1].delivered)


async def _rerouting_astream(
    calls: Calls, prepared: PreparedRequest, box: list[StreamReader]
) -> AsyncIterator[Chunk]:
    while True:
        try:
            async for chunk in _astream(calls, prepared, box):
                yield chunk
            return
        except DashScopeError as exc:
            prepared = _again(prepared, exc, bool(box) and box[-1].delivered)


def _paired(
    chunks: Iterator[Chunk], box: list[StreamReader]
) -> Iterator[tuple[Chunk, StreamReader]]:
    for chunk in chunks:
        yield chunk, box[-1]  # the reader of the attempt that delivered this chunk


async def _apaired(
    chunks: AsyncIterator[Chunk], box: list[StreamReader]
) -> AsyncIterator[tuple[Chunk, StreamReader]]:
    async for chunk in chunks:
        yield chunk, box[-1]
