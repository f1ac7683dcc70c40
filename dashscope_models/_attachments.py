"""Documents and local media in a request: checked first, then written as the service reads them.

No I/O happens here (``_uploads`` does the uploads). A message part may hold:

* ``{"document": source}`` (optional ``filename``, ``file_parsing_strategy``): ``source`` is
  ``fileid://<id>`` (a file uploaded already), an ``http(s)://`` URL, a ``file://`` URL, or a
  ``data:<mime>;base64,...`` URI;
* ``{"image" | "audio" | "video": "file://..." | "data:..."}`` (a video may be a list of frames):
  local media.

:func:`plan` reads a request once and checks every documented limit before anything is sent
(the model reads documents at all, file types, sizes, the number of files); it returns the
:class:`Plan` of the uploads the request needs, or ``None`` when there is nothing to do.
:meth:`Plan.apply` then writes the request as sent, given where each upload went:

* documents for a ``file-id`` model (qwen-long): uploaded once with purpose ``file-extract``
  and referenced as ``fileid://<id>`` in a system message just before the message that held
  them, several joined by commas (recorded: ``conversation-generation-message-with-files-sse``);
* document URLs for a ``doc-url`` model (qwen-doc-turbo): one ``{"type": "doc_url", "doc_url":
  [urls], "file_parsing_strategy": ...}`` part where the first was, the message's text parts
  typed (recorded: ``conversation-generation-message-with-doc-url-sse``); its local documents go
  by file id as above;
* local media: inline as a ``data:`` URI up to :data:`INLINE_LIMIT` bytes, else uploaded to the
  temporary storage and sent as ``oss://...`` (``build_http_request`` then adds
  ``X-DashScope-OssResourceResolve: enable``).

An explicit-cache marker on a document (``cache_control``; see ``_cache``) moves to the part
that replaces it: the ``fileid://`` system message becomes one text part with the marker (the
cache then strips it, with one ``CacheNotSupportedWarning``, on a model without explicit cache,
which every catalogued document model is; an uncatalogued id keeps it). A ``doc_url`` part takes
no marker (only text and image parts do): a marker on a document URL is removed with that
warning.

Example::

    todo = plan(request)          # raises RequestValidationError before any I/O
    if todo is not None:
        request = todo.apply(file_ids, oss_urls)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from dashscope_models._cache import MARKER_KEYS, warn_once
from dashscope_models._catalog import ModelSpec, all_specs, get_spec
from dashscope_models._errors import RequestValidationError
from dashscope_models._types import ContentPart, GenerationRequest, Message, flat_content

__all__ = [
    "DOCUMENT_TYPES",
    "INLINE_LIMIT",
    "MAX_DOCUMENT_BYTES",
    "MAX_IMAGE_BYTES",
    "MAX_MEDIA_BYTES",
    "Local",
    "Plan",
    "plan",
]

MiB = 1024 * 1024
# Documents read by purpose file-extract: types and size (help.aliyun.com/zh/model-studio/
# openai-file-interface, "用于文档分析": TXT, DOCX, PDF, XLSX, EPUB, MOBI, MD, CSV, JSON, BMP,
# PNG, JPG/JPEG, GIF; at most 150 MB per file).
DOCUMENT_TYPES = frozenset({".txt", ".docx", ".pdf", ".xlsx", ".epub", ".mobi", ".md", ".csv",
                            ".json", ".bmp", ".png", ".jpg", ".jpeg", ".gif"})  # fmt: skip
MAX_DOCUMENT_BYTES = 150 * MiB
# qwen-doc-turbo (help.aliyun.com/zh/model-studio/data-mining-qwen-doc, "使用方式"): at most 10
# document URLs per request; by file id, one file.
MAX_DOC_URLS = 10
MAX_DOC_FILE_IDS = 1
# Images (help.aliyun.com/zh/model-studio/vision, "图像限制"): BMP, JPEG, PNG, TIFF, WEBP, HEIC,
# at most 10 MB per image.
IMAGE_TYPES = frozenset({"image/bmp", "image/jpeg", "image/png", "image/tiff", "image/webp",
                         "image/heic"})  # fmt: skip
MAX_IMAGE_BYTES = 10 * MiB
# Any local media: the temporary storage's own cap (recorded get-upload-policy-nosse:
# "max_file_size_mb": 1024); the policy's value is checked again once fetched.
MAX_MEDIA_BYTES = 1024 * MiB
INLINE_LIMIT = 1 * MiB
"""Local media up to this many bytes is sent inline (base64, a third larger); above it, it goes
through the temporary storage. Inline costs no extra round trips (a policy and an upload) and
works in every region (the temporary storage is Beijing only); 1 MiB keeps the request body
under 1.4 MB a file, far below the 10 MB image cap, while a larger file sent each turn as base64
would cost more than uploading it once (its ``oss://`` URL is reused for 48 hours)."""

_MEDIA = ("image", "audio", "video")
_DEFAULT_MIME = {"image": "image/png", "audio": "audio/mpeg", "video": "video/mp4",
                 "document": "application/octet-stream"}  # fmt: skip
_PENDING = "pending"
_URL_MARKER = (
    "a cache marker on a document URL is removed: the doc_url part that carries the URLs takes none"
)


def _fail(message: str, code: str) -> RequestValidationError:
    return RequestValidationError(message, code=code)


@dataclass(slots=True)
class Local:
    """Bytes the service cannot fetch: a local file (``path``) or decoded base64 (``data``)."""

    kind: str
    name: str
    mime: str
    size: int
    path: str | None = None
    data: bytes | None = None
    _digest: str | None = field(default=None, repr=False)

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        return Path(self.path).read_bytes()

    @property
    def digest(self) -> str:
        """SHA-256 of the content (computed once): the key the uploads are remembered by."""
        if self._digest is None:
            h = hashlib.sha256()
            if self.data is not None:
                h.update(self.data)
            else:
                assert self.path is not None
                with open(self.path, "rb") as f:
                    while piece := f.read(1 << 20):
                        h.update(piece)
            self._digest = h.hexdigest()
        return self._digest

    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.read()).decode('ascii')}"


