"""LangChain content blocks → DashScope content parts, with nothing dropped.

* text blocks and strings → ``{"text": ...}``; a text block's explicit-cache marker
  (``cache_control``, or ``prompt_cache_breakpoint``; on the block or in its ``extras``) stays
  on its part, which is then not merged into a string (see ``dashscope_models._cache``);
* images (``{"type": "image", "url"|"base64": ...}``, OpenAI ``image_url``) → ``{"image": url}``;
  video and audio (``url`` or ``base64``) → ``{"video": ...}`` / ``{"audio": ...}``; a video
  ``url`` may be a list of frame URLs (``{"video": [url, ...]}``, as DashScope takes frames);
* a media block's ``extras`` and its keys that are not LangChain's own (``min_pixels``,
  ``max_pixels``, ``fps`` ...) go into the part beside the URL;
* DashScope's own part dicts (``{"image": url, "min_pixels": 3136}``, as ChatTongyi takes
  them) are sent as given;
* ``{"type": "file", ...}`` is a document (``base64`` with its ``mime_type``, a ``url``, a
  ``file_id``, or OpenAI's ``{"file": {"file_data", "filename"}}``): a ``{"document": ...}`` part
  that the core uploads and references the way the model reads documents (see
  ``dashscope_models._attachments``: qwen-long, qwen-doc-turbo);
* a media or file block may name a local file by ``file://`` URL or ``path``: the core sends it
  inline when small, else through the temporary storage;
* reasoning and tool-call blocks travel in their own message fields; any other block raises
  ``RequestValidationError`` (code ``UnsupportedContent``) before any request.

A list of plain text parts becomes one string. Example::

    to_parts([{"type": "image", "url": "https://x/a.png", "extras": {"max_pixels": 1003520}},
              {"type": "text", "text": "Read it."}])
    # [{"image": "https://x/a.png", "max_pixels": 1003520}, {"text": "Read it."}]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dashscope_models import ContentPart, RequestValidationError
from dashscope_models.integration import MARKER_KEYS, flat_content

__all__ = ["to_parts"]

_OWN_FIELDS = frozenset({"type", "url", "base64", "data", "mime_type", "source_type", "id",
                         "extras", "image_url", "index", "file_id", "path", "filename",
                         "file"})  # fmt: skip
_NATIVE_KEYS = ("text", "image", "video", "audio")
_SKIPPED = frozenset({"reasoning", "thinking", "tool_use", "tool_call"})
_FILE_PREFIX = "fileid://"


def _media_url(block: dict[str, Any], kind: str) -> Any:
    if kind == "image_url":
        url = block.get("image_url")
        return str(url.get("url") if isinstance(url, dict) else url)
    url = block.get("url")
    if url:
        return [str(u) for u in url] if isinstance(url, list) else str(url)
    if block.get("path"):  # a local file (not LangChain's own key): the core reads it
        return Path(str(block["path"])).expanduser().resolve().as_uri()
    data = block.get("base64") or block.get("data")
    if data and block.get("source_type", "base64") == "base64":
        default = {"image": "image/png", "video": "video/mp4", "audio": "audio/mpeg",
                   "document": "application/pdf"}[kind]  # fmt: skip
        return f"data:{block.get('mime_type') or default};base64,{data}"
    return None


def _media_part(block: dict[str, Any], kind: str) -> ContentPart:
    url = _media_url(block, kind)
    if url is None:
        by_id = " (by file_id it cannot be sent: file ids are for qwen-long documents)"
        raise RequestValidationError(
            f"a {kind!r} block needs a url or base64 data{by_id if block.get('file_id') else ''}",
            code="UnsupportedContent",
        )
    part: ContentPart = {"image" if kind == "image_url" else kind: url}
    extras = block.get("extras")
    if isinstance(extras, dict):
        part.update(extras)
    part.update((k, v) for k, v in block.items() if k not in _OWN_FIELDS)
    return part


def _document_part(block: dict[str, Any]) -> ContentPart:
    """A ``file`` block as a core document part (see ``dashscope_models._attachments``)."""
    openai: dict[str, Any] = block["file"] if isinstance(block.get("file"), dict) else {}
    extras: dict[str, Any] = block["extras"] if isinstance(block.get("extras"), dict) else {}
    file_id = block.get("file_id") or openai.get("file_id")
    if file_id:
        source: Any = _FILE_PREFIX + str(file_id)
    elif openai.get("file_data"):
        source = str(openai["file_data"])
    else:
        source = _media_url(block, "document")
    if source is None:
        raise RequestValidationError(
            "a 'file' block needs base64 data, a url, a path or a file_id",
            code="UnsupportedContent",
        )
    part: ContentPart = {"document": source}
    filename = block.get("filename") or openai.get("filename") or extras.get("filename")
    if filename:
        part["filename"] = str(filename)
    part.update((k, v) for k, v in extras.items() if k != "filename")
    part.update((k, v) for k, v in block.items() if k not in _OWN_FIELDS)
    return part


def _part(block: Any) -> ContentPart | None:
    if isinstance(block, str):
        return {"text": block}
    if not isinstance(block, dict):
        raise RequestValidationError(
            f"unsupported content {type(block).__name__}", code="UnsupportedContent"
        )
    kind = block.get("type")
    if kind is None and any(key in block for key in _NATIVE_KEYS):
        return dict(block)  # DashScope's own part
    if kind == "text":
        part: ContentPart = {"text": str(block.get("text", ""))}
        extras = block.get("extras")
        for key in MARKER_KEYS:  # the explicit-cache marker stays on its part
            marker = block.get(key) or (extras.get(key) if isinstance(extras, dict) else None)
            if marker is not None:
                part[key] = marker
        return part
    if kind in _SKIPPED:
        return None
    if kind in ("image", "image_url", "video", "audio"):
        return _media_part(block, kind)
    if kind == "file":
        return _document_part(block)
    raise RequestValidationError(
        f"unsupported content block type {kind!r}: DashScope takes text, images, video and "
        "audio (URL, base64 or a local file), documents (file blocks), and its own part dicts",
        code="UnsupportedContent",
    )


def to_parts(content: str | list[Any]) -> str | list[ContentPart]:
    """A message's content as DashScope content (see the module docstring)."""
    if isinstance(content, str):
        return content
    parts = [part for block in content if (part := _part(block)) is not None]
    return flat_content(parts)
