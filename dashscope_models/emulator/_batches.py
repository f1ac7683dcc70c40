"""The emulator's Batch service: Files and Batches under ``/compatible-mode/v1``, as recorded.

A batch moves validating → in_progress → finalizing → completed (``create-batch-``,
``get-inprogress-``, ``get-completed-batch-compatible-nosse``), or cancelling → cancelled
(``cancel-batch-``, ``get-cancelled-``), or straight to failed with ``errors`` when its input
file is refused (``get-invalid-batch-compatible-nosse``). Time is compressed: a batch takes
``batch_seconds`` of wall time (10 % validating, 80 % answering its rows at an even pace, 10 %
finalizing), and its state advances whenever it is looked at, so nothing runs in the background.
Each row is answered by the same engine as a live call (:meth:`Emulator.handle` on the native
endpoint, scripted replies and faults included); answers go to an output file, failures to an
error file.

Example::

    emulator = Emulator(batch_seconds=0.5)
    client = DashScopeClient(api_key="sk-x", base_url="http://emulator/api/v1",
                             transport=EmulatorTransport(emulator))
    job = client.submit_batch(requests); job.wait(poll_interval=0.1)
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from dashscope_models.emulator._compat import (
    completion,
    merged_stream,
    native_request,
    needs_stream,
)
from dashscope_models.emulator._files import FileStore, compat_error, page_size, query_params
from dashscope_models.emulator._response import EmulatorResponse, Frame


class Engine(Protocol):
    """What the Batch service needs of the emulator (``_engine.Emulator``): its answer to a
    native request, and its key check."""

    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> EmulatorResponse: ...

    def _authorized(self, authorization: str) -> bool: ...


__all__ = ["COMPAT_PREFIX", "BatchService"]

COMPAT_PREFIX = "/compatible-mode/v1"
_JSON = "application/json;charset=UTF-8"  # as every recorded batch answer
# URLs a row may name: chat completions, and the docs' test endpoint that create-batch-
# compatible-nosse uses; anything else is get-invalid-batch's url_not_found.
_URLS = frozenset({"/v1/chat/completions", "/v1/chat/ds-test"})
# Input-file limits (help.aliyun.com/zh/model-studio/batch-inference, 规模限制/单行限制).
MAX_ROWS = 50_000
MAX_FILE_BYTES = 500 * 1024 * 1024
MAX_LINE_BYTES = 6 * 1024 * 1024
_TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})


class _Batch:
    """One batch: its recorded object, its rows and their answers so far."""

    def __init__(self, obj: dict[str, Any], started: float, auth: str) -> None:
        self.obj = obj
        self.started = started
        self.auth = auth
        self.rows: list[dict[str, Any]] = []
        self.done = 0  # rows answered so far
        self.output: list[bytes] = []
        self.errors: list[bytes] = []

    def counts(self, total: int, completed: int, failed: int) -> None:
        self.obj["request_counts"] = {"total": total, "completed": completed, "failed": failed}


def _new_object(body: dict[str, Any], now: int) -> dict[str, Any]:
    # Key order and initial values as create-batch-compatible-nosse.
    return {
        "id": f"batch_{uuid.uuid4()}", "object": "batch", "endpoint": body.get("endpoint"),
        "errors": None, "input_file_id": body["input_file_id"],
        "completion_window": body.get("completion_window") or "24h", "status": "validating",
        "output_file_id": None, "error_file_id": None, "created_at": now,
        "in_progress_at": None, "expires_at": None, "finalizing_at": None, "completed_at": None,
        "failed_at": None, "expired_at": None, "cancelling_at": None, "cancelled_at": None,
        "request_counts": {"total": 0, "completed": 0, "failed": 0},
        "metadata": body.get("metadata"),
    }  # fmt: skip


def _line_error(code: str, message: str, line: int, param: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "param": param, "line": line}


def _check_file(data: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(rows, errors)`` of an input file; any error fails the whole batch."""
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    if len(data) > MAX_FILE_BYTES:  # [docs 规模限制]; code [INF]
        errors.append(_line_error("file_too_large", f"The file exceeds {MAX_FILE_BYTES} bytes.", 0))
    seen: set[str] = set()
    models: set[Any] = set()
    for n, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_BYTES:  # [docs 单行限制]; code [INF]
            errors.append(_line_error("line_too_large", "The line exceeds 6 MB.", n))
            continue
        try:
            row = json.loads(raw)
        except ValueError:  # code [INF]
            errors.append(_line_error("invalid_json_line", "The line is not valid JSON.", n))
            continue
        if not isinstance(row, dict) or not isinstance(row.get("body"), dict):
            errors.append(_line_error("invalid_request", "The line has no request body.", n))
            continue
        url = row.get("url")
        if url not in _URLS:  # get-invalid-batch-compatible-nosse, word for word
            message = f"The provided url '{url}' is not supported by the Batch API."
            errors.append(_line_error("url_not_found", message, n, "url"))
            continue
        custom_id = str(row.get("custom_id"))
        if row.get("custom_id") is None or custom_id in seen:  # [docs 唯一标识]; code [INF]
            message = f"The custom_id '{custom_id}' is missing or not unique in the file."
            errors.append(_line_error("duplicate_custom_id", message, n, "custom_id"))
            continue
        seen.add(custom_id)
        models.add(row["body"].get("model"))
        rows.append(row)
    if len(models) > 1:  # [docs 一致性要求: one model per file]; code [INF]
        errors.append(_line_error("mismatched_model", "All requests must use one model.", 0))
    if len(rows) > MAX_ROWS:  # [docs 规模限制]; code [INF]
        errors.append(_line_error("too_many_requests", f"At most {MAX_ROWS} requests.", 0))
    if not rows and not errors:  # code [INF]
        errors.append(_line_error("empty_file", "The input file holds no request.", 0))
    return rows, errors[:100]