def _local(kind: str, source: str, filename: str | None) -> Local | None:
    """The local file a ``file://`` URL or ``data:`` URI names (``None`` for anything else)."""
    if source.startswith("data:"):
        head, sep, payload = source[5:].partition(",")
        mime = head.split(";", 1)[0] or _DEFAULT_MIME[kind]
        if not sep or ";base64" not in head:
            raise _fail(f"a {kind} data URI must be base64 (data:<type>;base64,...)", "BadDataUri")
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise _fail(f"the {kind}'s base64 data is not valid base64", "BadDataUri") from None
        ext = ".md" if mime == "text/markdown" else (mimetypes.guess_extension(mime) or "")
        name = filename or kind
        if not os.path.splitext(name)[1]:
            name += ext
        return Local(kind, name, mime, len(data), data=data)
    if source.startswith("file://"):
        parsed = urlparse(source)
        path = os.path.expanduser(unquote((parsed.netloc or "") + parsed.path))
        if not os.path.isfile(path):
            raise _fail(f"the {kind} file {path} does not exist", "FileNotFound")
        name = filename or os.path.basename(path)
        mime = mimetypes.guess_type(name)[0] or _DEFAULT_MIME[kind]
        return Local(kind, name, mime, os.path.getsize(path), path=path)
    return None


def _extension(local: Local) -> str:
    ext = os.path.splitext(local.name)[1].lower()
    return ext or (mimetypes.guess_extension(local.mime) or "")


def _megabytes(n: int) -> str:
    return f"{n / MiB:.1f} MB"


def _check_document(local: Local) -> None:
    ext = _extension(local)
    if ext not in DOCUMENT_TYPES and local.mime != "text/markdown":
        kinds = ", ".join(sorted(t[1:].upper() for t in DOCUMENT_TYPES))
        raise _fail(
            f"document {local.name!r} ({local.mime}) is not a type the service reads; it reads "
            f"{kinds}",
            "UnsupportedFileType",
        )
    if local.size > MAX_DOCUMENT_BYTES:
        raise _fail(
            f"document {local.name!r} is {_megabytes(local.size)}; the service takes at most "
            f"{_megabytes(MAX_DOCUMENT_BYTES)} per file",
            "FileTooLarge",
        )


