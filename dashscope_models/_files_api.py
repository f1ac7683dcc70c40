"""Files uploaded to Model Studio (``client.files``): upload, list, get and delete.

The compatible-mode Files API (``/compatible-mode/v1/files``, the recorded
``upload-``/``get-``/``list-``/``delete-file-compatible-nosse``), where the client uploads
documents for qwen-long and qwen-doc-turbo (purpose ``file-extract``) and Batch input files.
The service keeps files until they are deleted (up to 10,000 files and 100 GB per account:
help.aliyun.com/zh/model-studio/openai-file-interface); deleting a file also makes the client
forget it, so the next request with the same document uploads it again.

Example::

    for f in client.files.list(purpose="file-extract"):
        print(f["id"], f["filename"], f["bytes"])
    client.files.delete(f["id"])
"""

from __future__ import annotations

import builtins
import mimetypes
import os
from pathlib import Path
from typing import Any

from dashscope_models._attachments import Local
from dashscope_models._endpoints import Call
from dashscope_models._loop import Calls
from dashscope_models._reply import read_json
from dashscope_models._uploads import FormBody, _file_id, account

__all__ = ["Files"]


def _read(status: int, headers: Any, body: bytes) -> Any:
    return read_json(status, headers, body)


def _list(purpose: str | None, limit: int | None, after: str | None) -> Call[Any]:
    return Call(
        "file-list", None, _read, query={"purpose": purpose, "limit": limit, "after": after}
    )


def _upload(file: str | os.PathLike[str] | bytes, filename: str | None, purpose: str) -> Call[str]:
    if isinstance(file, bytes):
        name = filename or "file"
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        local = Local("document", name, mime, len(file), data=file)
    else:
        path = Path(file).expanduser()
        name = filename or path.name
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        local = Local("document", name, mime, path.stat().st_size, path=str(path))
    return Call("file-upload", None, _file_id, upload=FormBody({"purpose": purpose}, local))


def _one(endpoint: str, file_id: str) -> Call[Any]:
    return Call(endpoint, None, _read, path={"id": file_id})


class Files:
    """The account's uploaded files, sync and async (``client.files``).

    Example::

        info = client.files.upload("report.pdf")      # purpose "file-extract"
        files = await client.files.alist(limit=50)
    """

    def __init__(self, calls: Calls) -> None:
        self._calls = calls  # the client's call loop (``_loop``)
        self._config = calls.sender.config

    def _forget(self, file_id: str) -> None:
        state = account(self._config)
        with state.lock:
            for digest, known in list(state.file_ids.items()):
                if known == file_id:
                    del state.file_ids[digest]

    # -- sync ---------------------------------------------------------------------------------

    def upload(
        self,
        file: str | os.PathLike[str] | bytes,
        *,
        filename: str | None = None,
        purpose: str = "file-extract",
    ) -> str:
        """Upload a path or bytes; the file id."""
        return self._calls.send(_upload(file, filename, purpose))

    def list(
        self, *, purpose: str | None = None, limit: int | None = None, after: str | None = None
    ) -> list[dict[str, Any]]:
        """File objects (``id``, ``filename``, ``bytes``, ``purpose``, ``created_at`` ...),
        newest first; ``limit``/``after`` page through them."""
        answer = self._calls.send(_list(purpose, limit, after))
        return list(answer.get("data") or [])

    def get(self, file_id: str) -> dict[str, Any]:
        """One file object (a ``NotFoundError`` for an unknown id)."""
        return dict(self._calls.send(_one("file-get", file_id)))

    def delete(self, file_id: str) -> None:
        """Delete a file (and forget it: the same document is uploaded again when next sent)."""
        self._calls.send(_one("file-delete", file_id))
        self._forget(file_id)

    # -- async --------------------------------------------------------------------------------

    async def aupload(
        self,
        file: str | os.PathLike[str] | bytes,
        *,
        filename: str | None = None,
        purpose: str = "file-extract",
    ) -> str:
        """Async :meth:`upload`."""
        file_id: str = await self._calls.asend(_upload(file, filename, purpose))
        return file_id

    async def alist(
        self, *, purpose: str | None = None, limit: int | None = None, after: str | None = None
    ) -> builtins.list[dict[str, Any]]:
        """Async :meth:`list`."""
        answer = await self._calls.asend(_list(purpose, limit, after))
        return list(answer.get("data") or [])

    async def aget(self, file_id: str) -> dict[str, Any]:
        """Async :meth:`get`."""
        return dict(await self._calls.asend(_one("file-get", file_id)))

    async def adelete(self, file_id: str) -> None:
        """Async :meth:`delete`."""
        await self._calls.asend(_one("file-delete", file_id))
        self._forget(file_id)
