"""Bulk work on DashScope's Batch service: :class:`BatchJob`, and submitting one.

The service speaks the compatible mode's Files and Batches API (``/compatible-mode/v1``; the
recorded exchanges ``*-batch-compatible-nosse`` / ``*-file-compatible-nosse``). What is not I/O
lives in ``_batch_api`` (the calls, reading batch objects, output and error files → one entry
per input, in input order) and in :func:`_submission`; every call goes through the client's
call loop (``_loop.Calls``, given to the job), and the sync and async methods below only send,
sleep and loop. Requests above the service's limits go into
several batches, whose ids the job's ``id`` joins with commas.

Example::

    job = client.submit_batch([GenerationRequest(model="qwen-plus", prompt=p) for p in prompts])
    job.wait(poll_interval=30)
    for result in job.results():
        print(result if isinstance(result, Exception) else result.text)
    job.cleanup()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

from dashscope_models._attachments import Local
from dashscope_models._batch_api import (
    BatchStatus,
    Collector,
    all_files,
    answer_id,
    cancel,
    create,
    delete_file,
    file_content,
    finished,
    get_batch,
    pause,
    read_status,
    running,
    upload,
)
from dashscope_models._batch_files import write_parts
from dashscope_models._batch_rows import BatchLimits
from dashscope_models._errors import DashScopeError, NotFoundError, RequestValidationError
from dashscope_models._loop import Calls
from dashscope_models._types import GenerationRequest, GenerationResult
from dashscope_models._uploads import Steps, adrive, document_steps, drive

__all__ = ["BatchJob", "BatchStatus", "aattach", "asubmit", "attach", "submit"]

logger = logging.getLogger("dashscope_models")

T = TypeVar("T")
U = TypeVar("U")


class _Progress:
    """A progress bar on stderr (tqdm), shown only when asked and stderr is a terminal."""

    def __init__(self, job_id: str, enabled: bool) -> None:
        self._bar: Any = None
        if enabled:
            from tqdm import tqdm  # imported on first use: most programs never wait

            # disable=None: tqdm turns itself off when stderr is not a TTY.
            self._bar = tqdm(desc=f"batch {job_id[:24]}", unit="req", disable=None)

    def update(self, status: BatchStatus) -> None:
        bar = self._bar
        if bar is None:
            return
        bar.total = status.total or None
        bar.n = status.completed + status.failed
        bar.set_postfix_str(f"{status.status}, done={status.completed} failed={status.failed}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _identity(value: Any) -> Any:
    return value


class BatchJob(Generic[T]):
    """A job on the Batch service: one batch, or several when the requests passed the limits.

    ``results()`` gives one entry per input, in input order: the answer, or the typed error of
    that row. Files stay on the service until :meth:`cleanup`. Every method has an async twin
    (``astatus``, ``await_``, ``aresults``, ``acancel``, ``acleanup``).

    Example::

        job = client.submit_batch(requests)
        same = DashScopeClient().batch(job.id)      # later, from another process
        same.wait(poll_interval=60, timeout=24 * 3600)
        answers = same.results()
    """

    def __init__(
        self,
        calls: Calls,
        batch_ids: Sequence[str],
        *,
        size: int | None = None,
        convert: Callable[[GenerationResult], T] = _identity,
        convert_error: Callable[[DashScopeError], Exception] = _identity,
        models: Mapping[str, str] | None = None,
    ) -> None:
        self._calls = calls  # the client's call loop (``_loop``): the job's calls go through it
        self.batch_ids = list(batch_ids)
        self._size = size
        self._models = models  # batch id -> its model, when this process submitted it
        self._convert = convert
        self._convert_error = convert_error

    @property
    def id(self) -> str:
        """The id to attach to this job later (``client.batch(id)``)."""
        return ",".join(self.batch_ids)

    def __repr__(self) -> str:
        return f"BatchJob(id={self.id!r})"

    def map(
        self,
        convert: Callable[[GenerationResult], U],
        convert_error: Callable[[DashScopeError], Exception] = _identity,
    ) -> BatchJob[U]:
        """The same job, its results converted (the framework adapters use it)."""
        return BatchJob(
            self._calls, self.batch_ids, size=self._size, convert=convert,
            convert_error=convert_error, models=self._models,
        )  # fmt: skip

    def _convert_all(self, entries: list[GenerationResult | DashScopeError]) -> list[T | Exception]:
        out: list[T | Exception] = []
        for entry in entries:
            if isinstance(entry, DashScopeError):
                out.append(self._convert_error(entry))
            else:
                try:
                    out.append(self._convert(entry))
                except Exception as exc:  # a row the adapter cannot read is that row's error
                    out.append(exc)
        return out

    @contextlib.contextmanager
    def _raising(self) -> Iterator[None]:
        """A service error raised by the job's own calls (status, polling timeout, results,
        cancel, cleanup) as ``convert_error`` makes it (LangChain: its twin), as rows are."""
        try:
            yield
        except DashScopeError as err:
            converted = self._convert_error(err)
            if converted is err:
                raise
            raise converted from err

    # -- sync -------------------------------------------------------------------------------

    def status(self) -> BatchStatus:
        """The job's state now (one GET per batch)."""
        with self._raising():
            send = self._calls.send
            return read_status(self.id, [send(get_batch(b)) for b in self.batch_ids])

    def wait(
        self, poll_interval: float = 5.0, timeout: float | None = None, progress: bool = True
    ) -> BatchStatus:
        """Poll until the job is done; a progress bar (done / failed counts) on a terminal.
        Raises :class:`APITimeoutError` after ``timeout`` seconds (the job keeps running)."""
        with self._raising():
            deadline = None if timeout is None else time.monotonic() + timeout
            bar = _Progress(self.id, progress)
            try:
                while True:
                    status = self.status()
                    bar.update(status)
                    if status.done:
                        return status
                    time.sleep(pause(self.id, poll_interval, deadline))
            finally:
                bar.close()

    def results(self) -> list[T | Exception]:
        """One entry per input, in input order: the answer, or that row's typed error."""
        with self._raising():
            collector = Collector(finished(self.status()), self._size, self._models)
            for file_id in collector.file_ids():
                collector.feed(self._calls.send(file_content(file_id)), file_id)
            return self._convert_all(collector.results())

    def cancel(self) -> BatchStatus:
        """Ask the service to stop; rows answered so far stay readable through
        :meth:`results` once the job is ``cancelled``."""
        with self._raising():
            for batch_id in running(self.status()):
                self._calls.send(cancel(batch_id))
            return self.status()

    def cleanup(self) -> None:
        """Delete the job's input, output and error files on the service."""
        with self._raising():
            for file_id in all_files(self.status()):
                with contextlib.suppress(NotFoundError):  # deleted already
                    self._calls.send(delete_file(file_id))

    # -- async ------------------------------------------------------------------------------

    async def astatus(self) -> BatchStatus:
        """Async :meth:`status`."""
        with self._raising():
            asend = self._calls.asend
            batches = await asyncio.gather(*(asend(get_batch(b)) for b in self.batch_ids))
            return read_status(self.id, list(batches))

    async def await_(
        self,
        poll_interval: float = 5.0,
        timeout: float | None = None,  # noqa: ASYNC109 - wait()'s twin: a deadline to report
        progress: bool = True,
    ) -> BatchStatus:
        """Async :meth:`wait` (``await`` is a keyword, hence the underscore)."""
        with self._raising():
            deadline = None if timeout is None else time.monotonic() + timeout
            bar = _Progress(self.id, progress)
            try:
                while True:
                    status = await self.astatus()
                    bar.update(status)
                    if status.done:
                        return status
                    await asyncio.sleep(pause(self.id, poll_interval, deadline))
            finally:
                bar.close()

    async def aresults(self) -> list[T | Exception]:
        """Async :meth:`results`."""
        with self._raising():
            collector = Collector(finished(await self.astatus()), self._size, self._models)
            for file_id in collector.file_ids():
                collector.feed(await self._calls.asend(file_content(file_id)), file_id)
            return self._convert_all(collector.results())

    async def acancel(self) -> BatchStatus:
        """Async :meth:`cancel`."""
        with self._raising():
            for batch_id in running(await self.astatus()):
                await self._calls.asend(cancel(batch_id))
            return await self.astatus()

    async def acleanup(self) -> None:
        """Async :meth:`cleanup`."""
        with self._raising():
            for file_id in all_files(await self.astatus()):
                with contextlib.suppress(NotFoundError):  # deleted already
                    await self._calls.asend(delete_file(file_id))