def _check_media(local: Local, model: str) -> None:
    if local.kind == "image" and local.mime not in IMAGE_TYPES:
        kinds = ", ".join(sorted(t.split("/")[1].upper() for t in IMAGE_TYPES))
        raise _fail(f"image {local.name!r} is {local.mime}; {model} reads {kinds}",
                    "UnsupportedFileType")  # fmt: skip
    cap = MAX_IMAGE_BYTES if local.kind == "image" else MAX_MEDIA_BYTES
    if local.size > cap:
        raise _fail(
            f"{local.kind} {local.name!r} is {_megabytes(local.size)}; {model} takes at most "
            f"{_megabytes(cap)} per {local.kind}",
            "FileTooLarge",
        )


def document_models() -> list[str]:
    """Catalogued models that read documents (catalog ``documents``)."""
    return [s.name for s in all_specs() if s.documents != "none"]


def _documents_mode(spec: ModelSpec) -> str:
    if spec.documents != "none" or not spec.known:  # an id the catalog does not know: as qwen-long
        return spec.documents if spec.documents != "none" else "file-id"
    raise _fail(
        f"{spec.name} reads no documents (catalog); models that do: {', '.join(document_models())}",
        "DocumentsUnsupported",
    )


@dataclass(slots=True)
class Plan:
    """The uploads a request needs (each file once, by content) and how to write it after."""

    request: GenerationRequest
    spec: ModelSpec
    documents: list[Local] = field(default_factory=list)
    """To upload with purpose ``file-extract`` (each distinct content once)."""
    media: list[Local] = field(default_factory=list)
    """To upload to the temporary storage (each distinct content once)."""
    _by_part: dict[int, Local] = field(default_factory=dict)

    def apply(self, file_ids: dict[str, str], oss_urls: dict[str, str]) -> GenerationRequest:
        """The request as sent: ``file_ids`` / ``oss_urls`` map a content digest to where its
        upload went."""
        messages = [
            m for msg in self.request.messages or () for m in self._message(msg, file_ids, oss_urls)
        ]
        return replace(self.request, messages=messages)

    def placeholder(self) -> GenerationRequest:
        """The request as it will be sent, with placeholders for the uploads (to validate it
        before any of them)."""
        ids = {d.digest: _PENDING for d in self.documents}
        return self.apply(ids, {m.digest: "oss://" + _PENDING for m in self.media})

    def _media(self, value: Any, oss: dict[str, str]) -> Any:
        if isinstance(value, list):
            return [self._media(v, oss) for v in value]
        local = self._by_part.get(id(value)) if isinstance(value, str) else None
        if local is None:
            return value
        if local.size <= INLINE_LIMIT:
            return local.data_uri()
        return oss[local.digest]

    def _message(self, m: Message, ids: dict[str, str], oss: dict[str, str]) -> list[Message]:
        if isinstance(m.content, str):
            return [m]
        refs: list[str] = []
        urls: list[str] = []
        parts: list[ContentPart] = []
        doc_url: ContentPart | None = None
        marker: dict[str, Any] = {}  # the documents' explicit-cache marker (see _cache)
        for part in m.content:
            source = part.get("document")
            if isinstance(source, str):
                if source.startswith(("http://", "https://")):
                    if any(key in part for key in MARKER_KEYS):
                        warn_once(self.request.model, _URL_MARKER)
                    urls.append(source)
                    if doc_url is None:
                        doc_url = {"type": "doc_url", "doc_url": urls,
                                   "file_parsing_strategy": "auto"}  # fmt: skip
                        parts.append(doc_url)
                    if part.get("file_parsing_strategy"):
                        doc_url["file_parsing_strategy"] = part["file_parsing_strategy"]
                    continue
                marker.update((key, part[key]) for key in MARKER_KEYS if key in part)
                local = self._by_part.get(id(source))
                ref = ids[local.digest] if local is not None else source.removeprefix("fileid://")
                if ref not in refs:
                    refs.append(ref)
                continue
            if any(key in part for key in _MEDIA):
                part = {k: (self._media(v, oss) if k in _MEDIA else v) for k, v in part.items()}
            parts.append(part)
        out: list[Message] = []
        if refs:
            text = ",".join("fileid://" + r for r in refs)
            out.append(Message("system", [{"text": text, **marker}] if marker else text))
        if doc_url is not None:  # typed text parts beside it, as the recording
            parts = [{"type": "text", **p} if set(p) == {"text"} else p for p in parts]
            out.append(replace(m, content=parts))
        elif parts or not refs:
            out.append(replace(m, content=flat_content(parts)))
        return out


