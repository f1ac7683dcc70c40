"""Bulk work on DashScope's Batch service: :class:`BatchJob`, and submitting one.

The service speaks the compatible mode's Files and Batches API (``/compatible-mode/v1``; the
recorded exchanges ``*-batch-compatible-nosse`` / ``*-file-compatible-nosse``). What is not I/O
lives in :class:`_Api` (the HTTP requests), :func:`_status` (reading batch objects) and
:class:`_Collector` (output and error files → one entry per input, in input order); the sync and
async methods below only send, sleep and loop. Requests above the service's limits go into
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
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from dashscope_models._batch_files import InputPart, MultipartFile, write_parts
from dashscope_models._batch_rows import BATCH_ENDPOINT, BatchError, BatchLimits, decode_row
from dashscope_models._call import read_json
from dashscope_models._errors import (
    APITimeoutError,
    DashScopeError,
    NotFoundError,
    RequestValidationError,
)
from dashscope_models._request import USER_AGENT, _timeout_extension, _url
from dashscope_models._types import GenerationRequest, GenerationResult

if TYPE_CHECKING:
    from dashscope_models._client import DashScopeClient

__all__ = ["BatchJob", "BatchStatus", "asubmit", "attach", "submit"]

logger = logging.getLogger("dashscope_models")

T = TypeVar("T")
U = TypeVar("U")

_TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})


@dataclass(slots=True)
class BatchStatus:
    """Where a job stands: the service's ``status`` (one word for all its batches) and
    ``request_counts`` summed; ``batches`` are the raw batch objects.

    Example: ``s = job.status(); print(s.status, s.completed, s.failed, s.total)``
    """

    id: str
    status: str
    total: int
    completed: int
    failed: int
    errors: list[dict[str, Any]] = field(default_factory=list)
    batches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        """True once every batch reached a final state (completed, failed, expired,
        cancelled)."""
        return self.status in _TERMINAL


def _status(job_id: str, batches: list[dict[str, Any]]) -> BatchStatus:
    states = [str(b.get("status")) for b in batches]
    if not all(s in _TERMINAL for s in states):
        pending = [s for s in states if s not in _TERMINAL]
        word = min(pending, key=lambda s: _ORDER.index(s) if s in _ORDER else 0)
    elif all(s == "completed" for s in states):
        word = "completed"
    else:
        word = next(s for s in ("cancelled", "failed", "expired") if s in states)
    counts = [b.get("request_counts") or {} for b in batches]
    errors = [e for b in batches for e in ((b.get("errors") or {}).get("data") or [])]
    return BatchStatus(
        job_id,
        word,
        total=sum(int(c.get("total") or 0) for c in counts),
        completed=sum(int(c.get("completed") or 0) for c in counts),
        failed=sum(int(c.get("failed") or 0) for c in counts),
        errors=errors,
        batches=batches,
    )


# A job of several batches is as far as its least advanced one (cancelling outranks all).
_ORDER = ["cancelling", "validating", "in_progress", "finalizing"]


class _Api:
    """The HTTP requests of the Files and Batches API for one client configuration."""

    def __init__(self, client: DashScopeClient) -> None:
        config = client.config
        base = config.base_url
        root = base[: -len("/api/v1")] if base.endswith("/api/v1") else base
        self.root = root + "/compatible-mode/v1"
        self.headers = {"Authorization": config.bearer(), "User-Agent": USER_AGENT}
        if config.workspace:
            self.headers["X-DashScope-WorkSpace"] = config.workspace
        self.timeout = _timeout_extension(config.timeout)

    def request(
        self, method: str, path: str, *, body: Any = None, stream: MultipartFile | None = None
    ) -> httpx.Request:
        headers = dict(self.headers)
        content = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            content = json.dumps(body, ensure_ascii=False).encode()
        url = _url(self.root + path)
        if stream is not None:  # httpx sets no default header on a request given a stream
            headers.update(stream.headers(), Host=url.netloc.decode("ascii"))
        out = httpx.Request(method, url, headers=headers, content=content, stream=stream)
        out.extensions["timeout"] = self.timeout
        return out

    def upload(self, part: InputPart) -> httpx.Request:
        return self.request("POST", "/files", stream=MultipartFile(part.file, purpose="batch"))

    def create(self, file_id: str, window: str, metadata: dict[str, str] | None) -> httpx.Request:
        body: dict[str, Any] = {
            "input_file_id": file_id,
            "endpoint": BATCH_ENDPOINT,
            "completion_window": window,
        }
        if metadata is not None:
            body["metadata"] = metadata
        return self.request("POST", "/batches", body=body)


def _read_bytes(status: int, headers: Any, body: bytes) -> bytes:
    if status != 200:
        read_json(status, headers, body)  # raises the typed error
    return body


class _Collector:
    """Output and error files in, one entry per input out (in ``custom_id`` order)."""

    def __init__(self, status: BatchStatus, size: int | None) -> None:
        self.status = status
        self.size = max(size or 0, status.total)
        self.known_size = size is not None
        self.found: dict[int, GenerationResult | DashScopeError] = {}
        self.others: list[GenerationResult | DashScopeError] = []  # foreign custom ids

    def file_ids(self) -> list[str]:
        keys = ("output_file_id", "error_file_id")
        return [str(b[k]) for b in self.status.batches for k in keys if b.get(k)]

    def feed(self, content: bytes) -> None:
        for line in content.splitlines():
            if not line.strip():
                continue
            custom_id, entry = decode_row(json.loads(line))
            if custom_id.isdigit():
                self.found[int(custom_id)] = entry
            else:
                self.others.append(entry)

    def results(self) -> list[GenerationResult | DashScopeError]:
        size = max(self.size, max(self.found, default=-1) + 1)
        failed = [b for b in self.status.batches if b.get("status") in ("failed", "expired")]
        missing = _missing(failed)
        if failed and not self.known_size:
            raise missing  # a refused file's rows were never counted: their places are unknown
        return [self.found.get(i, missing) for i in range(size)] + self.others


def _missing(failed: list[dict[str, Any]]) -> BatchError:
    if not failed:
        return BatchError("the batch's output holds no line for this row", code="BatchRowMissing")
    batch = failed[0]
    errors = (batch.get("errors") or {}).get("data") or []
    first = errors[0] if errors else {}
    return BatchError(
        f"batch {batch.get('id')} {batch.get('status')}: "
        f"{first.get('message') or 'no answer for this row'}",
        code=str(first.get("code") or batch.get("status")),
        body=batch,
    )


class _Progress:
    """A progress bar on stderr (tqdm), shown only when asked and stderr is a terminal."""

    def __init__(self, job_id: str, enabled: bool) -> None:
        self._bar: Any = None
        if enabled:
            from tqdm.auto import tqdm  # imported on first use: most programs never wait

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
        client: DashScopeClient,
        batch_ids: Sequence[str],
        *,
        size: int | None = None,
        convert: Callable[[GenerationResult], T] = _identity,
        convert_error: Callable[[DashScopeError], Exception] = _identity,
    ) -> None:
        self._client = client
        self._api = _Api(client)
        self.batch_ids = list(batch_ids)
        self._size = size
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
            self._client, self.batch_ids, size=self._size, convert=convert,
            convert_error=convert_error,
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

    def _get(self, batch_id: str) -> httpx.Request:
        return self._api.request("GET", f"/batches/{batch_id}")

    # -- sync -------------------------------------------------------------------------------

    def status(self) -> BatchStatus:
        """The job's state now (one GET per batch)."""
        post = self._client._post
        return _status(self.id, [post(self._get(b), read_json) for b in self.batch_ids])

    def wait(
        self, poll_interval: float = 5.0, timeout: float | None = None, progress: bool = True
    ) -> BatchStatus:
        """Poll until the job is done; a progress bar (done / failed counts) on a terminal.
        Raises :class:`APITimeoutError` after ``timeout`` seconds (the job keeps running)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        bar = _Progress(self.id, progress)
        try:
            while True:
                status = self.status()
                bar.update(status)
                if status.done:
                    return status
                time.sleep(_pause(self.id, poll_interval, deadline))
        finally:
            bar.close()

    def results(self) -> list[T | Exception]:
        """One entry per input, in input order: the answer, or that row's typed error."""
        collector = _Collector(_finished(self.status()), self._size)
        for file_id in collector.file_ids():
            content = self._client._post(self._content(file_id), _read_bytes)
            collector.feed(content)
        return self._convert_all(collector.results())

    def cancel(self) -> BatchStatus:
        """Ask the service to stop; rows answered so far stay readable through
        :meth:`results` once the job is ``cancelled``."""
        for batch_id in _running(self.status()):
            self._client._post(self._cancel(batch_id), read_json)
        return self.status()

    def cleanup(self) -> None:
        """Delete the job's input, output and error files on the service."""
        for file_id in _files(self.status()):
            with contextlib.suppress(NotFoundError):  # deleted already
                self._client._post(self._delete(file_id), read_json)

    # -- async ------------------------------------------------------------------------------

    async def astatus(self) -> BatchStatus:
        """Async :meth:`status`."""
        apost = self._client._apost
        batches = await asyncio.gather(*(apost(self._get(b), read_json) for b in self.batch_ids))
        return _status(self.id, list(batches))

    async def await_(
        self,
        poll_interval: float = 5.0,
        timeout: float | None = None,  # noqa: ASYNC109 - wait()'s twin: a deadline to report
        progress: bool = True,
    ) -> BatchStatus:
        """Async :meth:`wait` (``await`` is a keyword, hence the underscore)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        bar = _Progress(self.id, progress)
        try:
            while True:
                status = await self.astatus()
                bar.update(status)
                if status.done:
                    return status
                await asyncio.sleep(_pause(self.id, poll_interval, deadline))
        finally:
            bar.close()

    async def aresults(self) -> list[T | Exception]:
        """Async :meth:`results`."""
        collector = _Collector(_finished(await self.astatus()), self._size)
        for file_id in collector.file_ids():
            collector.feed(await self._client._apost(self._content(file_id), _read_bytes))
        return self._convert_all(collector.results())

    async def acancel(self) -> BatchStatus:
        """Async :meth:`cancel`."""
        for batch_id in _running(await self.astatus()):
            await self._client._apost(self._cancel(batch_id), read_json)
        return await self.astatus()

    async def acleanup(self) -> None:
        """Async :meth:`cleanup`."""
        for file_id in _files(await self.astatus()):
            with contextlib.suppress(NotFoundError):  # deleted already
                await self._client._apost(self._delete(file_id), read_json)

    def _content(self, file_id: str) -> httpx.Request:
        return self._api.request("GET", f"/files/{file_id}/content")

    def _cancel(self, batch_id: str) -> httpx.Request:
        return self._api.request("POST", f"/batches/{batch_id}/cancel")

    def _delete(self, file_id: str) -> httpx.Request:
        return self._api.request("DELETE", f"/files/{file_id}")


def _pause(job_id: str, poll_interval: float, deadline: float | None) -> float:
    if deadline is None:
        return poll_interval
    left = deadline - time.monotonic()
    if left <= 0:
        raise APITimeoutError(f"batch job {job_id} is not done yet", code="BatchWaitTimeout")
    return min(poll_interval, left)


def _finished(status: BatchStatus) -> BatchStatus:
    if not status.done:
        raise BatchError(
            f"batch job {status.id} is {status.status}: wait() for it to finish first",
            code="BatchNotFinished",
        )
    return status


def _running(status: BatchStatus) -> list[str]:
    return [str(b["id"]) for b in status.batches if b.get("status") not in _TERMINAL]


def _files(status: BatchStatus) -> list[str]:
    keys = ("input_file_id", "output_file_id", "error_file_id")
    return [str(b[k]) for b in status.batches for k in keys if b.get(k)]


# -- submitting and attaching -----------------------------------------------------------------


def _job_ids(job_id: str) -> list[str]:
    ids = [part.strip() for part in job_id.split(",") if part.strip()]
    if not ids:
        raise RequestValidationError("a batch id is required", code="InvalidBatchId")
    return ids


def attach(client: DashScopeClient, job_id: str) -> BatchJob[GenerationResult]:
    """The job ``job_id`` (checked: an unknown id raises :class:`NotFoundError`)."""
    job: BatchJob[GenerationResult] = BatchJob(client, _job_ids(job_id))
    job.status()
    return job


async def aattach(client: DashScopeClient, job_id: str) -> BatchJob[GenerationResult]:
    """Async :func:`attach`."""
    job: BatchJob[GenerationResult] = BatchJob(client, _job_ids(job_id))
    await job.astatus()
    return job


def submit(
    client: DashScopeClient,
    requests: Iterable[GenerationRequest],
    completion_window: str,
    metadata: dict[str, str] | None,
    limits: BatchLimits | None,
) -> BatchJob[GenerationResult]:
    """Write the input files (every request checked first), upload each, create its batch."""
    parts = write_parts(requests, limits or BatchLimits())
    api, ids = _Api(client), []
    try:
        for part in parts:
            file_id = client._post(api.upload(part), read_json)["id"]
            create = api.create(file_id, completion_window, metadata)
            ids.append(client._post(create, read_json)["id"])
    except DashScopeError:
        _log_partial(ids)
        raise
    finally:
        for part in parts:
            part.close()
    return BatchJob(client, ids, size=_size(parts))


async def asubmit(
    client: DashScopeClient,
    requests: Iterable[GenerationRequest],
    completion_window: str,
    metadata: dict[str, str] | None,
    limits: BatchLimits | None,
) -> BatchJob[GenerationResult]:
    """Async :func:`submit`."""
    parts = write_parts(requests, limits or BatchLimits())
    api, ids = _Api(client), []
    try:
        for part in parts:
            file_id = (await client._apost(api.upload(part), read_json))["id"]
            create = api.create(file_id, completion_window, metadata)
            ids.append((await client._apost(create, read_json))["id"])
    except DashScopeError:
        _log_partial(ids)
        raise
    finally:
        for part in parts:
            part.close()
    return BatchJob(client, ids, size=_size(parts))


def _size(parts: list[InputPart]) -> int:
    return sum(part.rows for part in parts)


def _log_partial(ids: list[str]) -> None:
    if ids:
        logger.warning(
            "batch submission failed after creating %s; attach with client.batch(%r)",
            ids,
            ",".join(ids),
        )
