"""``_cache``: explicit-cache markers on the wire, their checks before any request, the catalog
table, the call argument, ``automatic_cache`` / ``cache_ttl``, and the counts read back.

Every case goes through the real client to the emulator's HTTP server and reads the body the
emulator received; refusals are asserted to send nothing.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from dashscope_models import (
    CacheNotSupportedWarning,
    DashScopeClient,
    GenerationRequest,
    Message,
    RequestValidationError,
    ToolCall,
    Usage,
    cache_form,
)
from dashscope_models.emulator import Emulator

EPHEMERAL = {"type": "ephemeral"}
BIG = "The house rules of the assistant, repeated to be long enough to cache. " * 80
Refused = Callable[[Callable[[], Any]], Awaitable[RequestValidationError]]


@pytest.fixture
def client(base_url: str) -> DashScopeClient:
    return DashScopeClient(base_url=base_url, max_retries=0)


def _marked(text: str, **marker: Any) -> dict[str, Any]:
    return {"text": text, "cache_control": {**EPHEMERAL, **marker}}


def _sent(emulator: Emulator) -> list[dict[str, Any]]:
    request = emulator.last_request
    assert request is not None
    messages: list[dict[str, Any]] = request.body["input"]["messages"]
    return messages


def test_catalog_table_names_each_form() -> None:
    assert cache_form("qwen-plus") == "explicit"
    assert cache_form("qwen3-coder-plus") == "explicit"
    assert cache_form("qwen3.6-plus") == "explicit"
    assert cache_form("qwen4-max") == "qwen4"
    assert cache_form("kimi-k3.1-pro") == "qwen4"
    assert cache_form("moonshot-v1-8k") is None
    assert cache_form("qwen-plus-latest") is None  # aliases are not covered unless listed


def test_native_marker_reaches_the_wire_on_its_part(
    client: DashScopeClient, emulator: Emulator
) -> None:
    messages = [Message("system", [_marked(BIG)]), Message("user", "Question?")]
    client.generate(GenerationRequest(model="qwen-plus", messages=messages))
    sent = _sent(emulator)
    assert sent[0]["content"] == [_marked(BIG)]
    assert sent[1]["content"] == "Question?"  # unmarked text still flattened


def test_call_argument_marks_the_last_part(client: DashScopeClient, emulator: Emulator) -> None:
    messages = [Message("system", BIG), Message("user", [{"text": "a"}, {"text": "b"}])]
    client.generate(
        GenerationRequest(model="qwen-plus", messages=messages, cache_control=EPHEMERAL)
    )
    sent = _sent(emulator)
    assert sent[0]["content"] == BIG
    assert sent[1]["content"] == [{"text": "a"}, _marked("b")]


def test_call_argument_skips_an_empty_assistant_turn(
    client: DashScopeClient, emulator: Emulator
) -> None:
    call = ToolCall("call_1", "get_weather", '{"city": "Hangzhou"}')
    messages = [Message("user", "Weather?"), Message("assistant", "", tool_calls=[call])]
    client.generate(
        GenerationRequest(model="qwen-plus", messages=messages, cache_control=EPHEMERAL)
    )
    sent = _sent(emulator)
    assert sent[0]["content"] == [_marked("Weather?")]
    assert sent[1]["content"] == ""


def test_automatic_cache_marks_the_end_of_the_input(
    client: DashScopeClient, emulator: Emulator
) -> None:
    messages = [Message("system", BIG), Message("user", "Question?")]
    client.generate(GenerationRequest(model="qwen-plus", messages=messages, automatic_cache=True))
    assert _sent(emulator)[-1]["content"] == [_marked("Question?")]


def test_one_hour_ttl_on_the_qwen4_form(client: DashScopeClient, emulator: Emulator) -> None:
    emulator.add_model("qwen4-plus")
    messages = [Message("system", [_marked(BIG)]), Message("user", "Question?")]
    client.generate(GenerationRequest(model="qwen4-plus", messages=messages, cache_ttl="1h"))
    assert _sent(emulator)[0]["content"] == [_marked(BIG, ttl="1h")]


def test_one_hour_ttl_on_the_first_form_is_sent_as_five_minutes(
    client: DashScopeClient, emulator: Emulator
) -> None:
    messages = [Message("system", [_marked(BIG, ttl="1h")]), Message("user", "Question?")]
    with pytest.warns(CacheNotSupportedWarning, match="Qwen4 form only"):
        client.generate(GenerationRequest(model="qwen3-max", messages=messages))
    assert _sent(emulator)[0]["content"] == [_marked(BIG)]


def test_markers_removed_with_one_warning_on_a_model_without_explicit_cache(
    client: DashScopeClient, emulator: Emulator
) -> None:
    messages = [Message("system", [_marked("Be brief.")]), Message("user", "hi")]
    request = GenerationRequest(model="qwen2-7b-instruct", messages=messages)
    with pytest.warns(CacheNotSupportedWarning, match="qwen2-7b-instruct"):
        client.generate(request)
    assert _sent(emulator)[0]["content"] == "Be brief."
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per model: the second call is silent
        client.generate(request)


def test_unknown_ids_keep_their_markers(client: DashScopeClient, emulator: Emulator) -> None:
    emulator.add_model("brand-new-model")
    messages = [Message("system", [_marked("Be brief.")]), Message("user", "hi")]
    client.generate(GenerationRequest(model="brand-new-model", messages=messages))
    assert _sent(emulator)[0]["content"] == [_marked("Be brief.")]


async def test_five_markers_are_refused_before_any_request(
    client: DashScopeClient, refused: Refused
) -> None:
    parts = [_marked(f"part {i}") for i in range(5)]
    request = GenerationRequest(model="qwen-plus", messages=[Message("user", parts)])
    error = await refused(lambda: client.generate(request))
    assert error.code == "TooManyCacheMarkers"
    error = await refused(lambda: client.agenerate(request))
    assert error.code == "TooManyCacheMarkers"


async def test_four_native_markers_and_the_call_argument_are_five(
    client: DashScopeClient, refused: Refused
) -> None:
    parts = [_marked(f"part {i}") for i in range(4)] + [{"text": "tail"}]
    request = GenerationRequest(
        model="qwen-plus", messages=[Message("user", parts)], cache_control=EPHEMERAL
    )
    assert (await refused(lambda: client.generate(request))).code == "TooManyCacheMarkers"


@pytest.mark.parametrize(
    ("part", "code"),
    [
        ({"video": "https://x/v.mp4", "cache_control": EPHEMERAL}, "UnsupportedCacheMarker"),
        ({"audio": "https://x/a.mp3", "cache_control": EPHEMERAL}, "UnsupportedCacheMarker"),
        ({"text": "x", "cache_control": {"type": "persistent"}}, "InvalidCacheMarker"),
        ({"text": "x", "cache_control": {"type": "ephemeral", "ttl": "2h"}}, "InvalidCacheMarker"),
        ({"text": "x", "prompt_cache_breakpoint": {"mode": "auto"}}, "InvalidCacheMarker"),
    ],
)
async def test_bad_markers_are_refused(
    client: DashScopeClient, refused: Refused, part: dict[str, Any], code: str
) -> None:
    messages = [Message("user", [part, {"text": "What is in it?"}])]
    request = GenerationRequest(model="qwen3-vl-plus", messages=messages)
    assert (await refused(lambda: client.generate(request))).code == code


async def test_bad_cache_settings_are_refused(client: DashScopeClient, refused: Refused) -> None:
    base = {"model": "qwen-plus", "messages": [Message("user", "hi")]}
    request = GenerationRequest(**base, cache_control="ephemeral")  # type: ignore[arg-type]
    assert (await refused(lambda: client.generate(request))).code == "InvalidCacheMarker"
    request = GenerationRequest(**base, cache_ttl="2h")  # type: ignore[arg-type]
    assert (await refused(lambda: client.generate(request))).code == "InvalidCacheMarker"


def test_image_part_may_carry_a_marker(client: DashScopeClient, emulator: Emulator) -> None:
    image = {"image": "https://x/cat.png", "cache_control": EPHEMERAL}
    messages = [Message("user", [image, {"text": "What is this?"}])]
    client.generate(GenerationRequest(model="qwen3-vl-plus", messages=messages))
    assert _sent(emulator)[0]["content"][0] == image


def test_counts_read_from_the_wire() -> None:
    usage = Usage.from_wire({
        "input_tokens": 2000, "output_tokens": 5, "total_tokens": 2005,
        "prompt_tokens_details": {"cached_tokens": 0, "cache_creation_input_tokens": 1889,
                                  "cache_creation": {"ephemeral_5m_input_tokens": 1889},
                                  "cache_type": "ephemeral"},
    })  # fmt: skip
    assert (usage.cached_tokens, usage.cache_creation_tokens) == (0, 1889)
    assert usage.cache_creation == {"ephemeral_5m_input_tokens": 1889}
    assert Usage.from_wire({"input_tokens": 1}).cache_creation_tokens is None


def test_hit_then_expiry_through_the_client(client: DashScopeClient, emulator: Emulator) -> None:
    messages = [Message("system", [_marked(BIG)]), Message("user", "Question?")]
    request = GenerationRequest(model="qwen-plus", messages=messages)
    first = client.generate(request).usage
    second = client.generate(request).usage
    assert first is not None and second is not None
    assert first.cache_creation_tokens and first.cached_tokens == 0
    assert second.cached_tokens == first.cache_creation_tokens
    assert second.cache_creation_tokens == 0
    emulator.cache.advance(5 * 60 + 1)
    third = client.generate(request).usage
    assert third is not None and third.cache_creation_tokens == first.cache_creation_tokens
    assert third.cached_tokens == 0
