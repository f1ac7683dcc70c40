"""The catalog: every seed model present and well-formed, exact lookups, generic entries."""

from __future__ import annotations

import pytest

from dashscope_models import Interval, all_specs, family_labels, generic_spec, get_spec

SEED_MODELS = [
    # seed 000 (MOSS), 001 (Moonshot), 002 (Qwen open-source), 003 (commercial), 004 (ChatYuan)
    "moss-moon-003-sft", "moss-moon-003-base",
    "moonshot-v1-8k", "moonshot-v1-32k", "moonshot-v1-128k",
    "qwen2-72b-instruct", "qwen2-57b-a14b-instruct", "qwen2-7b-instruct", "qwen2-1.5b-instruct",
    "qwen2-0.5b-instruct", "qwen1.5-110b-chat", "qwen1.5-72b-chat", "qwen1.5-32b-chat",
    "qwen1.5-14b-chat", "qwen1.5-7b-chat", "qwen1.5-1.8b-chat", "qwen1.5-0.5b-chat",
    "qwen-72b-chat", "qwen-14b-chat", "qwen-7b-chat", "qwen-1.8b-longcontext-chat",
    "qwen-1.8b-chat",
    "qwen-plus", "qwen-max", "qwen-flash", "qwen3-vl-plus",
    "chatyuan-large-v2",
]  # fmt: skip


@pytest.mark.parametrize("model", SEED_MODELS)
def test_every_seed_model_is_catalogued(model: str) -> None:
    spec = get_spec(model)
    assert spec.known and spec.family != "generic"
    assert 0 < spec.default_max_tokens <= spec.max_output_tokens
    assert spec.max_input_tokens <= spec.context_window


def test_entries_are_consistent() -> None:
    for spec in all_specs():
        endpoints = {"text-generation", "multimodal-generation", "text-embedding", "text-rerank"}
        assert spec.endpoint in endpoints
        assert spec.input in {"messages", "prompt", "texts"}
        assert (spec.input == "texts") == (spec.endpoint in {"text-embedding", "text-rerank"})
        if spec.endpoint == "text-rerank":  # documents per request, tokens per item / request
            assert spec.max_batch > 0 and 0 < spec.max_text_tokens < spec.max_input_tokens
        assert not spec.instruct or spec.endpoint == "text-rerank"
        if spec.endpoint == "text-embedding":
            assert spec.default_dimension in spec.dimensions and spec.max_batch > 0
            assert spec.max_text_tokens > 0 and not spec.tools
        if spec.input == "prompt":
            assert spec.prompt_format != "chat" and not spec.tools
        if spec.vision:  # media in messages, or media documents (qwen3-vl-rerank)
            assert spec.endpoint in {"multimodal-generation", "text-rerank"}
        assert not spec.media_batch or (spec.vision and spec.endpoint == "text-rerank")
        if spec.thinking_budget_max:
            assert spec.thinking != "none"


def test_documented_ranges() -> None:
    moon = get_spec("moonshot-v1-8k")
    assert moon.ranges["temperature"].contains(1.0) and not moon.ranges["temperature"].contains(
        1.01
    )
    assert moon.max_stop == 5 and moon.max_stop_bytes == 32
    qwen_open = get_spec("qwen1.5-7b-chat")
    assert not qwen_open.ranges["temperature"].contains(2.0)
    assert not qwen_open.ranges["top_p"].contains(1.0)
    assert qwen_open.max_output_tokens == 1500


def test_prompt_only_families() -> None:
    assert get_spec("moss-moon-003-sft").prompt_format == "moss"
    assert get_spec("chatyuan-large-v2").prompt_format == "chatyuan"
    assert not get_spec("chatyuan-large-v2").is_chat_model
    assert get_spec("chatyuan-large-v2").usage == "none"


def test_unknown_id_gets_generic_entry_without_guessing() -> None:
    spec = get_spec("acme-super-new-thing")  # no row, no alias, no rule
    assert not spec.known and spec.family == "generic" and spec.resolved_by == "generic"
    assert not spec.vision and not spec.tools and spec.thinking == "none"
    assert spec.endpoint == "text-generation" and spec.guessed
    declared = generic_spec("acme-super-new-thing", vision=True, endpoint="multimodal-generation")
    assert declared.vision and declared.endpoint == "multimodal-generation"


def test_lookup_is_exact() -> None:
    assert get_spec("QWEN-PLUS").known is False
    assert get_spec("qwen-plus ").known is False
    assert get_spec("qwen-plus-latest ").known is False  # an alias is a whole suffix


def test_family_labels_cover_families() -> None:
    families = {s.family for s in all_specs()}
    assert families == set(family_labels())


def test_interval_parsing() -> None:
    half_open = Interval.parse("[0, 2)")
    assert half_open.contains(0) and half_open.contains(1.99) and not half_open.contains(2)
    unbounded = Interval.parse("[1, inf)")
    assert unbounded.contains(10**9) and not unbounded.contains(0)
    assert not Interval.parse("(0, 1)").contains(0)


def test_thinking_modes() -> None:
    assert get_spec("qwen-plus").thinks(None) is False
    assert get_spec("qwen-plus").thinks(True) is True
    assert get_spec("deepseek-r1").thinks(None) is True
    assert get_spec("qwen-max").thinks(True) is False
