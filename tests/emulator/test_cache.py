"""The emulator's explicit context cache: entries per marked prefix, the 1,024-token minimum,
the 5-minute TTL renewed on a hit (on a clock the test moves), the 20-part look-back, the
marker limit, and the counts in the service's shapes (plain and streamed answers)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dashscope_models.emulator import Emulator

PATH = "/api/v1/services/aigc/text-generation/generation"
BIG = "Shared instructions that every turn repeats, long enough to cache. " * 80  # ~1,360 tokens
MARK = {"type": "ephemeral"}


def _body(messages: list[dict[str, Any]], model: str = "qwen-plus") -> dict[str, Any]:
    return {"model": model, "input": {"messages": messages},
            "parameters": {"result_format": "message"}}  # fmt: skip


def _system(text: str = BIG, **marker: Any) -> dict[str, Any]:
    return {"role": "system", "content": [{"text": text, "cache_control": {**MARK, **marker}}]}


def _call(emulator: Emulator, body: dict[str, Any], key: str = "sk-a") -> dict[str, Any]:
    response = emulator.handle("POST", PATH, {"authorization": f"Bearer {key}"},
                               json.dumps(body).encode())  # fmt: skip
    data = json.loads(b"".join(f.data for f in response.frames))
    assert response.status == 200, data
    usage: dict[str, Any] = data["usage"]
    return usage


def _details(usage: dict[str, Any]) -> tuple[int, int]:
    details = usage["prompt_tokens_details"]
    return details["cached_tokens"], details["cache_creation_input_tokens"]


USER = {"role": "user", "content": "Question?"}


def test_create_then_read_the_same_count_in_the_documented_shape() -> None:
    emulator = Emulator()
    first = _call(emulator, _body([_system(), USER]))
    created = first["prompt_tokens_details"]["cache_creation_input_tokens"]
    assert created >= 1024
    assert first["prompt_tokens_details"] == {
        "cached_tokens": 0, "cache_creation_input_tokens": created,
        "cache_creation": {"ephemeral_5m_input_tokens": created}, "cache_type": "ephemeral",
    }  # fmt: skip
    second = _call(emulator, _body([_system(), USER]))
    assert _details(second) == (created, 0)
    assert second["input_tokens"] == first["input_tokens"] >= created


def test_a_prefix_under_1024_tokens_is_not_cached() -> None:
    emulator = Emulator()
    small = _body([_system("Be brief. " * 100), USER])  # ~250 tokens
    assert _details(_call(emulator, small)) == (0, 0)
    assert _details(_call(emulator, small)) == (0, 0)
    assert len(emulator.cache) == 0


def test_no_marker_no_cache_counts() -> None:
    emulator = Emulator()
    usage = _call(emulator, _body([{"role": "system", "content": BIG}, USER]))
    assert usage["prompt_tokens_details"] == {"cached_tokens": 0}


def test_five_minutes_renewed_on_a_hit() -> None:
    emulator = Emulator()
    body = _body([_system(), USER])
    _call(emulator, body)
    emulator.cache.advance(200)
    assert _details(_call(emulator, body))[0] > 0  # a hit: five more minutes from now
    emulator.cache.advance(200)  # 400 s after creation, 200 s after the hit
    assert _details(_call(emulator, body))[0] > 0
    emulator.cache.advance(301)
    cached, created = _details(_call(emulator, body))
    assert cached == 0 and created > 0  # expired: created again


def test_one_hour_entries() -> None:
    emulator = Emulator()
    body = _body([_system(ttl="1h"), USER])
    first = _call(emulator, body)["prompt_tokens_details"]
    assert first["cache_creation"] == {
        "ephemeral_5m_input_tokens": 0,
        "ephemeral_1h_input_tokens": first["cache_creation_input_tokens"],
    }
    emulator.cache.advance(30 * 60)
    assert _details(_call(emulator, body))[0] == first["cache_creation_input_tokens"]


def test_a_longer_prefix_reads_the_cached_part_and_creates_the_rest() -> None:
    emulator = Emulator()
    created = _details(_call(emulator, _body([_system(), USER])))[1]
    turn = [
        {"role": "system", "content": [{"text": BIG}]},
        {"role": "user", "content": [{"text": "More context. " * 400, "cache_control": MARK}]},
    ]
    # The tail marker looks back to the system part's entry: read it, create only the rest.
    cached, more = _details(_call(emulator, _body(turn)))
    assert cached == created and more > 0
    cached, new = _details(_call(emulator, _body([_system(), turn[1]])))
    assert (cached, new) == (created + more, 0)


def test_the_look_back_reaches_20_parts() -> None:
    emulator = Emulator()
    created = _details(_call(emulator, _body([_system(), USER])))[1]

    def tail(n: int) -> dict[str, Any]:
        parts: list[dict[str, Any]] = [{"text": f"note {i}"} for i in range(n)]
        parts[-1]["cache_control"] = MARK
        return {"role": "user", "content": parts}

    system = {"role": "system", "content": [{"text": BIG}]}
    cached, _ = _details(_call(emulator, _body([system, tail(19)])))  # marker 19 parts after
    assert cached == created
    emulator.clear()
    _call(emulator, _body([_system(), USER]))
    cached, created_again = _details(_call(emulator, _body([system, tail(20)])))
    assert cached == 0 and created_again > created  # 20 parts after: out of reach


def test_entries_belong_to_one_key_and_one_model() -> None:
    emulator = Emulator()
    body = _body([_system(), USER])
    _call(emulator, body, key="sk-a")
    assert _details(_call(emulator, body, key="sk-b"))[0] == 0
    assert _details(_call(emulator, _body([_system(), USER], "qwen3-max"), key="sk-a"))[0] == 0


def test_more_than_four_markers_is_the_services_400() -> None:
    emulator = Emulator()
    parts = [{"text": f"p{i}", "cache_control": MARK} for i in range(5)]
    body = json.dumps(_body([{"role": "user", "content": parts}])).encode()
    response = emulator.handle("POST", PATH, {"authorization": "Bearer sk-a"}, body)
    assert response.status == 400
    error = json.loads(response.frames[0].data)
    assert error["code"] == "InvalidParameter" and "4" in error["message"]


def test_streamed_answers_carry_the_counts_with_the_usage() -> None:
    emulator = Emulator()
    body = json.dumps(_body([_system(), USER])).encode()
    headers = {"authorization": "Bearer sk-a", "x-dashscope-sse": "enable"}
    emulator.handle("POST", PATH, headers, body)
    response = emulator.handle("POST", PATH, headers, body)
    events = [f.data.decode() for f in response.frames]
    last = json.loads(events[-1].split("data:", 1)[1])
    assert last["usage"]["prompt_tokens_details"]["cached_tokens"] > 0


def test_the_clock_can_be_given() -> None:
    now = [1000.0]
    emulator = Emulator(cache_clock=lambda: now[0])
    body = _body([_system(), USER])
    _call(emulator, body)
    now[0] += 299
    assert _details(_call(emulator, body))[0] > 0
    now[0] += 301
    assert _details(_call(emulator, body))[0] == 0


@pytest.mark.parametrize("key", ["prompt_cache_breakpoint"])
def test_the_qwen4_marker_is_a_marker(key: str) -> None:
    emulator = Emulator()
    system = {"role": "system", "content": [{"text": BIG, key: {"mode": "explicit"}}]}
    created = _details(_call(emulator, _body([system, USER])))[1]
    assert created > 0 and _details(_call(emulator, _body([system, USER])))[0] == created
