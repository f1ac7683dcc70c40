"""The one call loop: send, read, sleep and retry, sync and async, plain and streamed.

:class:`Calls` holds a client's :class:`~dashscope_models._sender.Sender` and its retry limit;
every endpoint goes through it: generation (``_generation``), embeddings and rerank (a
:class:`~dashscope_models._endpoints.Plan` of calls, merged), the Batch service's files and
batches (one :class:`~dashscope_models._endpoints.Call` each). The sync and async loops differ
only by ``await``; what is not I/O is elsewhere (building: ``_http``; reading: the call's
reader, ``_call.StreamReader`` for streams; when to retry: ``_retry``).

Example::

    calls = Calls(Sender(config), retries=2)
    vectors = calls.run(embedding_plan(request))
    for chunk in calls.stream(build, partial(StreamReader, prepared), box): ...
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol, TypeVar

import httpx

from dashscope_models._endpoints import Call, Plan, Reader
from dashscope_models._errors import DashScopeError
from dashscope_models._hints import explain
from dashscope_models._http import call_request
from dashscope_models._retry import retry_delay, should_retry
from dashscope_models._sender import Sender
from dashscope_models._transport import transport_error

__all__ = ["Calls", "Decoder"]

logger = logging.getLogger("dashscope_models")

T = TypeVar("T")
R = TypeVar("R")
C = TypeVar("C")
C_co = TypeVar("C_co", covariant=True)


class Decoder(Protocol[C_co]):
    """Reads one streamed answer (``_call.StreamReader`` is one): ``start`` says whether the
    answer is a stream to ``feed`` or one to read ``whole``; ``delivered`` once a result came
    (from then on it is never retried)."""

    delivered: bool
    events_seen: int

    @property
    def request_id(self) -> str | None: ...

    def start(self, status: int, headers: Mapping[str, str]) -> bool: ...

    def whole(self, status: int, headers: Mapping[str, str], body: bytes) -> Iterable[C_co]: ...

    def feed(self, data: bytes) -> Iterable[C_co]: ...

    def close(self) -> Iterable[C_co]: ...

    def finish(self) -> None: ...


def _sent_body(request: httpx.Request) -> bytes | None:
    try:
        return request.content
    except httpx.RequestNotRead:  # a streamed upload (the Batch service's files)
        return None


class _Attempts:
    """Counts attempts of one call and decides, per failure, whether and when to retry."""

    __slots__ = ("count", "limit", "request")

    def __init__(self, limit: int, request: httpx.Request | None = None) -> None:
        self.count = 0
        self.limit = limit
        self.request = request  # for the error's hint (the model id sent, the host called)

    def delay_after(self, exc: Exception, reader: Decoder[Any] | None = None) -> float:
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
            if self.request is not None:
                explain(err, str(self.request.url), _sent_body(self.request), self.request.headers)
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


class Calls:
    """The call loop of one client (see the module docstring)."""

    __slots__ = ("retries", "sender")

    def __init__(self, sender: Sender, retries: int) -> None:
        self.sender = sender
        self.retries = retries

    # -- one request --------------------------------------------------------------------------

    def call(self, request: httpx.Request, read: Reader[T]) -> T:
        """Send ``request`` (retried as ``_retry`` says) and read its answer."""
        attempts = _Attempts(self.retries, request)
        while True:
            try:
                return read(*self.sender.send(request))
            except (httpx.HTTPError, DashScopeError) as exc:
                failed: Exception = exc  # handled below: see _Attempts.delay_after
            time.sleep(attempts.delay_after(failed))

    async def acall(self, request: httpx.Request, read: Reader[T]) -> T:
        """Async :meth:`call`."""
        attempts = _Attempts(self.retries, request)
        while True:
            try:
                response = await self.sender.asend(request)
                try:
                    content = await response.aread()
                finally:
                    await response.aclose()
                return read(response.status_code, response.headers, content)
            except (httpx.HTTPError, DashScopeError) as exc:
                failed: Exception = exc  # handled below: see _Attempts.delay_after
            await asyncio.sleep(attempts.delay_after(failed))

    def send(self, call: Call[T]) -> T:
        """Build and :meth:`call` one :class:`Call`."""
        return self.call(call_request(self.sender.config, call), call.read)

    async def asend(self, call: Call[T]) -> T:
        """Async :meth:`send`."""
        return await self.acall(call_request(self.sender.config, call), call.read)

    # -- plans: several calls, one result -----------------------------------------------------

    def run(self, plan: Plan[T, R]) -> R:
        """Every call of ``plan`` in turn, answers merged (the first failure is raised)."""
        config = self.sender.config
        calls = [(call_request(config, c), c.read) for c in plan.calls]  # all built first
        return plan.merge([self.call(*call) for call in calls])

    async def arun(self, plan: Plan[T, R], max_concurrency: int = 16) -> R:
        """Async :meth:`run`: calls sent concurrently (at most ``max_concurrency`` at once),
        answers in order; the first failure is raised and the calls still waiting or in
        flight are cancelled."""
        config = self.sender.config
        calls = [(call_request(config, c), c.read) for c in plan.calls]
        gate = asyncio.Semaphore(max_concurrency)

        async def one(call: tuple[httpx.Request, Reader[T]]) -> T:
            async with gate:
                return await self.acall(*call)

        tasks = [asyncio.ensure_future(one(call)) for call in calls]
        try:
            return plan.merge(list(await asyncio.gather(*tasks)))
        finally:
            for task in tasks:
                task.cancel()  # a no-op for the finished ones

    # -- streams ------------------------------------------------------------------------------

    def stream(
        self, build: Callable[[], httpx.Request], decoder: Callable[[], Decoder[C]], box: list[Any]
    ) -> Iterator[C]:
        """The streamed answer of the request ``build`` makes (when the first chunk is asked
        for), decoded; each attempt's decoder is appended to ``box`` (the last one last), so
        that a caller can read the answer so far."""
        request = build()
        attempts = _Attempts(self.retries, request)
        while True:
            reader = decoder()
            box.append(reader)
            try:
                response = self.sender.send_stream(request)
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

    async def astream(
        self, build: Callable[[], httpx.Request], decoder: Callable[[], Decoder[C]], box: list[Any]
    ) -> AsyncIterator[C]:
        """Async :meth:`stream`."""
        request = build()
        attempts = _Attempts(self.retries, request)
        while True:
            reader = decoder()
            box.append(reader)
            try:
                response = await self.sender.asend(request)
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
