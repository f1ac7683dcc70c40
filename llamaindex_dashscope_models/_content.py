"""LlamaIndex content blocks → DashScope content parts, with nothing dropped.

Text, image, video and audio blocks become DashScope content (a URL as given; bytes as
``data:`` URIs; paths as ``file://`` URLs, which the core sends inline when small, else through
the temporary storage), ``DocumentBlock`` a document part (see ``dashscope_models._attachments``:
qwen-long, qwen-doc-turbo). A message's ``additional_kwargs`` may add ``image_options`` (to each
image part) and ``images_as_video=True`` (its images are one video's frames). A ``CachePoint``
block puts its explicit-cache marker (``cache_control``) on the part before it; one before any
content marks the previous message (``leading_cache_point``, read by ``_convert.to_core``).
Thinking, tool-call and citation blocks travel in their own fields; any other block raises
``RequestValidationError`` (code ``UnsupportedContent``) before any request.

Example::

    to_parts(ChatMessage(role="user", content="Hi"))  # "Hi"
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llama_index.core.base.llms.types import (
    AudioBlock,
    CachePoint,
    ChatMessage,
    CitationBlock,
    DocumentBlock,
    ImageBlock,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
    VideoBlock,
)

from dashscope_models import ContentPart, RequestValidationError
from dashscope_models.integration import flat_content

__all__ = ["cache_marker", "leading_cache_point", "media_url", "to_parts"]

_TYPE_HINTS = {"image": "image_mimetype='image/png'", "video": "video_mimetype='video/mp4'",
               "audio": "format='mp3'"}  # fmt: skip


def media_url(
    block: ImageBlock | VideoBlock | AudioBlock, key: str, *, inline_local: bool = False
) -> str:
    """A URL DashScope can read: a URL as given (the service fetches it), a local file (a path,
    ``file://``) as a ``file://`` URL (the chat request's core sends it inline or uploads it;
    ``inline_local``: inline here, for requests that upload nothing), bytes inline as a
    ``data:`` URI."""
    if getattr(block, key) is None and block.path is None and block.url is not None:
        url = str(block.url)
        if not url.startswith("file://") or not inline_local:
            return url
        block = block.model_copy(update={"url": None, "path": Path(url.removeprefix("file://"))})
    elif getattr(block, key) is None and block.path is not None and not inline_local:
        return Path(block.path).expanduser().resolve().as_uri()
    inline = block.inline_url()
    mime, _, data = inline.removeprefix("data:").partition(";")
    if "/" not in mime:  # LlamaIndex could not tell the type ("None", "video", "audio")
        import filetype  # type: ignore[import-untyped]  # llama-index-core's own type sniffer

        guess = filetype.guess(getattr(block, f"resolve_{key}")().read())
        if guess is None or not guess.mime.startswith(key + "/"):
            raise RequestValidationError(
                f"cannot tell the type of this {key}: set it on the block, e.g. {_TYPE_HINTS[key]}",
                code="UnsupportedContent",
            )
        inline = f"data:{guess.mime};{data}"
    return inline


def _media_part(block: ImageBlock | VideoBlock | AudioBlock, options: Any) -> ContentPart:
    """A media block as a part; an image gets the message's ``image_options`` (e.g. OCR's
    ``min_pixels``/``max_pixels``), a video its ``fps``."""
    part: ContentPart = {block.block_type: media_url(block, block.block_type)}
    if isinstance(block, ImageBlock) and isinstance(options, dict):
        part.update(options)
    if isinstance(block, VideoBlock) and block.fps is not None:
        part["fps"] = block.fps
    return part


def _document_part(block: DocumentBlock) -> ContentPart:
    """A document as a core document part: its URL, its path as a ``file://`` URL, or its
    bytes as a ``data:`` URI; a ``title`` other than LlamaIndex's default names the file."""
    if block.url is not None and block.path is None and block.data is None:
        source = str(block.url)
    elif block.path is not None and block.data is None:
        source = Path(block.path).expanduser().resolve().as_uri()
    else:
        source = block.inline_url()
    part: ContentPart = {"document": source}
    if block.title and block.title != "input_document":
        part["filename"] = block.title
    return part


def cache_marker(point: CachePoint) -> dict[str, Any]:
    """A ``CachePoint``'s marker: ``{"type": "ephemeral"}``, with its TTL when not the 5 minutes
    every explicit cache has (a 1-hour TTL is the Qwen4 form's; see ``dashscope_models._cache``)."""
    control = point.cache_control
    ttl = getattr(control, "ttl", None)
    return {"type": control.type} if ttl in (None, "5m") else {"type": control.type, "ttl": ttl}


def to_parts(message: ChatMessage) -> str | list[ContentPart]:
    """The message's blocks as DashScope content. ``additional_kwargs``: ``image_options``
    (a dict added to every image part) and ``images_as_video=True`` (the message's images are
    the frames of one video: one ``{"video": [url, ...]}`` part where the first image was)."""
    parts: list[ContentPart] = []
    extra = message.additional_kwargs
    options = extra.get("image_options")
    frames: list[Any] | None = [] if extra.get("images_as_video") else None
    for block in message.blocks:
        if isinstance(block, TextBlock):
            parts.append({"text": block.text})
        elif frames is not None and isinstance(block, ImageBlock):
            if not frames:
                parts.append({"video": frames})
            frames.append(media_url(block, "image"))
        elif isinstance(block, ImageBlock | VideoBlock | AudioBlock):
            parts.append(_media_part(block, options))
        elif isinstance(block, DocumentBlock):
            parts.append(_document_part(block))
        elif isinstance(block, CachePoint):
            if parts:  # a CachePoint first in its message: see leading_cache_point
                parts[-1] = {**parts[-1], "cache_control": cache_marker(block)}
        elif isinstance(block, ThinkingBlock | ToolCallBlock | CitationBlock):
            continue  # thinking and calls travel in their own fields; an answer's citations
            # have none
        else:
            raise RequestValidationError(
                f"unsupported content block {type(block).__name__}: DashScope takes text, "
                "images, video, audio and documents here",
                code="UnsupportedContent",
            )
    return flat_content(parts)


def leading_cache_point(message: ChatMessage) -> CachePoint | None:
    """A ``CachePoint`` before any content block of ``message`` (it marks the message before)."""
    for block in message.blocks:
        if isinstance(block, CachePoint):
            return block
        if not isinstance(block, ThinkingBlock | ToolCallBlock | CitationBlock):
            return None
    return None