def _needs_plan(messages: Any) -> bool:
    for m in messages or ():
        if isinstance(m.content, str):
            continue
        for part in m.content:
            if "document" in part:
                return True
            for key in _MEDIA:
                value = part.get(key)
                values = value if isinstance(value, list) else [value]
                if any(isinstance(v, str) and v.startswith(("file://", "data:")) for v in values):
                    return True
    return False


def plan(request: GenerationRequest) -> Plan | None:
    """Check the request's documents and local media (see the module docstring); ``None``
    when it holds none."""
    if not _needs_plan(request.messages):
        return None
    spec = get_spec(request.model)
    todo = Plan(request, spec)
    seen_docs: dict[str, Local] = {}
    seen_media: dict[str, Local] = {}
    urls: set[str] = set()
    refs: set[str] = set()
    for m in request.messages or ():
        if isinstance(m.content, str):
            continue
        for part in m.content:
            source = part.get("document")
            if "document" in part:
                mode = _documents_mode(spec)
                if not isinstance(source, str) or not source:
                    raise _fail("a document part needs a URL, a file id, a file:// URL or "
                                "base64 data", "UnsupportedContent")  # fmt: skip
                if source.startswith(("http://", "https://")):
                    if mode != "doc-url":
                        raise _fail(
                            f"{spec.name} reads documents uploaded to Model Studio, not URLs: "
                            "give the document's bytes (base64) or a local path, or use a model "
                            f"that reads document URLs: {', '.join(_doc_url_models())}",
                            "UnsupportedContent",
                        )
                    urls.add(source)
                    continue
                if source.startswith("fileid://"):
                    refs.add(source)
                    continue
                local = _local("document", source, part.get("filename"))
                if local is None:
                    raise _fail(
                        f"unsupported document source {source[:60]!r}: give a URL, fileid://, "
                        "file:// or a data: URI",
                        "UnsupportedContent",
                    )
                _check_document(local)
                todo._by_part[id(source)] = seen_docs.setdefault(local.digest, local)
                refs.add(local.digest)
                continue
            for key in _MEDIA:
                value = part.get(key)
                for v in value if isinstance(value, list) else [value]:
                    if not isinstance(v, str):
                        continue
                    local = _local(key, v, None)
                    if local is None:
                        continue
                    _check_media(local, spec.name)
                    if local.size > INLINE_LIMIT:
                        local = seen_media.setdefault(local.digest, local)
                    todo._by_part[id(v)] = local
    if spec.documents == "doc-url":
        if len(urls) > MAX_DOC_URLS:
            raise _fail(f"{len(urls)} document URLs; {spec.name} reads at most {MAX_DOC_URLS} "
                        "per request", "TooManyFiles")  # fmt: skip
        if len(refs) > MAX_DOC_FILE_IDS:
            raise _fail(
                f"{len(refs)} uploaded documents; {spec.name} reads one by file id per request "
                f"(give documents by URL instead: up to {MAX_DOC_URLS})",
                "TooManyFiles",
            )
    todo.documents = list(seen_docs.values())
    todo.media = list(seen_media.values())
    return todo


def _doc_url_models() -> list[str]:
    return [s.name for s in all_specs() if s.documents == "doc-url"]