class BatchService:
    """Files and Batches for one :class:`Emulator` (see the module docstring)."""

    def __init__(self, emulator: Engine, batch_seconds: float) -> None:
        self._emulator = emulator
        self.batch_seconds = batch_seconds
        self.files = FileStore()
        self.batches: dict[str, _Batch] = {}
        self._lock = threading.RLock()

    def clear(self) -> None:
        """Forget every file and batch."""
        with self._lock:
            self.batches.clear()
            self.files = FileStore()

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> EmulatorResponse:
        """Answer one request below ``/compatible-mode/v1``."""
        request_id = str(uuid.uuid4())
        if not self._emulator._authorized(headers.get("authorization", "")):
            # [PUB] the compatible mode's 401 body
            error = compat_error(401, "invalid_api_key", "Incorrect API key provided.")
            return _answer(401, error, request_id)
        rest = path[len(COMPAT_PREFIX) :]
        if rest.startswith("/files"):
            status, data = self.files.handle(method.upper(), rest[len("/files") :], headers, body)
        elif rest.startswith("/batches"):
            with self._lock:
                status, data = self._batches(method.upper(), rest[len("/batches") :], body, headers)
        else:
            status, data = 404, compat_error(404, "NotFound", f"No such endpoint: {method} {path}")
        return _answer(status, data, request_id)

    def refuse(self, status: int, code: str, message: str) -> EmulatorResponse:
        """A scripted error's answer (``_upload_script``), in the compatible mode's shape."""
        return _answer(status, compat_error(status, code, message), str(uuid.uuid4()))

    # -- routes ---------------------------------------------------------------------------

    def _batches(
        self, method: str, rest: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, Any]:
        route = rest.split("?", 1)[0].strip("/")
        if not route:
            if method == "POST":
                return self._create(body, headers.get("authorization", ""))
            return 200, self._listing(query_params(rest))
        batch_id, _, action = route.partition("/")
        batch = self.batches.get(batch_id)
        if batch is None or action not in ("", "cancel"):
            return 404, compat_error(404, "NotFound", f"Batch {batch_id} not found.", "batch_id")
        if action == "cancel" and method == "POST":
            if batch.obj["status"] not in _TERMINAL:
                self._advance(batch)
                if batch.obj["status"] not in _TERMINAL:
                    batch.obj["status"] = "cancelling"  # cancel-batch-compatible-nosse
            return 200, batch.obj
        self._advance(batch)
        return 200, batch.obj

    def _create(self, body: bytes, auth: str) -> tuple[int, Any]:
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        if not isinstance(request, dict) or not isinstance(request.get("input_file_id"), str):
            message = "input_file_id is required."
            return 400, compat_error(400, "invalid_parameter_error", message, "input_file_id")
        if self.files.get(request["input_file_id"]) is None:  # [INF]
            message = f"File {request['input_file_id']} not found."
            return 404, compat_error(404, "NotFound", message, "input_file_id")
        batch = _Batch(_new_object(request, int(time.time())), time.monotonic(), auth)
        self.batches[batch.obj["id"]] = batch
        return 200, dict(batch.obj)  # a copy: the answer shows "validating", as recorded

    def _listing(self, query: dict[str, str]) -> dict[str, Any]:
        """As list-batches-*-compatible-nosse: newest first, filtered by ``input_file_ids``
        (comma-separated); an empty page has ``data: null``."""
        wanted = {i for i in (query.get("input_file_ids") or "").split(",") if i}
        batches = list(reversed(self.batches.values()))
        for batch in batches:
            self._advance(batch)
        objs = [b.obj for b in batches if not wanted or b.obj["input_file_id"] in wanted]
        if query.get("after") in {o["id"] for o in objs}:
            objs = objs[[o["id"] for o in objs].index(query["after"]) + 1 :]
        limit = page_size(query)
        page = objs[:limit]
        return {"object": "list", "data": page or None,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
                "has_more": len(objs) > limit}  # fmt: skip

    # -- the state machine ----------------------------------------------------------------

    def _advance(self, batch: _Batch) -> None:
        """Bring ``batch`` to where it is at this moment of compressed time."""
        obj, span = batch.obj, self.batch_seconds
        elapsed = time.monotonic() - batch.started
        now = int(time.time())
        if obj["status"] == "cancelling":
            self._cancel(batch, now)
        if obj["status"] == "validating" and elapsed >= 0.1 * span:
            self._validate(batch, now)
        if obj["status"] == "in_progress":
            share = 1.0 if span <= 0 else min(1.0, (elapsed - 0.1 * span) / (0.8 * span))
            self._answer_rows(batch, int(len(batch.rows) * max(share, 0.0)))
            if batch.done == len(batch.rows) and elapsed >= 0.9 * span:
                obj["status"], obj["finalizing_at"] = "finalizing", now
        if obj["status"] == "finalizing" and elapsed >= span:
            self._write_files(batch)
            obj["status"], obj["completed_at"] = "completed", now

    def _validate(self, batch: _Batch, now: int) -> None:
        obj = batch.obj
        rows, errors = _check_file(self._data(batch))
        if errors:  # get-invalid-batch-compatible-nosse: failed, never in progress, total 0
            obj["status"], obj["failed_at"] = "failed", now
            obj["errors"] = {"object": "list", "data": errors}
            return
        batch.rows = rows
        obj["status"], obj["in_progress_at"] = "in_progress", now
        batch.counts(len(rows), 0, 0)

    def _data(self, batch: _Batch) -> bytes:
        file = self.files.get(batch.obj["input_file_id"])
        return file.data if file is not None else b""

    def _answer_rows(self, batch: _Batch, upto: int) -> None:
        while batch.done < upto:
            row = batch.rows[batch.done]
            batch.done += 1
            status, line = self._row(row, batch.auth)
            (batch.output if status == 200 else batch.errors).append(line)
        batch.counts(len(batch.rows), len(batch.output), len(batch.errors))

    def _row(self, row: dict[str, Any], auth: str) -> tuple[int, bytes]:
        """One row through the engine, as its output- or error-file line."""
        path, native = native_request(row["body"])
        headers = {"authorization": auth, "content-type": "application/json"}
        streamed = needs_stream(native)
        if streamed:
            headers["x-dashscope-sse"] = "enable"
            native["parameters"]["incremental_output"] = True
        data = json.dumps(native, ensure_ascii=False).encode()
        answer = self._emulator.handle("POST", "/api/v1" + path, headers, data)
        raw = b"".join(f.data for f in answer.frames)
        request_id = dict(answer.headers).get("x-request-id") or str(uuid.uuid4())
        status, parsed = answer.status, None
        try:
            status, parsed = merged_stream(raw) if streamed else (status, json.loads(raw))
        except ValueError:
            parsed = None
        if status == 200 and isinstance(parsed, dict) and "output" in parsed:
            body = completion(parsed, str(native["model"]), int(time.time()))
            # As get-file-content-compatible-nosse.
            line = {"id": request_id, "custom_id": row.get("custom_id"),
                    "response": {"status_code": 200, "request_id": request_id, "body": body},
                    "error": None}  # fmt: skip
            return 200, _jsonl(line)
        status = status if status != 200 else 500
        native_error = parsed if isinstance(parsed, dict) else {}
        code = str(native_error.get("code") or "InternalError")
        message = str(native_error.get("message") or "The row could not be answered.")
        # [INF] an error-file line: the row's response with an OpenAI-shaped error body.
        line = {"id": request_id, "custom_id": row.get("custom_id"),
                "response": {"status_code": status, "request_id": request_id,
                             "body": {**compat_error(status, code, message),
                                      "request_id": request_id}},
                "error": {"code": code, "message": message}}  # fmt: skip
        return status, _jsonl(line)

    def _cancel(self, batch: _Batch, now: int) -> None:
        """get-cancelled-batch-compatible-nosse: rows not answered count as failed and go to
        the error file; answered rows stay in the output file."""
        if batch.obj["in_progress_at"] is None:  # cancelled while validating: rows count
            batch.rows = _check_file(self._data(batch))[0]
        for row in batch.rows[batch.done :]:
            # [INF] the error line of a row the cancel stopped.
            error = {"code": "batch_cancelled", "message": "The batch was cancelled first."}
            line = {"id": str(uuid.uuid4()), "custom_id": row.get("custom_id"), "response": None,
                    "error": error}  # fmt: skip
            batch.errors.append(_jsonl(line))
        batch.done = len(batch.rows)
        batch.counts(len(batch.rows), len(batch.output), len(batch.errors))
        self._write_files(batch)
        obj = batch.obj
        obj["status"], obj["cancelling_at"], obj["cancelled_at"] = "cancelled", now, now

    def _write_files(self, batch: _Batch) -> None:
        """Output and error files, each only when it has lines (as get-completed- and
        get-cancelled-batch-compatible-nosse: ``file-batch_output-…`` ids)."""
        for key, lines in (("output_file_id", batch.output), ("error_file_id", batch.errors)):
            if lines and batch.obj[key] is None:
                name = f"{batch.obj['id']}_{key.split('_')[0]}.jsonl"
                file = self.files.add(b"".join(lines), name, "batch_output", "file-batch_output-")
                batch.obj[key] = file.id


def _jsonl(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _answer(status: int, data: Any, request_id: str) -> EmulatorResponse:
    if isinstance(data, bytes):
        content_type, payload = "application/octet-stream", data  # [INF] no recorded type
    else:
        content_type = _JSON
        payload = json.dumps(data, ensure_ascii=False, indent=2).encode()
    headers = [("content-type", content_type), ("x-request-id", request_id)]
    return EmulatorResponse(status, headers, [Frame(payload)])
