"""Self-correcting routes, over HTTP against an emulator that knows one endpoint per id.

A guessed endpoint refused with "url error, please check url!" is retried once on the other
endpoint and remembered for the id (one extra request the first time, none afterwards, one
INFO line); a guessed plain call refused because the model must stream is streamed. Catalogued
models (and explicit endpoints) are never retried.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import Iterator

import pytest

from dashscope_models import BadRequestError, DashScopeClient, GenerationRequest, Message
from dashscope_models._routing import forget_learned_routes
from dashscope_models.emulator import Emulator, Fault

TEXT = "/api/v1/services/aigc/text-generation/generation"
MULTI = "/api/v1/services/aigc/multimodal-generation/generation"
_ids = itertools.count()


@pytest.fixture(autouse=True)
def fresh_routes() -> Iterator[None]:
    forget_learned_routes()
    yield
    forget_learned_routes()


def new_id(kind: str) -> str:
    return f"acme-{kind}-{next(_ids)}"  # no catalog row, alias or rule: the generic guess


def ask(
    model: str, content: str | list[dict[str, object]] = "Hi", **kw: object
) -> GenerationRequest:
    return GenerationRequest(model=model, messages=[Message("user", content)], **kw)  # type: ignore[arg-type]


async def call(client: DashScopeClient, request: GenerationRequest, mode: str) -> str:
    if mode == "generate":
        return client.generate(request).text
    if mode == "agenerate":
        return (await client.agenerate(request)).text
    if mode == "stream":
        return "".join(c.text for c in client.stream(request))
    if mode == "astream":
        return "".join([c.text async for c in client.astream(request)])
    # the accumulated forms (LlamaIndex streams through them): the answer so far is the sum
    pieces, whole = [], ""
    if mode == "stream_accumulated":
        for chunk, so_far in client.stream_accumulated(request):
            pieces.append(chunk.text)
            whole = so_far.text
    else:
        async for chunk, so_far in client.astream_accumulated(request):
            pieces.append(chunk.text)
            whole = so_far.text
    assert "".join(pieces) == whole
    return whole


MODES = ["generate", "agenerate", "stream", "astream", "stream_accumulated", "astream_accumulated"]


def learned_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "learned for this process" in r.getMessage()]


@pytest.mark.parametrize("mode", MODES)
async def test_wrong_endpoint_is_corrected_once(
    mode: str, emulator: Emulator, base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dashscope_models")
    model = new_id("vision")
    emulator.add_model(model, endpoint="multimodal-generation")
    client = DashScopeClient(base_url=base_url, max_retries=0)
    text = await call(client, ask(model), mode)
    assert text == f"[{model}] You said: Hi"
    assert [r.path for r in emulator.requests] == [TEXT, MULTI]  # one extra request
    emulator.clear()
    assert await call(client, ask(model), mode) == text
    assert [r.path for r in emulator.requests] == [MULTI]  # none afterwards
    assert len(learned_lines(caplog)) == 1


@pytest.mark.parametrize("mode", ["generate", "agenerate"])
async def test_stream_only_refusal_is_streamed(
    mode: str, emulator: Emulator, base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dashscope_models")
    model = new_id("streamer")
    emulator.add_model(model, endpoint="text-generation", stream_only=True)
    client = DashScopeClient(base_url=base_url, max_retries=0)
    assert await call(client, ask(model), mode) == f"[{model}] You said: Hi"
    assert [r.stream for r in emulator.requests] == [False, True]
    emulator.clear()
    await call(client, ask(model), mode)
    assert [r.stream for r in emulator.requests] == [True]
    assert len(learned_lines(caplog)) == 1


async def test_both_corrections_in_one_call(emulator: Emulator, base_url: str) -> None:
    model = new_id("both")
    emulator.add_model(model, endpoint="multimodal-generation", stream_only=True)
    client = DashScopeClient(base_url=base_url, max_retries=0)
    assert client.generate(ask(model)).text == f"[{model}] You said: Hi"
    assert [(r.path, r.stream) for r in emulator.requests] == [
        (TEXT, False), (MULTI, False), (MULTI, True)
    ]  # fmt: skip


@pytest.mark.parametrize("mode", MODES)
async def test_catalogued_models_are_never_retried(
    mode: str, emulator: Emulator, base_url: str
) -> None:
    client = DashScopeClient(base_url=base_url, max_retries=0)
    for model in ("qwen-plus", "qwen-plus-latest"):  # an entry, and an alias of one
        emulator.clear()
        emulator.queue(Fault.http_error(400, "InvalidParameter", "url error, please check url!"))
        with pytest.raises(BadRequestError, match="url error"):
            await call(client, ask(model), mode)
        assert len(emulator.requests) == 1
    emulator.clear()
    emulator.queue(Fault.http_error(400, "InvalidParameter", "This model only support stream mode"))
    with pytest.raises(BadRequestError):
        await call(client, ask("qwen-max"), "generate")
    assert len(emulator.requests) == 1


async def test_an_explicit_endpoint_is_never_retried(emulator: Emulator, base_url: str) -> None:
    model = new_id("explicit")
    emulator.add_model(model, endpoint="multimodal-generation")
    client = DashScopeClient(base_url=base_url, max_retries=0)
    with pytest.raises(BadRequestError, match="url error"):
        client.generate(ask(model, endpoint="text-generation"))
    assert [r.path for r in emulator.requests] == [TEXT]
    assert client.generate(ask(model, endpoint="multimodal-generation")).text


async def test_media_of_a_text_model_is_not_dropped_on_correction(
    emulator: Emulator, base_url: str
) -> None:
    """The guess sends media to multimodal; the service says text: the parts still go there,
    and the service's refusal is raised (nothing silently removed)."""
    model = new_id("textonly")
    emulator.add_model(model, endpoint="text-generation")
    client = DashScopeClient(base_url=base_url, max_retries=0)
    parts = [{"image": "https://example.com/cat.png"}, {"text": "What is this?"}]
    with pytest.raises(BadRequestError, match="must be a string"):
        client.generate(ask(model, parts))
    assert [r.path for r in emulator.requests] == [MULTI, TEXT]
    assert all(r.body["input"]["messages"][0]["content"] == parts for r in emulator.requests)


def test_concurrent_first_calls_threads(
    emulator: Emulator, base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dashscope_models")
    model = new_id("threads")
    emulator.add_model(model, endpoint="multimodal-generation")
    client = DashScopeClient(base_url=base_url, max_retries=0)
    texts: list[str] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        texts.append(client.generate(ask(model)).text)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert texts == [f"[{model}] You said: Hi"] * 8
    extra = sum(r.path == TEXT for r in emulator.requests)
    assert 1 <= extra <= 8 and len(emulator.requests) == 8 + extra
    assert len(learned_lines(caplog)) == 1
    emulator.clear()
    client.generate(ask(model))
    assert [r.path for r in emulator.requests] == [MULTI]


async def test_concurrent_first_calls_tasks(
    emulator: Emulator, base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dashscope_models")
    model = new_id("tasks")
    emulator.add_model(model, endpoint="multimodal-generation")
    client = DashScopeClient(base_url=base_url, max_retries=0)
    results = await asyncio.gather(*(client.agenerate(ask(model)) for _ in range(8)))
    assert {r.text for r in results} == {f"[{model}] You said: Hi"}
    extra = sum(r.path == TEXT for r in emulator.requests)
    assert 1 <= extra <= 8 and len(emulator.requests) == 8 + extra
    assert len(learned_lines(caplog)) == 1
    emulator.clear()
    await client.agenerate(ask(model))
    assert [r.path for r in emulator.requests] == [MULTI]
