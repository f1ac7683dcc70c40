"""Sources as LangChain v1 citations: the ``content_blocks`` translator for ``"dashscope"``.

Messages of this package say ``response_metadata["model_provider"] = "dashscope"``; langchain-
core asks the translator registered for that provider (``register_translator`` in
``langchain_core.messages.block_translators``) for a message's ``content_blocks``. When the
answer carries sources (an application's ``doc_references`` or retrieval ``thoughts``, a web
search's ``search_info.search_results``) the text block gets one ``citation`` annotation per
marker that cites a source (``start_index``/``end_index``: the marker in the text), then one
per source no marker names. Otherwise the translator declines (``NotImplementedError``) and
langchain-core's own reading applies, unchanged.

Example::

    message = ChatDashScopeApp(app_id="...").invoke("What does the handbook say?")
    [a["title"] for b in message.content_blocks for a in b.get("annotations", [])]
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages import content as types
from langchain_core.messages.block_translators import register_translator

from dashscope_models import AppSource
from dashscope_models.integration import Citation, answer_sources, citations

__all__ = ["PROVIDER", "citation_blocks", "register"]

PROVIDER = "dashscope"


def _annotation(citation: Citation) -> types.Citation:
    source = citation.source
    out = types.Citation(type="citation", title=source.title)
    if source.url:
        out["url"] = source.url
    if source.text and source.text != source.title:
        out["cited_text"] = source.text
    if citation.start is not None and citation.end is not None:
        out["start_index"] = citation.start
        out["end_index"] = citation.end
    out["extras"] = _extras(source)
    return out


def _extras(source: AppSource) -> dict[str, Any]:
    extras: dict[str, Any] = {"index": source.index, "web": source.web}
    for key in ("doc_id", "doc_name"):
        if value := getattr(source, key):
            extras[key] = value
    if source.score is not None:
        extras["score"] = source.score
    return extras


def citation_blocks(message: AIMessage) -> list[types.ContentBlock]:
    """The message's standard blocks with its sources as citation annotations (raises
    ``NotImplementedError`` when it has none: langchain-core then reads it its own way)."""
    sources = answer_sources(message.response_metadata)
    if not sources:
        raise NotImplementedError
    meta = {k: v for k, v in message.response_metadata.items() if k != "model_provider"}
    blocks = list(message.model_copy(update={"response_metadata": meta}).content_blocks)
    text_at = next((i for i, b in enumerate(blocks) if b.get("type") == "text"), None)
    if text_at is None:
        blocks.append(types.TextContentBlock(type="text", text=""))
        text_at = len(blocks) - 1
    block: Any = dict(blocks[text_at])
    found = [_annotation(c) for c in citations(block.get("text", ""), sources)]
    block["annotations"] = [*block.get("annotations", []), *found]
    blocks[text_at] = block
    return blocks


def _chunk_blocks(message: AIMessageChunk) -> list[types.ContentBlock]:
    return citation_blocks(message)


def register() -> None:
    """Register the translator for the ``"dashscope"`` provider (done on import of
    ``langchain_dashscope_models``)."""
    register_translator(PROVIDER, citation_blocks, _chunk_blocks)
