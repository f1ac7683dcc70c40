"""The Batch service's wire side without I/O: requests, batch objects, result files.

The Files and Batches calls (rows of ``_endpoints.ENDPOINTS`` on the ``compatible`` root,
``/compatible-mode/v1``, as the recorded ``*-batch-compatible-nosse`` /
``*-file-compatible-nosse`` exchanges) are :class:`~dashscope_models._endpoints.Call` objects
made here; :func:`read_status` reads batch objects into one :class:`BatchStatus`,
:class:`Collector` turns output and error files into one entry per input, in input order.
``_batch`` sends them through the one call loop (``_loop.Calls``).

Example::

    status = read_status(batch_id, [calls.send(get_batch(batch_id))])
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dashscope_models._batch_files import InputPart, MultipartFile
from dashscope_models._batch_rows import BATCH_ENDPOINT, BatchError, decode_row
from dashscope_models._endpoints import Call
from dashscope_models._errors import APITimeoutError, DashScopeError, StreamError
from dashscope_models._hints import explain_model
from dashscope_models._reply import read_json
from dashscope_models._types import GenerationResult

__all__ = [
    "BatchStatus",
    "Collector",
    "all_files",
    "answer_id",
    "cancel",
    "create",
    "delete_file",
    "file_content",
    "finished",
    "get_batch",
    "pause",
    "read_bytes",
    "read_status",
    "running",
    "upload",
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


def upload(part: InputPart) -> Call[Any]:
    """Upload one input file (``purpose=batch``), streamed from disk."""
    return Call("file-upload", None, read_json, upload=MultipartFile(part.file, purpose="batch"))


def create(file_id: str, window: str, metadata: dict[str, str] | None) -> Call[Any]:
    """Create the batch of an uploaded input file."""
    body: dict[str, Any] = {
        "input_file_id": file_id,
        "endpoint": BATCH_ENDPOINT,
        "completion_window": window,
    }
    if metadata is not None:
        body["metadata"] = metadata
    return Call("batch-create", body, read_json)


def get_batch(batch_id: str) -> Call[Any]:
    """One batch object."""
    return Call("batch-get", None, read_json, path={"id": batch_id})


def cancel(batch_id: str) -> Call[Any]:
    """Ask the service to stop a batch."""
    return Call("batch-cancel", None, read_json, path={"id": batch_id})


def file_content(file_id: str) -> Call[bytes]:
    """An output or error file's bytes."""
    return Call("file-content", None, read_bytes, path={"id": file_id})


def delete_file(file_id: str) -> Call[Any]:
    """Delete a file on the service."""
    return Call("file-delete", None, read_json, path={"id": file_id})


def read_bytes(status: int, headers: Any, body: bytes) -> bytes:
    if status != 200:
        read_json(status, headers, body)  # raises the typed error
    return body


class Collector:
    """Output and error files in, one entry per input out (in ``custom_id`` order).

    ``models``: each batch's model, when known (a job this process submitted): a row that
    failed with "Model not exist." then carries the hint a live call's error does (the id and
    catalogued ids close to it), which the row's error line cannot give."""

    def __init__(
        self, status: BatchStatus, size: int | None, models: Mapping[str, str] | None = None
    ) -> None:
        self.status = status
        self.size = max(size or 0, status.total)
        self.known_size = size is not None
        self.found: dict[int, GenerationResult | DashScopeError] = {}
        self.others: list[GenerationResult | DashScopeError] = []  # foreign custom ids
        models = models or {}
        keys = ("output_file_id", "error_file_id")
        # each result file's id -> the model of its batch ("" when unknown)
        self._files = {str(b[k]): models.get(str(b.get("id")), "")
                       for b in status.batches for k in keys if b.get(k)}  # fmt: skip

    def file_ids(self) -> list[str]:
        return list(self._files)

    def feed(self, content: bytes, file_id: str = "") -> None:
        """Read one result file (``file_id``: which, for its batch's model)."""
        model = self._files.get(file_id)
        for line in content.splitlines():
            if not line.strip():
                continue
            try:
                custom_id, entry = decode_row(json.loads(line))
            except (ValueError, TypeError, AttributeError, KeyError):
                raise _malformed("a result file line", line) from None
            if model and isinstance(entry, DashScopeError):
                explain_model(entry, model)
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
