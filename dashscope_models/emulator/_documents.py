"""Documents in the emulator: their text, and answers quoted from it.

qwen-long and qwen-doc-turbo read files uploaded with purpose ``file-extract`` by
``fileid://`` references in system messages (recorded
``conversation-generation-message-with-files-sse``); qwen-doc-turbo also reads ``doc_url`` parts
(recorded ``conversation-generation-message-with-doc-url-sse``). :func:`referenced` finds them;
:func:`document_text` reads a file's text (TXT, MD, CSV and JSON as they are; DOCX from its XML;
PDF through ``pypdf`` when installed, else a small stand-in that reads the text operators of
simple PDFs); :func:`quote` answers a question with the document sentence that shares the most
words with it. The answer's wording is the emulator's own [INF].

Example::

    quote("What is the warranty?", [("terms.txt", "The warranty lasts two years.")])
    # 'According to terms.txt: "The warranty lasts two years."'
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dashscope_models.emulator._files import FileStore

__all__ = ["document_text", "quote", "read_documents", "referenced"]

_WORD = re.compile(r"[\w\u4e00-\u9fff]+")
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+|\n+")


def referenced(body: Any) -> tuple[list[str], list[str]]:
    """``(file ids, document URLs)`` a generation body refers to."""
    ids: list[str] = []
    urls: list[str] = []
    for m in ((body or {}).get("input") or {}).get("messages") or []:
        content = m.get("content") if isinstance(m, dict) else None
        if isinstance(content, list) and m.get("role") == "system":
            # A text part as the string [INF]: a cache marker puts the reference in one.
            content = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        if isinstance(content, str) and m.get("role") == "system":
            ids += [r.strip().removeprefix("fileid://") for r in content.split(",")
                    if r.strip().startswith("fileid://")]  # fmt: skip
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and part.get("type") == "doc_url":
                    value = part.get("doc_url")
                    urls += [str(u) for u in (value if isinstance(value, list) else [value])]
    return ids, urls


def _pdf_text(data: bytes) -> str:
    try:
        from pypdf import PdfReader
    except ImportError:  # the stand-in: literal strings shown by Tj / TJ in each content stream
        return _pdf_standin(data)
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _pdf_standin(data: bytes) -> str:
    lines: list[str] = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        stream = match.group(1)
        with contextlib.suppress(zlib.error):
            stream = zlib.decompress(stream)
        for shown in re.finditer(rb"\[(.*?)\]\s*TJ|\((.*?)(?<!\\)\)\s*Tj", stream, re.S):
            chunk = shown.group(1) or shown.group(2) or b""
            strings = re.findall(rb"\((.*?)(?<!\\)\)", chunk) if shown.group(1) else [chunk]
            text = b"".join(strings).replace(rb"\(", b"(").replace(rb"\)", b")")
            lines.append(text.decode("latin-1"))
    return "\n".join(lines)


def _docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode("utf-8", "replace")
    xml = re.sub(r"</w:p>", "\n", xml)
    return re.sub(r"<[^>]+>", "", xml)


def document_text(data: bytes, filename: str) -> str:
    """A document's text (empty for types the emulator does not read, e.g. images)."""
    name = filename.lower()
    try:
        if name.endswith(".pdf") or data.startswith(b"%PDF"):
            return _pdf_text(data)
        if name.endswith(".docx"):
            return _docx_text(data)
    except (ValueError, KeyError, zipfile.BadZipFile, OSError):
        return ""
    if name.endswith((".txt", ".md", ".csv", ".json", ".markdown")) or "." not in name:
        return data.decode("utf-8", "replace")
    return ""


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2 or not w.isascii()}


def quote(question: str, documents: list[tuple[str, str]]) -> str:
    """The sentence of ``documents`` (name, text) sharing the most words with ``question``."""
    wanted = _words(question)
    best: tuple[int, str, str] | None = None
    for name, text in documents:
        for sentence in _SENTENCE.split(text):
            sentence = " ".join(sentence.split())
            if not sentence:
                continue
            score = len(wanted & _words(sentence))
            if best is None or score > best[0]:
                best = (score, name, sentence)
    if best is None:
        names = ", ".join(name for name, _ in documents) or "the document"
        return f"{names} holds no text I can read."
    return f'According to {best[1]}: "{best[2]}"'


def read_documents(
    body: Any, store: FileStore
) -> tuple[tuple[int, str, str] | None, list[tuple[str, str]]]:
    """``(problem, [(name, text)])``: the documents a generation body refers to. An id the
    emulator does not hold is passed over, not refused: no source gives the service's answer
    to it (a recording's ids, e.g. ``conversation-generation-message-with-files-sse``, name
    files of the account that recorded it). A ``doc_url`` document is named by its URL: the
    emulator fetches nothing [INF]. ``problem`` is ``None`` (kept for rules a source gives)."""
    ids, urls = referenced(body)
    docs: list[tuple[str, str]] = []
    for file_id in ids:
        file = store.get(file_id)
        if file is not None:
            docs.append((file.filename, document_text(file.data, file.filename)))
    for url in urls:
        name = url.rsplit("/", 1)[-1] or url
        docs.append((name, f"The document {name} was given by URL."))
    return None, docs
