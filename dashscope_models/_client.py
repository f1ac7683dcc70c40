"""The native client: :class:`DashScopeClient`, sync and async in one object.

Everything that is not I/O lives elsewhere: the request builder (``_request``), answer
reading (``_call``), retry policy (``_retry``). The shells here only send, read bytes, sleep,
and loop; each is a few lines, and the sync and async forms differ only by ``await``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from pydantic import SecretStr

from dashscope_models import _app_client
from dashscope_models._call import StreamReader, read_json, read_response
from dashscope_models._catalog import get_spec
from dashscope_models._config import SETTINGS, ClientConfig
from dashscope_models._embedding import (
    EmbeddingRequest,
    EmbeddingResult,
    batch_bodies,
    merge_batches,
    read_batch,
)
from dashscope_models._errors import DashScopeError
from dashscope_models._lifetime import ClosingContext
from dashscope_models._pool import (
    aclose_async_pool,
    async_pool,
    close_sync_pool,
    new_async_transport,
    new_sync_client,
    stream_pool,
    sync_pool,
)
from dashscope_models._request import (
    PreparedRequest,
    build_body,
    build_http_request,
    endpoint_path,
)
from dashscope_models._rerank import (
    RerankHit,
    RerankRequest,
    RerankResult,
    merge_reranks,
    read_rerank,
    rerank_batches,
)
from dashscope_models._retry import retry_delay, should_retry
from dashscope_models._routing import must_stream, rerouted
from dashscope_models._transport import SyncResponse, transport_error
from dashscope_models._types import Chunk, GenerationRequest, GenerationResult
from dashscope_models._uploads import aattach, attach, prepare

if TYPE_CHECKING:
    from collections.abc import Iterable

    from dashscope_models._app import AppRequest
    from dashscope_models._app_result import AppChunk, AppResult
    from dashscope_models._batch import BatchJob
    from dashscope_models._batch_rows import BatchLimits
    from dashscope_models._files_api import Files
    from dashscope_models._transport import AsyncSender

__all__ = ["DashScopeClient"]

logger = logging.getLogger("dashscope_models")

_Transport = httpx.BaseTransport | httpx.AsyncBaseTransport
_T = TypeVar("_T")
_Reader = Callable[[int, Mapping[str, str], bytes], _T]
_Batch = tuple[list[list[float]], int, str]
_Hits = tuple[list[RerankHit], int, str]


class _Attempts:
    """Counts attempts of one call and decides, per failure, whether and when to retry."""

    __slots__ = ("count", "limit")

    def __init__(self, limit: int) -> None:
        self.count = 0
        self.limit = limit

    def delay_after(self, exc: Exception, reader: StreamReader | None = None) -> float:
        """Seconds to wait before the next attempt, or raise the error to give up with.

        Call it after the ``except`` block, not in it: a transport failure is raised as our
        error with no ``__cause__`` or ``__context__``, since the httpx exception holds the
        request, whose headers hold the API key (its type and text are in our message).
        """
        if isinstance(exc, DashScopeError):
            err = exc
        else:
            seen, rid = (reader.events_seen, reader.request_id) if reader is not None else (0, None)
            err = transport_error(exc, events_seen=seen, request_id=rid)  # type: ignore[arg-type]
        delivered = reader is not None and reader.delivered
        if delivered or self.count >= self.limit or not should_retry(err):
            if err is exc:
                raise err
            raise err from None
        delay = retry_delay(self.count, err)
        self.count += 1
        logger.debug(
            "DashScope call failed (%s); retry %d of %d in %.2f s",
            err,
            self.count,
            self.limit,
            delay,
        )
        return delay


class DashScopeClient(ClosingContext):
    """The native DashScope client: generate and stream, sync and async, with retries.

    Configuration comes from the arguments or the environment (``DASHSCOPE_API_KEY``,
    ``DASHSCOPE_BASE_URL``); a missing key is reported at the first request. Clients with the
    same endpoint settings share one connection pool; ``transport`` gives this client a
    private one (e.g. the in-process emulator transport). ``proxy`` overrides the proxy that
    ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY``/``NO_PROXY`` give (see ``_connection``).

    Example::

        from dashscope_models import DashScopeClient, GenerationRequest, Message

        with DashScopeClient(region="singapore") as client:
            result = client.generate(
                GenerationRequest(model="qwen-plus", messages=[Message("user", "Hi")])
            )
            print(result.text, result.usage)
            for chunk in client.stream(GenerationRequest(model="qwen-plus", prompt="Count")):
                print(chunk.text, end="")
    """

    __slots__ = ("_own_async", "_own_sync", "_transport", "config")

    def __init__(
        self,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        region: str | None = None,
        workspace: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        proxy: str | None = None,
        transport: _Transport | None = None,
        config: ClientConfig | None = None,
    ) -> None:
        self.config = config or ClientConfig.resolve(
            api_key=api_key,
            base_url=base_url,
            region=region,
            workspace=workspace,
            timeout=timeout,
            max_retries=max_retries,
            proxy=proxy,
        )
        self._transport = transport
        self._own_sync: httpx.Client | None = None
        self._own_async: AsyncSender | None = None

    @classmethod
    def from_settings(cls, settings: object) -> DashScopeClient:
        """A client configured from an object's ``api_key``, ``base_url``, ``region``,
        ``workspace``, ``timeout``, ``max_retries`` and ``proxy`` attributes (the adapters'
        fields)."""
        return cls(**{name: getattr(settings, name, None) for name in SETTINGS})

    def __repr__(self) -> str:
        return f"DashScopeClient(base_url={self.config.base_url!r})"

    # -- connection pools -------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        if self._transport is None:
            return sync_pool(self.config)
        if self._own_sync is None:
            self._own_sync = new_sync_client(self.config, self._transport)  # type: ignore[arg-type]
        return self._own_sync

    def _send_stream(self, request: httpx.Request) -> SyncResponse:
        """Send a stream request: through urllib3 on the shared pools (``_urllib3``: a
        quarter of httpx's cost per streamed chunk), else through this client's httpx one."""
        if self._transport is None:
            return stream_pool(self.config).send(request)
        return self._http().send(request, stream=True)

    def _ahttp(self) -> AsyncSender:
        if self._transport is None:
            return async_pool(self.config)
        if self._own_async is None:
            self._own_async = new_async_transport(self.config, self._transport)  # type: ignore[arg-type]
        return self._own_async

    # -- generation -------------------------------------------------------------------------

    def generate(self, request: GenerationRequest) -> GenerationResult:
        """One complete answer. Stream-only thinking requests are streamed and merged; a
        refused guess for an uncatalogued id is corrected once (see ``_routing``). Documents
        and local files are uploaded first (``_uploads``)."""
        request = attach(self, request)
        prepared = build_body(request, stream=_must_stream(request))
        while True:
            try:
                return self._generate(prepared)
            except DashScopeError as exc:
                retry = rerouted(prepared, exc)
                if retry is None:
                    raise
                prepared = retry

    async def agenerate(self, request: GenerationRequest) -> GenerationResult:
        """Async :meth:`generate`."""
        todo = prepare(request)
        if todo is not None:
            request = await aattach(self, todo)
        prepared = build_body(request, stream=_must_stream(request))
        while True:
            try:
                return await self._agenerate(prepared)
            except DashScopeError as exc:
                retry = rerouted(prepared, exc)
                if retry is None:
                    raise
                prepared = retry

    def _generate(self, prepared: PreparedRequest) -> GenerationResult:
        if prepared.stream:
            box: list[StreamReader] = []
            for _ in self._stream(prepared, box):
                pass
            return box[-1].result()
        return self._post(
            build_http_request(self.config, prepared), partial(read_response, prepared)
        )

    async def _agenerate(self, prepared: PreparedRequest) -> GenerationResult:
        if prepared.stream:
            box: list[StreamReader] = []
            async for _ in self._astream(prepared, box):
                pass
            return box[-1].result()
        return await self._apost(
            build_http_request(self.config, prepared), partial(read_response, prepared)
        )

    def embed(self, request: EmbeddingRequest) -> EmbeddingResult:
        """Embed texts, one request per batch of the model's maximum size, in input order."""
        bodies = batch_bodies(request)
        return merge_batches(request.model, [self._post(*self._embed_call(b)) for b in bodies])

    async def aembed(
        self, request: EmbeddingRequest, *, max_concurrency: int = 16
    ) -> EmbeddingResult:
        """Async :meth:`embed`: batches are sent concurrently (at most ``max_concurrency``)."""
        calls = [self._embed_call(body) for body in batch_bodies(request)]
        return merge_batches(request.model, await self._apost_all(calls, max_concurrency))

    def rerank(self, request: RerankRequest) -> RerankResult:
        """Rank documents against a query, best first; over the model's document limit the
        call is split into several requests and their answers merged by score."""
        return merge_reranks(
            request, [self._post(*self._rerank_call(b)) for b in rerank_batches(request)]
        )

    async def arerank(self, request: RerankRequest, *, max_concurrency: int = 16) -> RerankResult:
        """Async :meth:`rerank`: split requests are sent concurrently (at most
        ``max_concurrency``)."""
        calls = [self._rerank_call(batch) for batch in rerank_batches(request)]
        return merge_reranks(request, await self._apost_all(calls, max_concurrency))

    def _rerank_call(
        self, batch: tuple[int, dict[str, Any]]
    ) -> tuple[httpx.Request, _Reader[_Hits]]:
        offset, body = batch
        read = partial(_read_rerank, offset, len(body["input"]["documents"]))
        return build_http_request(self.config, body, path=endpoint_path("text-rerank")), read

    async def _apost_all(
        self, calls: list[tuple[httpx.Request, _Reader[_T]]], max_concurrency: int
    ) -> list[_T]:
        """Send ``calls`` concurrently (at most ``max_concurrency`` at once), answers in order;
        the first failure is raised and the calls still waiting or in flight are cancelled."""
        gate = asyncio.Semaphore(max_concurrency)

        async def one(call: tuple[httpx.Request, _Reader[_T]]) -> _T:
            async with gate:
                return await self._apost(*call)

        tasks = [asyncio.ensure_future(one(call)) for call in calls]
        try:
            return list(await asyncio.gather(*tasks))
        finally:
            for task in tasks:
                task.cancel()  # a no-op for the finished ones

    def _embed_call(self, body: dict[str, Any]) -> tuple[httpx.Request, _Reader[_Batch]]:
        http_request = build_http_request(self.config, body, path=endpoint_path("text-embedding"))
        return http_request, partial(_read_batch, len(body["input"]["texts"]))

    def _post(self, http_request: httpx.Request, read: _Reader[_T]) -> _T:
        attempts = _Attempts(self.config.max_retries)
        while True:
            try:
                response = self._http().send(http_request)
                return read(response.status_code, response.headers, response.content)
            except (httpx.HTTPError, DashScopeError) as exc:
                failed: Exception = exc  # handled below: see _Attempts.delay_after
            time.sleep(attempts.delay_after(failed))

    async def _apost(self, http_request: httpx.Request, read: _Reader[_T]) -> _T:
        attempts = _Attempts(self.config.max_retries)
        while True:
            try:
                response = await self._ahttp().handle_async_request(http_request)
                try:
                    content = await response.aread()
                finally:
                    await response.aclose()
                return read(response.status_code, response.headers, content)
            except (httpx.HTTPError, DashScopeError) as exc:
                failed: Exception = exc  # handled below: see _Attempts.delay_after
            await asyncio.sleep(attempts.delay_after(failed))

    def stream(self, request: GenerationRequest) -> Iterator[Chunk]:
        """Stream the answer as deltas; validation errors are raised here, before any I/O."""
        return self._stream_routed(build_body(attach(self, request), stream=True), [])

    def astream(self, request: GenerationRequest) -> AsyncIterator[Chunk]:
        """Async :meth:`stream`."""
        return self._astream_prepared(request, [])

    def _astream_prepared(
        self, request: GenerationRequest, box: list[StreamReader]
    ) -> AsyncIterator[Chunk]:
        """:meth:`_astream_routed` of ``request``; its uploads (if any) made on the first
        iteration, after every check was made here."""
        todo = prepare(request)
        if todo is None:
            return self._astream_routed(build_body(request, stream=True), box)
        return self._astream_uploaded(todo, box)

    async def _astream_uploaded(self, todo: Any, box: list[StreamReader]) -> AsyncIterator[Chunk]:
        request = await aattach(self, todo)
        async for chunk in self._astream_routed(build_body(request, stream=True), box):
            yield chunk

    def _stream_routed(self, prepared: PreparedRequest, box: list[StreamReader]) -> Iterator[Chunk]:
        """:meth:`_stream`; for a guessed route, sent again once elsewhere when the guess is
        refused before any event (``box`` gets each attempt's reader, the last one last)."""
        if not prepared.spec.guessed:  # catalogued: nothing to correct, no extra layer
            return self._stream(prepared, box)
        return self._rerouting_stream(prepared, box)

    def _astream_routed(
        self, prepared: PreparedRequest, box: list[StreamReader]
    ) -> AsyncIterator[Chunk]:
        """Async :meth:`_stream_routed`."""
        if not prepared.spec.guessed:
            return self._astream(prepared, box)
        return self._rerouting_astream(prepared, box)

    def _rerouting_stream(
        self, prepared: PreparedRequest, box: list[StreamReader]
    ) -> Iterator[Chunk]:
        while True:
            try:
                yield from self._stream(prepared, box)
                return
            except DashScopeError as exc:
                retry = None if box and box[-1].delivered else rerouted(prepared, exc)
                if retry is None:
                    raise
                prepared = retry

    async def _rerouting_astream(
        self, prepared: PreparedRequest, box: list[StreamReader]
    ) -> AsyncIterator[Chunk]:
        while True:
            try:
                async for chunk in self._astream(prepared, box):
                    yield chunk
                return
            except DashScopeError as exc:
                retry = None if box and box[-1].delivered else rerouted(prepared, exc)
                if retry is None:
                    raise
                prepared = retry

    def stream_accumulated(
        self, request: GenerationRequest
    ) -> Iterator[tuple[Chunk, StreamReader]]:
        """:meth:`stream`, each chunk with the answer accumulated up to it (its ``text``,
        ``reasoning_content``, ``tool_calls``, ``logprobs`` so far): for frameworks whose
        streamed responses carry the whole message, so that they need not add chunks up again.
        The second item is live: read it before taking the next chunk."""
        box: list[StreamReader] = []
        prepared = build_body(attach(self, request), stream=True)
        return _paired(self._stream_routed(prepared, box), box)

    def astream_accumulated(
        self, request: GenerationRequest
    ) -> AsyncIterator[tuple[Chunk, StreamReader]]:
        """Async :meth:`stream_accumulated`."""
        box: list[StreamReader] = []
        return _apaired(self._astream_prepared(request, box), box)

    def _stream(self, prepared: PreparedRequest, box: list[StreamReader]) -> Iterator[Chunk]:
        http_request = build_http_request(self.config, prepared)
        attempts = _Attempts(self.config.max_retries)
        while True:
            reader = StreamReader(prepared)
            box.append(reader)
            try:
                response = self._send_stream(http_request)
                try:
                    if not reader.start(response.status_code, response.headers):
                        yield from reader.whole(
                            response.status_code, response.headers, response.read()
                        )
                        return
                    for data in response.iter_bytes():
                        yield from reader.feed(data)
                    yield from reader.close()
                    reader.finish()
                    return
                finally:
                    response.close()
            except (httpx.HTTPError, DashScopeError) as exc:
                failed: Exception = exc  # handled below: see _Attempts.delay_after
            time.sleep(attempts.delay_after(failed, reader))

    async def _astream(
        self, prepared: PreparedRequest, box: list[StreamReader]
    ) -> AsyncIterator[Chunk]:
        http_request = build_http_request(self.config, prepared)
        attempts = _Attempts(self.config.max_retries)
        while True:
            reader = StreamReader(prepared)
            box.append(reader)
            try:
                response = await self._ahttp().handle_async_request(http_request)
                try:
                    if not reader.start(response.status_code, response.headers):
                        for chunk in reader.whole(
                            response.status_code, response.headers, await response.aread()
                        ):
                            yield chunk
                        return
                    async for data in response.aiter_bytes():
                        for chunk in reader.feed(data):
                            yield chunk
                    for chunk in reader.close():
                        yield chunk
                    reader.finish()
                    return
                finally:
                    await response.aclose()
            except (httpx.HTTPError, DashScopeError) as exc:
                failed: Exception = exc  # handled below: see _Attempts.delay_after
            await asyncio.sleep(attempts.delay_after(failed, reader))

    # -- Model Studio applications (dashscope_models._app_client) -----------------------------

    def call_app(self, request: AppRequest) -> AppResult:
        """Call a Model Studio application (``/apps/{app_id}/completion``); see ``AppRequest``."""
        return _app_client.call_app(self, request)

    async def acall_app(self, request: AppRequest) -> AppResult:
        """Async :meth:`call_app`."""
        return await _app_client.acall_app(self, request)

    def stream_app(self, request: AppRequest) -> Iterator[AppChunk]:
        """Stream an application's answer as deltas (bad input raised here, before any I/O)."""
        return _app_client.stream_app(self, request, _Attempts)

    def astream_app(self, request: AppRequest) -> AsyncIterator[AppChunk]:
        """Async :meth:`stream_app`."""
        return _app_client.astream_app(self, request, _Attempts)

    @property
    def files(self) -> Files:
        """The account's uploaded files: ``upload``, ``list``, ``get``, ``delete`` (and async
        ``a…`` forms); see ``dashscope_models._files_api``."""
        from dashscope_models._files_api import Files

        return Files(self)

    # -- batch service (dashscope_models._batch) ---------------------------------------------

    def submit_batch(
        self,
        requests: Iterable[GenerationRequest],
        *,
        completion_window: str = "24h",
        metadata: dict[str, str] | None = None,
        limits: BatchLimits | None = None,
    ) -> BatchJob[GenerationResult]:
        """Run ``requests`` on the Batch service (every one checked before any upload; split
        into several batches above the service's limits). See :class:`BatchJob`."""
        from dashscope_models._batch import submit

        return submit(self, requests, completion_window, metadata, limits)

    async def asubmit_batch(
        self,
        requests: Iterable[GenerationRequest],
        *,
        completion_window: str = "24h",
        metadata: dict[str, str] | None = None,
        limits: BatchLimits | None = None,
    ) -> BatchJob[GenerationResult]:
        """Async :meth:`submit_batch`."""
        from dashscope_models._batch import asubmit

        return await asubmit(self, requests, completion_window, metadata, limits)

    def batch(self, id: str) -> BatchJob[GenerationResult]:
        """Attach to a submitted job by its ``id`` (an unknown id raises ``NotFoundError``)."""
        from dashscope_models._batch import attach

        return attach(self, id)

    async def abatch(self, id: str) -> BatchJob[GenerationResult]:
        """Async :meth:`batch`."""
        from dashscope_models._batch import aattach

        return await aattach(self, id)

    # -- lifetime ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the sync pool this client uses (a shared pool reopens on its next use)."""
        if self._transport is None:
            close_sync_pool(self.config)
        elif self._own_sync is not None:
            self._own_sync.close()
            self._own_sync = None

    async def aclose(self) -> None:
        """Close the async pool this client uses on the running loop, and the sync one."""
        if self._transport is None:
            await aclose_async_pool(self.config)
        elif self._own_async is not None:
            await self._own_async.aclose()
            self._own_async = None
        self.close()


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


def _must_stream(request: GenerationRequest) -> bool:
    """The service accepts only a stream (see ``_routing.must_stream``)."""
    return must_stream(request, get_spec(request.model))


def _read_rerank(
    offset: int, count: int, status: int, headers: Mapping[str, str], body: bytes
) -> _Hits:
    return read_rerank(read_json(status, headers, body), offset, count)


def _read_batch(expected: int, status: int, headers: Mapping[str, str], body: bytes) -> _Batch:
    return read_batch(read_json(status, headers, body), expected)
