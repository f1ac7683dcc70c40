"""Log probabilities (``logprobs`` / ``top_logprobs``) through the native client and the
emulator's real HTTP server: parsed from plain and streamed answers (incremental and
cumulative), scripted ones passed on as sent, and bad values refused before any request."""

from __future__ import annotations

from typing import Any

import pytest

from dashscope_models import (
    Chunk,
    DashScopeClient,
    GenerationRequest,
    GenerationResult,
    Message,
    RequestValidationError,
)
from dashscope_models.emulator import Emulator, Reply


@pytest.fixture
def client(base_url: str) -> DashScopeClient:
    return DashScopeClient(base_url=base_url, max_retries=0)


def ask(text: str = "Hello there 你好", **kwargs: Any) -> GenerationRequest:
    kwargs.setdefault("result_format", "message")
    return GenerationRequest(model="qwen-plus", messages=[Message("user", text)], **kwargs)


async def generate(client: DashScopeClient, request: GenerationRequest, sync: bool) -> Any:
    result: GenerationResult = client.generate(request) if sync else await client.agenerate(request)
    return result


async def stream(client: DashScopeClient, request: GenerationRequest, sync: bool) -> list[Chunk]:
    if sync:
        return list(client.stream(request))
    return [chunk async for chunk in client.astream(request)]


def check_entries(entries: list[dict[str, Any]], text: str, top: int) -> None:
    """OpenAI-shaped entries, one per piece of ``text``, each with ``top`` alternatives."""
    assert "".join(e["token"] for e in entries) == text
    for e in entries:
        assert set(e) == {"token", "logprob", "bytes", "top_logprobs"}
        assert e["logprob"] < 0 and e["bytes"] == list(e["token"].encode())
        assert len(e["top_logprobs"]) == top
        if top:
            first = e["top_logprobs"][0]
            assert first == {"token": e["token"], "logprob": e["logprob"], "bytes": e["bytes"]}
            chances = [alt["logprob"] for alt in e["top_logprobs"]]
            assert chances == sorted(chances, reverse=True)


async def test_plain_answer(client: DashScopeClient, emulator: Emulator, sync: bool) -> None:
    result = await generate(client, ask(logprobs=True, top_logprobs=2), sync)
    assert result.logprobs is not None and len(result.logprobs) > 3
    check_entries(result.logprobs, result.text, 2)
    params = emulator.requests[-1].body["parameters"]
    assert params["logprobs"] is True and params["top_logprobs"] == 2
    # Not asked for: nothing sent, nothing read; logprobs alone: no alternatives.
    assert (await generate(client, ask(), sync)).logprobs is None
    assert not {"logprobs", "top_logprobs"} & set(emulator.requests[-1].body["parameters"])
    alone = await generate(client, ask(logprobs=True), sync)
    check_entries(alone.logprobs, alone.text, 0)
    assert "top_logprobs" not in emulator.requests[-1].body["parameters"]


@pytest.mark.parametrize("incremental", [True, False])
async def test_streamed_answer(client: DashScopeClient, sync: bool, incremental: bool) -> None:
    whole = await generate(client, ask(logprobs=True, top_logprobs=1), sync)
    request = ask(logprobs=True, top_logprobs=1, incremental_output=incremental)
    chunks = await stream(client, request, sync)
    # Each chunk holds only the entries new in its event (the cumulative events repeat them).
    text_chunks = [c for c in chunks if c.text]
    assert all(c.logprobs is not None and len(c.logprobs) == 1 for c in text_chunks)
    assert all(c.logprobs[0]["token"] == c.text for c in text_chunks if c.logprobs)
    assert chunks[-1].finish_reason == "stop" and chunks[-1].logprobs is None
    streamed = [e for c in chunks for e in c.logprobs or ()]
    assert streamed == whole.logprobs
    plain = await stream(client, ask(incremental_output=incremental), sync)
    assert all(c.logprobs is None for c in plain)


async def test_scripted_logprobs_are_passed_on_as_sent(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    entries = [
        {"token": "Hi", "logprob": -0.5, "bytes": [72, 105], "top_logprobs": []},
        {"token": "!", "logprob": -0.25, "bytes": None, "top_logprobs": [], "extra": 1},
    ]
    emulator.queue(Reply(chunks=["Hi", "!"], logprobs=entries), Reply(chunks=["Hi", "!"],
                   logprobs=entries))  # fmt: skip
    result = await generate(client, ask(), sync)  # a script sends them, asked for or not
    assert result.text == "Hi!" and result.logprobs == entries
    chunks = await stream(client, ask(), sync)
    assert [c.logprobs for c in chunks] == [entries[:1], entries[1:], None]


async def test_text_format_carries_none(client: DashScopeClient, sync: bool) -> None:
    result = await generate(client, ask(logprobs=True, result_format="text"), sync)
    assert result.text and result.logprobs is None


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"logprobs": "yes"}, "InvalidParameterType", "logprobs must be True or False"),
        ({"logprobs": 1}, "InvalidParameterType", "logprobs must be True or False"),
        ({"logprobs": True, "top_logprobs": 2.0}, "InvalidParameterType", "an integer"),
        ({"logprobs": True, "top_logprobs": True}, "InvalidParameterType", "an integer"),
        ({"logprobs": True, "top_logprobs": -1}, "ParameterOutOfRange", "outside [0, inf)"),
        ({"top_logprobs": 2}, "LogprobsRequired", "top_logprobs=2 needs logprobs=True"),
        ({"logprobs": False, "top_logprobs": 0}, "LogprobsRequired", "needs logprobs=True"),
        ({"top_logprobs": 1, "extra_parameters": {"logprobs": "true"}}, "InvalidParameterType",
         "logprobs must be True or False"),
        ({"logprobs": True, "extra_parameters": {"top_logprobs": -2}}, "ParameterOutOfRange",
         "top_logprobs=-2"),
    ],
)  # fmt: skip
async def test_bad_values_are_refused_before_any_request(
    client: DashScopeClient,
    emulator: Emulator,
    sync: bool,
    kwargs: dict[str, Any],
    code: str,
    message: str,
) -> None:
    for call in (generate, stream):
        with pytest.raises(RequestValidationError) as info:
            await call(client, ask(**kwargs), sync)
        assert info.value.code == code and message in info.value.message
    assert emulator.requests == []


def test_values_given_in_extra_parameters_count(
    client: DashScopeClient, emulator: Emulator
) -> None:
    # The value sent is the one checked: logprobs in extra_parameters satisfies top_logprobs.
    request = ask(top_logprobs=3, extra_parameters={"logprobs": True})
    check_entries(
        client.generate(request).logprobs or [], "[qwen-plus] You said: Hello there 你好", 3
    )
    # No upper bound is documented, so none is imposed.
    result = client.generate(ask(logprobs=True, top_logprobs=25))
    assert result.logprobs and len(result.logprobs[0]["top_logprobs"]) == 25
    assert emulator.requests[-1].body["parameters"]["top_logprobs"] == 25
