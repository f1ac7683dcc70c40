"""The emulator's Files API (``/compatible-mode/v1/files``), as recorded.

Upload (multipart ``file`` + ``purpose``), get, list, delete and content, with the recorded file
object ``{"id", "object": "file", "bytes", "filename", "purpose", "status": "processed",
"created_at"}`` (``upload-file-`` / ``get-file-`` / ``list-files-`` / ``delete-file-compatible-
nosse``). Answers are ``(status, JSON object or raw bytes)``; the batch service routes to it.

Example::

    store = FileStore()
    status, obj = store.upload(headers, multipart_body)
    store.content(obj["id"])
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

__all__ = [
    "FileStore",
    "StoredFile",
    "compat_error",
    "page_size",
    "parse_multipart",
    "parse_parts",
    "query_params",
]


def compat_error(status: int, code: str, message: str, param: str | None = None) -> dict[str, Any]:
    """The compatible mode's error body (OpenAI-shaped) [INF: no recorded error of these
    endpoints; the shape the compatible mode uses for chat completions]."""
    return {"error": {"message": message, "type": "invalid_request_error", "param": param,
                      "code": code}}  # fmt: skip


@dataclass(slots=True)
class StoredFile:
    id: str
    filename: str
    purpose: str
    data: bytes
    created_at: int
    description: str = ""  # the native API's (upload-file-nosse, list-files-nosse)

    def as_object(self) -> dict[str, Any]:
        # Key order and values as upload-file-compatible-nosse / get-file-compatible-nosse.
        return {"id": self.id, "object": "file", "bytes": len(self.data),
                "filename": self.filename, "purpose": self.purpose, "status": "processed",
                "created_at": self.created_at}  # fmt: skip


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """``{field name: (filename, data)}`` of a ``multipart/form-data`` body (the last of
    repeated names)."""
    return {name: (filename, data) for name, filename, data in parse_parts(content_type, body)}


def parse_parts(content_type: str, body: bytes) -> list[tuple[str, str | None, bytes]]:
    """``[(field name, filename, data)]`` of a ``multipart/form-data`` body, in order."""
    boundary = ""
    for item in content_type.split(";"):
        key, _, value = item.strip().partition("=")
        if key.lower() == "boundary":
            boundary = value.strip('"')
    if not boundary:
        return []
    fields: list[tuple[str, str | None, bytes]] = []
    for chunk in body.split(b"--" + boundary.encode()):
        if chunk in (b"", b"--", b"--\r\n") or chunk.startswith(b"--"):
            continue
        head, sep, data = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            continue
        name, filename = None, None
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                for param in line.split(";")[1:]:
                    key, _, value = param.strip().partition("=")
                    if key == "name":
                        name = value.strip('"')
                    elif key == "filename":
                        filename = value.strip('"')
        if name is not None:
            fields.append((name, filename, data[:-2] if data.endswith(b"\r\n") else data))
    return fields


def page_size(query: dict[str, str]) -> int:
    """The ``limit`` of a listing (20 when absent or not a number) [INF: OpenAI's default]."""
    limit = query.get("limit") or ""
    return int(limit) if limit.isdigit() and int(limit) > 0 else 20


def query_params(path: str) -> dict[str, str]:
    query = path.partition("?")[2]
    return {k: v[-1] for k, v in parse_qs(query).items()}


class FileStore:
    """Files in memory, by id (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.files: dict[str, StoredFile] = {}

    def add(self, data: bytes, filename: str, purpose: str, prefix: str) -> StoredFile:
        file = StoredFile(f"{prefix}{uuid.uuid4().hex[:24]}", filename, purpose, data,
                          int(time.time()))  # fmt: skip
        with self._lock:
            self.files[file.id] = file
        return file

    def get(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self.files.get(file_id)

    def handle(self, method: str, rest: str, headers: dict[str, str], body: bytes) -> Any:
        """``(status, JSON object or bytes)`` for ``rest`` = the path after ``/files``."""
        route = rest.split("?", 1)[0].strip("/")
        if method == "POST" and not route:
            return self.upload(headers.get("content-type", ""), body)
        if method == "GET" and not route:
            return 200, self.listing(query_params(rest))
        file_id, _, tail = route.partition("/")
        file = self.get(file_id)
        if file is None or tail not in ("", "content"):
            return 404, compat_error(404, "NotFound", f"File {file_id} not found.", "file_id")
        if method == "GET" and tail == "content":
            return 200, file.data
        if method == "GET":
            return 200, file.as_object()
        if method == "DELETE" and not tail:
            with self._lock:
                self.files.pop(file_id, None)
            # As delete-file-compatible-nosse.
            return 200, {"id": file_id, "object": "file", "deleted": True}
        return 405, compat_error(405, "MethodNotAllowed", f"{method} is not allowed here.")

    def upload(self, content_type: str, body: bytes) -> tuple[int, dict[str, Any]]:
        fields = parse_multipart(content_type, body)
        if "file" not in fields:
            return 400, compat_error(400, "invalid_parameter_error", "file is required.", "file")
        purpose = fields.get("purpose", (None, b""))[1].decode("utf-8", "replace").strip()
        if not purpose:
            return 400, compat_error(400, "invalid_parameter_error", "purpose is required.")
        filename, data = fields["file"]
        # Ids as recorded: batch input files "file-batch-…" (create-batch-compatible-nosse),
        # others "file-fe-…" (upload-file-compatible-nosse): 24 hex digits.
        prefix = "file-batch-" if purpose == "batch" else "file-fe-"
        return 200, self.add(data, filename or "file", purpose, prefix).as_object()

    def listing(self, query: dict[str, str]) -> dict[str, Any]:
        """As list-files-compatible-nosse: newest first, ``after`` and ``limit`` page it,
        ``purpose`` filters it [INF: order]."""
        with self._lock:
            files = sorted(self.files.values(), key=lambda f: f.created_at, reverse=True)
        if query.get("purpose"):
            files = [f for f in files if f.purpose == query["purpose"]]
        if query.get("after") in {f.id for f in files}:
            at = [f.id for f in files].index(query["after"])
            files = files[at + 1 :]
        limit = page_size(query)
        return {"object": "list", "data": [f.as_object() for f in files[:limit]],
                "has_more": len(files) > limit}  # fmt: skip
