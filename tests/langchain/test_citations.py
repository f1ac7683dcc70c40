"""The ``"dashscope"`` content-block translator: sources as v1 citation annotations, and
langchain-core's own reading of every answer without sources."""

from __future__ import annotations

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.block_translators import get_translator

import langchain_dashscope_models  # noqa: F401  (registers the translator)

SEARCH = {"search_results": [
    {"index": 1, "title": "One", "url": "https://a.example/1", "site_name": "A", "icon": ""},
    {"index": 2, "title": "Two", "url": "https://b.example/2", "site_name": "B", "icon": ""},
]}  # fmt: skip


def test_the_translator_is_registered_for_the_provider() -> None:
    assert get_translator("dashscope") is not None


def test_web_results_become_citations_with_spans_and_reasoning_stays() -> None:
    message = AIMessage(
        content="Up 1%[ref_2].",
        additional_kwargs={"reasoning_content": "thinking"},
        response_metadata={"model_provider": "dashscope", "search_info": SEARCH},
    )
    blocks = message.content_blocks
    assert blocks[0] == {"type": "reasoning", "reasoning": "thinking"}
    annotations = blocks[1]["annotations"]  # type: ignore[typeddict-item]
    assert [(a.get("url"), a.get("start_index")) for a in annotations] == [
        ("https://b.example/2", 5), ("https://a.example/1", None)
    ]  # fmt: skip
    assert message.content == "Up 1%[ref_2]."  # the content itself is untouched


def test_tool_calls_survive_beside_citations() -> None:
    message = AIMessage(
        content="",
        tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1", "type": "tool_call"}],
        response_metadata={"model_provider": "dashscope", "search_info": SEARCH},
    )
    kinds = [b["type"] for b in message.content_blocks]
    assert "tool_call" in kinds and "text" in kinds


def test_streamed_chunks_added_up_carry_the_citations() -> None:
    first = AIMessageChunk(content="A<ref>[1]", response_metadata={"model_provider": "dashscope"})
    refs = [{"index_id": "1", "title": "Doc", "doc_id": "d1", "doc_name": "Doc", "text": "t",
             "images": []}]  # fmt: skip
    last = AIMessageChunk(content="</ref>", chunk_position="last",
                          response_metadata={"model_provider": "dashscope",
                                             "doc_references": refs})  # fmt: skip
    assert first.content_blocks == [{"type": "text", "text": "A<ref>[1]"}]  # no sources yet
    whole = first + last
    [block] = whole.content_blocks
    [citation] = block["annotations"]  # type: ignore[typeddict-item]
    assert citation["title"] == "Doc" and citation["extras"]["doc_id"] == "d1"
    assert whole.content[citation["start_index"] : citation["end_index"]] == "<ref>[1]</ref>"
