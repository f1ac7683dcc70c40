"""``_app_result``: reading application answers, and their sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashscope_models import StreamError
from dashscope_models._app_result import AppUsage, parse_app_result

RECORDED = Path(__file__).parent.parent / "data" / "recorded"


def body(name: str) -> dict[str, object]:
    data = json.loads((RECORDED / f"{name}.response.body.txt").read_text("utf-8").lstrip("\ufeff"))
    assert isinstance(data, dict)
    return data


def test_thoughts_are_read_with_their_observations() -> None:
    result = parse_app_result(body("application-conversation-generation-session-id-nosse"))
    assert [t.action for t in result.thoughts] == ["rag", "reasoning"]
    rag = result.thoughts[0]
    assert rag.action_type == "agentRag" and rag.action_name == "知识检索"
    found = rag.observed()
    assert len(found) == 5 and found[0]["referenceIndex"] == 1
    assert result.thoughts[1].thought.startswith("好的")
    assert result.thoughts[1].observed() == []  # no observation: nothing, not an error
    assert result.usage.models[0].model_id == "deepseek-r1"
    assert result.usage.total_tokens == 1081 + 1283


def test_sources_without_references_are_the_retrieval_results_with_scores() -> None:
    result = parse_app_result(body("application-conversation-generation-session-id-nosse"))
    sources = result.sources
    assert [s.index for s in sources] == [1, 2, 3, 4, 5]
    assert sources[0].title == "xUnit Test Patterns" and sources[0].score == pytest.approx(
        0.5722, 1e-3
    )
    assert sources[0].doc_id.startswith("file_") and not sources[0].web


def test_references_take_the_score_of_the_result_with_their_index() -> None:
    data = body("application-conversation-generation-session-id-nosse")
    output = data["output"]
    assert isinstance(output, dict)
    output["doc_references"] = [
        {"index_id": "2", "title": "T", "doc_id": "d", "doc_name": "D", "text": "x", "images": []}
    ]
    sources = parse_app_result(data).sources
    assert sources[0].index == 2 and sources[0].score == pytest.approx(0.5684, 1e-3)
    assert sources[0].title == "T"
    assert [s.index for s in sources[1:]] == [1, 3, 4, 5]  # the results no reference names


def test_a_workflow_reports_no_usage() -> None:
    result = parse_app_result(body("application-workflow-nosse"))
    assert result.text == "code" and result.usage == AppUsage()
    assert result.usage.total_tokens == 0 and result.sources == []


def test_memory_observation_lists_what_was_remembered() -> None:
    result = parse_app_result(body("application-single-generation-text-with-memory-nosse"))
    memory = result.thoughts[1]
    assert memory.action == "memory"
    assert memory.observed() == ["[2025-3-16 20:47:40 周日] 用户喜欢吃面食。"]
    assert json.loads(memory.arguments)["memory_id"] == "ffd8be2352d84c6b9350e91c865b512e"


def test_a_body_without_output_is_malformed() -> None:
    with pytest.raises(StreamError):
        parse_app_result({"request_id": "r"})
    with pytest.raises(StreamError):
        parse_app_result(["not", "an", "object"])
