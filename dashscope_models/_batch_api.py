"""The Batch service's wire side without I/O: requests, batch objects, result files.

:class:`_Api` builds the Files and Batches requests (``/compatible-mode/v1``, as the recorded
``*-batch-compatible-nosse`` / ``*-file-compatible-nosse`` exchanges), :func:`read_status`
reads batch objects into one :class:`BatchStatus`, :class:`Collector` turns output and error
files into one entry per input, in input order. ``_batch`` sends what this module builds.

Example::

    api = Api(client)
    request = api.request("GET", f"/batches/{batch_id}")
    status = read_status(batch_id, [batch_object])
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from dashscope_models._batch_files import InputPart, MultipartFile
from dashscope_models._batch_rows import BATCH_ENDPOINT, BatchError, decode_row
from dashscope_models._call import read_json
from dashscope_models._errors import APITimeoutError, DashScopeError, StreamError
from dashscope_models._request import USER_AGENT, _timeout_extension, _url
from dashscope_models._types import GenerationResult

if TYPE_CHECKING:
    from dashscope_models._client import DashScopeClient

__all__ = [
    "Api",
    "BatchStatus",
    "Collector",
    "all_files",
    "answer_id",
    "finished",
    "pause",
    "read_bytes",
    "read_status",
    "running",
]

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


def read_status(job_id: str, batches: list[dict[str, Any]]) -> BatchStatus:
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


class Api:
    """The HTTP requests of the Files and Batches API for one client configuration."""

    def __init__(self, client: DashScopeClient) -> None:
        config = client.config
        base = config.base_url
        root = base[: -len("/api/v1")] if base.endswith("/api/v1") else base
        self.root = root + "/compatible-mode/v1"
        config.bearer()  # no key: the ConfigurationError now, before anything is written
        self._config = config  # the key stays in its SecretStr: set on each built request only
        self.headers = {"User-Agent": USER_AGENT}
        if config.workspace:
            self.headers["X-DashScope-WorkSpace"] = config.workspace
        self.timeout = _timeout_extension(config.timeout)

    def request(
        self, method: str, path: str, *, body: Any = None, stream: MultipartFile | None = None
    ) -> httpx.Request:
        headers = {**self.headers, "Authorization": self._config.bearer()}
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


def read_bytes(status: int, headers: Any, body: bytes) -> bytes:
    if status != 200:
        read_json(status, headers, body)  # raises the typed error
    return body


class Collector:
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
            try:
                custom_id, entry = decode_row(json.loads(line))
            except (ValueError, TypeError, AttributeError, KeyError):
                raise _malformed("a result file line", line) from None
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


def pause(job_id: str, poll_interval: float, deadline: float | None) -> float:
    if deadline is None:
        return poll_interval
    left = deadline - time.monotonic()
    if left <= 0:
        raise APITimeoutError(f"batch job {job_id} is not done yet", code="BatchWaitTimeout")
    return min(poll_interval, left)


def finished(status: BatchStatus) -> BatchStatus:
    if not status.done:
        raise BatchError(
            f"batch job {status.id} is {status.status}: wait() for it to finish first",
            code="BatchNotFinished",
        )
    return status


def running(status: BatchStatus) -> list[str]:
    return [str(b["id"]) for b in status.batches if b.get("status") not in _TERMINAL]


def all_files(status: BatchStatus) -> list[str]:
    keys = ("input_file_id", "output_file_id", "error_file_id")
    return [str(b[k]) for b in status.batches for k in keys if b.get(k)]


def answer_id(answer: Any) -> str:
    """The ``id`` of a file or batch object the service answered with (a typed error if none)."""
    value = answer.get("id") if isinstance(answer, dict) else None
    if isinstance(value, str):
        return value
    raise _malformed("an answer without an id", answer)


def _malformed(what: str, value: Any) -> StreamError:
    request_id = value.get("request_id") if isinstance(value, dict) else None
    return StreamError(
        f"the Batch service sent {what}: {str(value)[:200]}",
        code="MalformedResponse",
        status_code=200,
        request_id=request_id,
    )