# -- submitting and attaching -----------------------------------------------------------------


def _job_ids(job_id: str) -> list[str]:
    ids = [part.strip() for part in job_id.split(",") if part.strip()]
    if not ids:
        raise RequestValidationError("a batch id is required", code="InvalidBatchId")
    return ids


def attach(calls: Calls, job_id: str) -> BatchJob[GenerationResult]:
    """The job ``job_id`` (checked: an unknown id raises :class:`NotFoundError`)."""
    job: BatchJob[GenerationResult] = BatchJob(calls, _job_ids(job_id))
    job.status()
    return job


async def aattach(calls: Calls, job_id: str) -> BatchJob[GenerationResult]:
    """Async :func:`attach`."""
    job: BatchJob[GenerationResult] = BatchJob(calls, _job_ids(job_id))
    await job.astatus()
    return job


_Plan = Steps["BatchJob[GenerationResult]"]


def _submission(
    calls: Calls,
    requests: Iterable[GenerationRequest],
    completion_window: str,
    metadata: dict[str, str] | None,
    limits: BatchLimits | None,
) -> _Plan:
    """The submission without I/O: write the input files (every request checked first), then
    yield the uploads of the rows' documents (their ids then written into the rows), each input
    file's upload and batch creation, and receive their answers; returns the job."""
    documents: dict[str, Local] = {}
    parts = write_parts(requests, limits or BatchLimits(), documents)
    ids: list[str] = []
    models: dict[str, str] = {}
    try:
        config = calls.sender.config
        config.bearer()  # no key: the ConfigurationError before any upload
        if documents:
            file_ids = yield from document_steps(config, documents.values())
            for part in parts:
                part.resolve(file_ids)
        for part in parts:
            file_id = answer_id((yield upload(part)))
            ids.append(answer_id((yield create(file_id, completion_window, metadata))))
            models[ids[-1]] = part.model
    except DashScopeError:
        _log_partial(ids)
        raise
    finally:
        for part in parts:
            part.close()
    return BatchJob(calls, ids, size=sum(part.rows for part in parts), models=models)


def submit(calls: Calls, *args: Any) -> BatchJob[GenerationResult]:
    """Run :func:`_submission` (same arguments) on the sync path (``_uploads.drive``: a
    failure is thrown into the plan, which logs, closes its files and raises it again)."""
    return drive(calls, _submission(calls, *args))


async def asubmit(calls: Calls, *args: Any) -> BatchJob[GenerationResult]:
    """Run :func:`_submission` (same arguments) on the async path."""
    return await adrive(calls, _submission(calls, *args))


def _log_partial(ids: list[str]) -> None:
    if ids:
        logger.warning(
            "batch submission failed after creating %s; attach with client.batch(%r)",
            ids,
            ",".join(ids),
        )
