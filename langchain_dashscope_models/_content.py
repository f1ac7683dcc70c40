"""LangChain content blocks → DashScope content parts, with nothing dropped.

* text blocks and strings → ``{"text": ...}``;
* images (``{"type": "image", "url"|"base64": ...}``, OpenAI ``image_url``) → ``{"image": url}``;
  video and audio (``url`` or ``base64``) → ``{"video": ...}`` / ``{"audio": ...}``; a video
  ``url`` may be a list of frame URLs (``{"video": [url, ...]}``, as DashScope takes frames);
* a media block's ``extras`` and its keys that are not LangChain's own (``min_pixels``,
  ``max_pixels``, ``fps`` ...) go into the part beside the URL;
* DashScope's own part dicts (``{"image": url, "min_pixels": 3136}``, as ChatTongyi takes
  them) are sent as given;
* ``{"type": "file", "file_id": ...}`` is a qwen-long file reference: ``fileid://<id>`` text,
  adjacent files joined by commas (as the service reads them);
* reasoning and tool-call blocks travel in their own message fields; any other block raises
  ``RequestValidationError`` (code ``UnsupportedContent``) before any request.

A list of plain text parts becomes one string. Example::

    to_parts([{"type": "image", "url": "https://x/a.png", "extras": {"max_pixels": 1003520}},
              {"type": "text", "text": "Read it."}])
    # [{"image": "https://x/a.png", "max_pixels": 1003520}, {"text": "Read it."}]
"""

from __future__ import annotations

from typing import Any

from dashscope_models import ContentPart, RequestValidationError
from dashscope_models.integration import flat_content

__all__ = ["to_parts"]

_OWN_FIELDS = frozenset({"type", "url", "base64", "data", "mime_type", "source_type", "id",
                         "extras", "image_url", "index", "file_id"})  # fmt: skip
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
    data = block.get("base64") or block.get("data")
    if data and block.get("source_type", "base64") == "base64":
        default = {"image": "image/png", "video": "video/mp4", "audio": "audio/mpeg"}[kind]
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
        return {"text": str(block.get("text", ""))}
    if kind in _SKIPPED:
        return None
    if kind in ("image", "image_url", "video", "audio"):
        return _media_part(block, kind)
    if kind == "file" and block.get("file_id"):
        return {"text": _FILE_PREFIX + str(block["file_id"]), "file": True}  # joined in to_parts
    raise RequestValidationError(
        f"unsupported content block type {kind!r}: DashScope takes text, images, video and "
        "audio (URL or base64), qwen-long files by file_id, and its own part dicts",
        code="UnsupportedContent",
    )


def to_parts(content: str | list[Any]) -> str | list[ContentPart]:
    """A message's content as DashScope content (see the module docstring)."""
    if isinstance(content, str):
        return content
    parts: list[ContentPart] = []
    files_at = -1  # the part holding the latest run of file references
    for block in content:
        part = _part(block)
        if part is None:
            continue
        if part.pop("file", False):
            if parts and files_at == len(parts) - 1:  # adjacent files: one comma-joined text
                parts[files_at]["text"] += "," + part["text"]
                continue
            files_at = len(parts)
        parts.append(part)
    return flat_content(parts)
