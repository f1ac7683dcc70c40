"""Resolution as data: exact entry → alias → family rule → generic, one cached function."""

from __future__ import annotations

import pytest

from dashscope_models import get_spec

CASES = [
    # id, resolved_by, family, endpoint
    ("qwen-plus", "catalog", "qwen", "text-generation"),
    ("qwen3.6-plus", "catalog", "qwen-next", "multimodal-generation"),
    ("qwen-plus-latest", "alias", "qwen", "text-generation"),
    ("qwen-plus-2025-09-11", "alias", "qwen", "text-generation"),
    ("qwen-plus-0919", "alias", "qwen", "text-generation"),
    ("qwen3.5-plus-preview", "alias", "qwen-next", "multimodal-generation"),
    ("qwen3.6-flash-2026-02-01", "alias", "qwen-next", "multimodal-generation"),
    ("qwen-vl-max-latest", "alias", "qwen-vl", "multimodal-generation"),
    ("qwen-vl-ocr-latest", "alias", "qwen-ocr", "multimodal-generation"),
    ("qwen-vl-ocr-2025-04-13", "alias", "qwen-ocr", "multimodal-generation"),
    ("qwen3.8-plus", "rule", "qwen-next", "multimodal-generation"),
    ("qwen3.9-max-preview", "rule", "qwen-next", "multimodal-generation"),
    ("qwen3-vl-235b-a22b-instruct", "rule", "qwen-vl", "multimodal-generation"),
    ("qvq-max", "rule", "qwen-vl", "multimodal-generation"),
    ("qwen-audio-chat", "rule", "qwen-audio", "multimodal-generation"),
    ("qwen3-omni-flash", "rule", "qwen-audio", "multimodal-generation"),
    ("qwen2.5-omni-7b", "rule", "qwen-audio", "multimodal-generation"),
    ("qwen-vl-ocr-plus", "rule", "qwen-ocr", "multimodal-generation"),
    ("qwen-mt-lite", "rule", "qwen-mt", "text-generation"),
    ("qwen3-30b-a3b-thinking-2507", "rule", "qwen3-open", "text-generation"),
    ("qwen3-72b", "rule", "qwen3-open", "text-generation"),
    ("qwen3-coder-480b-a35b-instruct", "rule", "qwen", "text-generation"),
    ("qwen2.5-coder-32b-instruct", "rule", "qwen-open", "text-generation"),
    ("deepseek-r1-distill-qwen-7b", "rule", "deepseek", "text-generation"),
    ("kimi-k2-turbo", "rule", "kimi", "text-generation"),
    ("qwen3.7-text-rerank", "rule", "rerank", "text-rerank"),  # not a Qwen3.5+ chat model
    ("gte-rerank-v3", "rule", "rerank", "text-rerank"),
    ("qwen3-vl-rerank-latest", "alias", "rerank", "text-rerank"),
    ("acme-chat-9", "generic", "generic", "text-generation"),
]


@pytest.mark.parametrize(("model", "resolved_by", "family", "endpoint"), CASES)
def test_resolution(model: str, resolved_by: str, family: str, endpoint: str) -> None:
    spec = get_spec(model)
    assert (spec.name, spec.resolved_by, spec.family, spec.endpoint) == (
        model, resolved_by, family, endpoint
    )  # fmt: skip
    assert spec.known == (resolved_by in ("catalog", "alias"))
    assert spec.guessed == (resolved_by in ("rule", "generic"))


def test_an_alias_inherits_its_base_entry() -> None:
    base, alias = get_spec("qwen-plus"), get_spec("qwen-plus-2025-09-11")
    assert (alias.ranges, alias.max_output_tokens, alias.thinking, alias.thinking_budget_max) == (
        base.ranges, base.max_output_tokens, base.thinking, base.thinking_budget_max
    )  # fmt: skip


def test_rules_carry_the_family_capabilities() -> None:
    spec = get_spec("qwen3.8-plus")
    assert spec.tools and spec.vision and spec.thinking == "hybrid" and spec.thinking_default
    open_source = get_spec("qwen3-72b")
    assert open_source.stream_only_thinking and open_source.thinks(None)
    assert get_spec("qwen3-30b-a3b-instruct-2507").thinking == "none"


def test_resolution_is_cached_per_id() -> None:
    assert get_spec("qwen3.8-plus") is get_spec("qwen3.8-plus")
    assert get_spec("qwen-plus-latest") is get_spec("qwen-plus-latest")
    assert get_spec("acme-chat-9") is get_spec("acme-chat-9")
