"""The emulator's native Files API (``/api/v1/files``), in the recorded shapes.

The same files as the compatible mode's ``/compatible-mode/v1/files`` (one :class:`FileStore`:
a file uploaded either way is read, listed and deleted either way, as ``get-file-nosse`` reads a
``file-fe-`` id uploaded by ``upload-file-compatible-nosse``):

* ``POST /api/v1/files`` (multipart ``files``, optional ``descriptions`` and ``purpose``) →
  ``{"data": {"uploaded_files": [{"name", "file_id"}], "failed_uploads": []}}``
  (``upload-file-nosse``); a ``purpose`` other than ``file-extract`` is the recorded 400
  (``upload-file-error-nosse``);
* ``GET /api/v1/files?page_no=&page_size=`` → ``{"data": {"total", "files", "page_size",
  "page_no"}}`` (``list-files-nosse``); ``GET /api/v1/files/{id}`` → ``{"data": file}``
  (``get-file-nosse``); ``DELETE /api/v1/files/{id}`` → ``{"request_id"}`` (``delete-file-nosse``).

A file object carries the recorded keys; ``url``, ``region``, ``user_id`` and ``api_key_id`` are
the emulator's own values [INF], as is the 404 for an unknown id [INF: no recording].

Example::

    status, body = native_files(store, "GET", "/files/file-fe-…", {}, b"", "127.0.0.1:8000")
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

from dashscope_models.emulator._files import FileStore, StoredFile, parse_parts, query_params

__all__ = ["native_files"]

# upload-file-error-nosse, word for word.
_PURPOSE_ERROR = {
    "error": {"message": "'purpose' must be 'file-extract'", "type": "invalid_request_error",
              "param": "purpose", "code": None}
}  # fmt: skip


def _object(file: StoredFile, number: int, host: str) -> dict[str, Any]:
    # Keys and their order as get-file-nosse.
    md5 = base64.b64encode(hashlib.md5(file.data).digest()).decode()  # as recorded
    created = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(file.created_at))
    return {"id": number, "name": file.filename, "description": file.description,
            "purpose": file.purpose, "size": len(file.data), "md5": md5, "region": "emulator",
            "file_id": file.id, "url": f"http://{host}/compatible-mode/v1/files/{file.id}/content",
            "user_id": "emulator", "api_key_id": "emulator", "gmt_create": created}  # fmt: skip


def native_files(
    store: FileStore, method: str, rest: str, headers: dict[str, str], body: bytes, host: str
) -> tuple[int, dict[str, Any]]:
    """``(status, body without request_id)`` for ``rest`` = the path after ``/api/v1``."""
    route = rest.split("?", 1)[0].strip("/")
    numbers = {f.id: i for i, f in enumerate(store.files.values(), start=193306194)}
    if route == "files" and method == "POST":
        return _upload(store, headers.get("content-type", ""), body)
    if route == "files" and method == "GET":
        query = query_params(rest)
        page = max(int(query.get("page_no", "1") or 1), 1)
        size = max(int(query.get("page_size", "10") or 10), 1)
        files = sorted(store.files.values(), key=lambda f: f.created_at, reverse=True)
        shown = files[(page - 1) * size : page * size]
        return 200, {"data": {"total": len(files),
                              "files": [_object(f, numbers[f.id], host) for f in shown],
                              "page_size": size, "page_no": page}}  # fmt: skip
    file_id = route.removeprefix("files/")
    file = store.get(file_id) if route.startswith("files/") else None
    if file is None:
        return 404, {"code": "NotFound", "message": f"File {file_id} not found."}
    if method == "GET":
        return 200, {"data": _object(file, numbers[file.id], host)}
    if method == "DELETE":
        with store._lock:
            store.files.pop(file.id, None)
        return 200, {}
    return 405, {"code": "MethodNotAllowed", "message": f"{method} is not allowed here."}


def _upload(store: FileStore, content_type: str, body: bytes) -> tuple[int, dict[str, Any]]:
    parts = parse_parts(content_type, body)
    purposes = [d.decode("utf-8", "replace").strip() for n, _, d in parts if n == "purpose"]
    if any(p != "file-extract" for p in purposes):
        return 400, _PURPOSE_ERROR
    descriptions = [d.decode("utf-8", "replace") for n, _, d in parts if n == "descriptions"]
    files = [(f or "file", d) for n, f, d in parts if n in ("files", "file")]
    if not files:  # [INF]
        return 400, {"code": "InvalidParameter", "message": "files is required."}
    uploaded = []
    for i, (name, data) in enumerate(files):
        stored = store.add(data, name, "file-extract", "file-fe-")
        stored.description = descriptions[i] if i < len(descriptions) else ""
        uploaded.append({"name": name, "file_id": stored.id})
    return 200, {"data": {"uploaded_files": uploaded, "failed_uploads": []}}
