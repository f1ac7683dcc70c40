"""``_citations``: an answer's sources, and where its text cites them."""

from __future__ import annotations

from dashscope_models._app_result import AppSource
from dashscope_models._citations import answer_sources, citations, search_sources

SEARCH = {
    "search_results": [
        {"index": 1, "title": "One", "url": "https://a.example/1", "site_name": "A", "icon": ""},
        {"index": 2, "title": "Two", "url": "https://b.example/2", "site_name": "B", "icon": ""},
    ]
}


def test_web_search_results_are_sources_with_urls() -> None:
    sources = search_sources(SEARCH)
    assert [(s.index, s.url, s.web) for s in sources] == [
        (1, "https://a.example/1", True), (2, "https://b.example/2", True)
    ]  # fmt: skip
    assert search_sources(None) == [] and search_sources({"extra_tool_info": []}) == []


def test_each_marker_is_a_citation_with_its_span_then_the_uncited_sources() -> None:
    text = "Up 1%[ref_2]. Target raised[ref_2][1]."
    found = citations(text, search_sources(SEARCH))
    spans = [(c.source.index, text[c.start : c.end]) for c in found if c.start is not None]
    assert spans == [(2, "[ref_2]"), (2, "[ref_2]"), (1, "[1]")]
    assert all(c.start is not None for c in found)  # every source was cited


def test_app_markers_name_references_and_unknown_numbers_are_ignored() -> None:
    sources = [AppSource(1, "Doc", "text"), AppSource(None, "Loose", "other")]
    found = citations("A<ref>[1]</ref> B<ref>[9]</ref>", sources)
    assert [(c.source.title, c.start) for c in found] == [("Doc", 1), ("Loose", None)]


def test_metadata_of_an_app_answer_and_of_a_search_answer() -> None:
    meta = {
        "doc_references": [{"index_id": "1", "title": "Doc", "doc_id": "d1", "text": "t"}],
        "thoughts": [{"action": "rag", "observation": '[{"referenceIndex":1,"score":0.5}]'}],
        "search_info": SEARCH,
    }
    sources = answer_sources(meta)
    assert [(s.title, s.score, s.web) for s in sources] == [
        ("Doc", 0.5, False), ("One", None, True), ("Two", None, True)
    ]  # fmt: skip
    assert answer_sources({"model_name": "qwen-plus"}) == []
