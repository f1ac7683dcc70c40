"""``DashScopeAppQueryEngine``: a Model Studio application as a LlamaIndex query engine, plain
or streamed.

The app retrieves and answers in one call, so the engine has no retriever or synthesizer of its
own: ``query`` sends the question and reads the answer. Its ``source_nodes`` are the app's
sources (references, then retrieval results; ``_citations.source_nodes``). With
``streaming=True`` it answers as LlamaIndex's ``RetrieverQueryEngine(streaming=True)`` does: a
``StreamingResponse`` from ``query`` and an ``AsyncStreamingResponse`` from ``aquery``, whose
``response_gen`` yields the text as it arrives. ``query`` sends the request and reads the first
event before it returns (so an error the service reports before the answer starts, such as an
unknown app id or a wrong key, is raised by ``query``, and the sources known at once, such as
the retrieval step's results, are there); the ``source_nodes`` list and the ``metadata`` dict are
then updated in place as the stream goes on (a reference joins once the text cites it; the
``session_id``, ``thoughts``, ``doc_references`` and token counts are complete after the last
event). An error in the middle of the stream is raised by ``response_gen`` as the typed error.

Example::

    engine = DashScopeAppQueryEngine(app_id="5ccc1401...", streaming=True)
    response = engine.query("What does the warranty cover?")
    response.print_response_stream()
    print([n.node.metadata["title"] for n in response.source_nodes])
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import Any

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.response.schema import (
    RESPONSE_TYPE,
    AsyncStreamingResponse,
    Response,
    StreamingResponse,
)
from llama_index.core.callbacks import CallbackManager, CBEventType, EventPayload
from llama_index.core.schema import NodeWithScore, QueryBundle

from dashscope_models import AppChunk, AppRequest, AppResult, AppUsage
from llamaindex_dashscope_models._app import DashScopeApp, _result_extra
from llamaindex_dashscope_models._citations import source_nodes

__all__ = ["DashScopeAppQueryEngine"]


class DashScopeAppQueryEngine(BaseQueryEngine):
    """A Model Studio application as a LlamaIndex query engine: the app retrieves and answers;
    the ``Response``'s ``source_nodes`` are its references (with their retrieval ``score``
    and metadata where the answer has them), its ``metadata`` the ``session_id``,
    ``thoughts`` and ``doc_references``. Keyword arguments are :class:`DashScopeApp`'s;
    ``has_thoughts`` defaults to true here (the retrieval step carries the scores).
    ``streaming=True`` answers with a ``StreamingResponse`` (``AsyncStreamingResponse`` from
    ``aquery``), as LlamaIndex's own engines do; see the module docstring.

    Example::

        from llamaindex_dashscope_models import DashScopeAppQueryEngine

        engine = DashScopeAppQueryEngine(app_id="5ccc1401...", has_thoughts=True)
        response = engine.query("What does the warranty cover?")
        print(response.response)
        for node in response.source_nodes:
            print(node.score, node.node.metadata["title"])

        streamed = DashScopeAppQueryEngine(app_id="5ccc1401...", streaming=True)
        for text in streamed.query("And the battery?").response_gen:
            print(text, end="")
    """

    def __init__(
        self,
        app_id: str,
        callback_manager: CallbackManager | None = None,
        streaming: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("has_thoughts", True)  # the retrieval step: the sources' scores
        self.app = DashScopeApp(app_id=app_id, **kwargs)
        self.streaming = streaming
        super().__init__(callback_manager=callback_manager)

    def _get_prompt_modules(self) -> dict[str, Any]:
        return {}

    def _query(self, query_bundle: QueryBundle) -> RESPONSE_TYPE:
        with self.callback_manager.event(
            CBEventType.QUERY, payload={EventPayload.QUERY_STR: query_bundle.query_str}
        ) as event:
            response: RESPONSE_TYPE
            if self.streaming:
                response = _stream(self.app, query_bundle.query_str)
            else:
                response = _response(self.app.call(query_bundle.query_str))
            event.on_end(payload={EventPayload.RESPONSE: response})
        return response

    async def _aquery(self, query_bundle: QueryBundle) -> RESPONSE_TYPE:
        with self.callback_manager.event(
            CBEventType.QUERY, payload={EventPayload.QUERY_STR: query_bundle.query_str}
        ) as event:
            response: RESPONSE_TYPE
            if self.streaming:
                response = await _astream(self.app, query_bundle.query_str)
            else:
                response = _response(await self.app.acall(query_bundle.query_str))
            event.on_end(payload={EventPayload.RESPONSE: response})
        return response


def _response(result: AppResult) -> Response:
    return Response(
        response=result.text,
        source_nodes=source_nodes(result.sources),
        metadata=_result_extra(result),
    )


def _request(app: DashScopeApp, prompt: str) -> AppRequest:
    return app.app_request(None, dict(app.additional_kwargs), prompt=prompt)


class _Growing:
    """What a streamed response knows so far: its ``nodes`` and ``metadata`` are the very list
    and dict the response holds, updated in place."""

    __slots__ = ("_refs", "_text", "_thoughts", "app", "metadata", "nodes")

    def __init__(self, app: DashScopeApp) -> None:
        self.app = app
        self.nodes: list[NodeWithScore] = []
        self.metadata: dict[str, Any] = {}
        self._text: list[str] = []
        self._refs: list[Any] = []
        self._thoughts: list[Any] = []

    def take(self, chunk: AppChunk) -> str:
        """Apply one chunk; return its new text."""
        if chunk.doc_references != self._refs or chunk.thoughts != self._thoughts:
            self._refs, self._thoughts = chunk.doc_references, chunk.thoughts
            self.nodes[:] = source_nodes(chunk.sources)
        self._text.append(chunk.text)
        if chunk.finish_reason is not None:
            whole = AppResult("".join(self._text), chunk.request_id, chunk.session_id,
                              chunk.finish_reason, chunk.thoughts, chunk.doc_references,
                              chunk.usage or AppUsage())  # fmt: skip
            self.metadata.update(_result_extra(whole))
            self.app.keep_session({}, chunk.session_id)
        elif not self.metadata:
            self.metadata.update(request_id=chunk.request_id, session_id=chunk.session_id)
        return chunk.text


def _stream(app: DashScopeApp, prompt: str) -> StreamingResponse:
    chunks = iter(app.client.stream_app(_request(app, prompt)))
    growing = _Growing(app)
    first = next(chunks, None)  # sent now: an error before the answer is raised here
    head = growing.take(first) if first is not None else ""

    def gen() -> Generator[str, None, None]:
        if head:
            yield head
        for chunk in chunks:
            if text := growing.take(chunk):
                yield text

    return StreamingResponse(gen(), source_nodes=growing.nodes, metadata=growing.metadata)


async def _astream(app: DashScopeApp, prompt: str) -> AsyncStreamingResponse:
    chunks = aiter(app.client.astream_app(_request(app, prompt)))
    growing = _Growing(app)
    first = await anext(chunks, None)  # as _stream
    head = growing.take(first) if first is not None else ""

    async def gen() -> AsyncGenerator[str, None]:
        if head:
            yield head
        async for chunk in chunks:
            if text := growing.take(chunk):
                yield text

    return AsyncStreamingResponse(gen(), source_nodes=growing.nodes, metadata=growing.metadata)
