"""Input files of a batch, written without holding the requests in memory.

:func:`write_parts` reads the requests once, validating and encoding each as it comes
(``encode_row``), and appends its line to an anonymous temporary file of its group (one model
and thinking mode per file, as the service requires); a file that would pass the row or byte
limit is closed and a new one started. Nothing is uploaded until every request was accepted, so
a refused request is reported (with its index) before any upload. :class:`MultipartFile` then
streams one file as a ``multipart/form-data`` upload body, in 64 KiB pieces, sync or async, as
often as the client retries.

Example::

    parts = write_parts(requests, BatchLimits())
    upload = MultipartFile(parts[0].file, purpose="batch")
    httpx.Request("POST", url, headers=upload.headers(), stream=upload)
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

import httpx

from dashscope_models._attachments import Local
from dashscope_models._batch_rows import BatchLimits, encode_row, group_key, refuse, resolve_line
from dashscope_models._errors import RequestValidationError
from dashscope_models._types import GenerationRequest

__all__ = ["InputPart", "MultipartFile", "write_parts"]

_PIECE = 64 * 1024


@dataclass(slots=True)
class InputPart:
    """One input file in the making: its rows, bytes, and where its first row sits."""

    file: IO[bytes]
    first: int
    model: str = ""
    rows: int = 0
    size: int = 0
    pending: bool = False
    """Some row names a document by placeholder, to be resolved once it is uploaded."""

    def close(self) -> None:
        self.file.close()

    def resolve(self, file_ids: dict[str, str]) -> None:
        """Write the uploaded documents' file ids into the rows (a new file, line by line)."""
        if not self.pending:
            return
        resolved = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.file.seek(0)
        for line in self.file:
            resolved.write(resolve_line(line, file_ids))
        resolved.flush()
        self.file.close()
        self.file, self.size, self.pending = resolved, resolved.tell(), False


def write_parts(
    requests: Iterable[GenerationRequest],
    limits: BatchLimits,
    documents: dict[str, Local] | None = None,
) -> list[InputPart]:
    """Encode every request into input files within ``limits`` (see the module docstring);
    the documents the rows name by placeholder go into ``documents`` (``encode_row``)."""
    open_parts: dict[tuple[str, bool | None], InputPart] = {}
    parts: list[InputPart] = []
    try:
        count = 0
        for index, request in enumerate(requests):
            count += 1
            known = len(documents) if documents is not None else 0
            line = encode_row(index, request, documents)
            if len(line) > limits.max_line_bytes:
                raise refuse(
                    index,
                    f"its batch line is {len(line)} bytes; the service takes at most "
                    f"{limits.max_line_bytes} per line",
                )
            key = group_key(request)
            part = open_parts.get(key)
            if (
                part is None
                or part.rows >= limits.max_rows
                or (part.size + len(line) > limits.max_file_bytes)
            ):
                file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by InputPart.close()
                part = open_parts[key] = InputPart(file, index, request.model)
                parts.append(part)
            part.file.write(line)
            part.pending |= documents is not None and (len(documents) > known or _named(line))
            part.rows += 1
            part.size += len(line)
        if not count:
            raise RequestValidationError("a batch needs at least one request", code="EmptyBatch")
    except BaseException:
        for part in parts:
            part.close()
        raise
    for part in parts:
        part.file.flush()
    return parts


def _named(line: bytes) -> bool:
    return b"dashscope-models-pending-" in line


class MultipartFile(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A ``multipart/form-data`` body (fields ``file`` and ``purpose``) read from ``file``
    piece by piece; iterable again for each retry."""

    def __init__(self, file: IO[bytes], *, purpose: str, filename: str = "batch.jsonl") -> None:
        self._file = file
        self._boundary = uuid.uuid4().hex
        b = self._boundary
        self._head = (
            f'--{b}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n{purpose}\r\n'
            f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/jsonl\r\n\r\n"
        ).encode()
        self._tail = f"\r\n--{b}--\r\n".encode()
        self._size = os.fstat(file.fileno()).st_size

    @property
    def content_length(self) -> int:
        return len(self._head) + self._size + len(self._tail)

    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": f"multipart/form-data; boundary={self._boundary}",
            "Content-Length": str(self.content_length),
        }

    def __iter__(self) -> Iterator[bytes]:
        yield self._head
        self._file.seek(0)
        while piece := self._file.read(_PIECE):
            yield piece
        yield self._tail

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self:  # local disk reads of 64 KiB: not worth a thread hop each
            yield piece
