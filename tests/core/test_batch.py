"""The core Batch API (``submit_batch`` / ``batch`` / ``BatchJob``) against the emulator.

The large runs use the emulator's in-process transport (same engine, no sockets) with compressed
time; one run goes over the loopback HTTP server. Nothing of ours is mocked.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from dashscope_models import (
    BatchError,
    BatchJob,
    BatchLimits,
    ContentInspectionError,
    DashScopeClient,
    GenerationRequest,
    GenerationResult,
    Message,
    ModelNotFoundError,
    NotFoundError,
    RateLimitError,
    RequestValidationError,
    StreamError,
)
from dashscope_models._batch_api import Collector
from dashscope_models.emulator import Emulator, EmulatorTransport, Fault, Reply, start_emulator

KEY = "sk-batch-test"


def _client(emulator: Emulator) -> DashScopeClient:
    return DashScopeClient(
        api_key=KEY, base_url="http://emulator/api/v1", transport=EmulatorTransport(emulator)
    )


def _request(i: int, model: str = "qwen-plus") -> GenerationRequest:
    return GenerationRequest(model=model, messages=[Message("user", f"q{i}")])


async def _run(job: BatchJob[Any], sync: bool, name: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``job.name`` (sync) or its async twin."""
    if sync:
        return getattr(job, name)(*args, **kwargs)
    twin = {"wait": "await_"}.get(name, "a" + name)
    return await getattr(job, twin)(*args, **kwargs)


async def _submit(client: DashScopeClient, sync: bool, requests: Any, **kwargs: Any) -> Any:
    if sync:
        return client.submit_batch(requests, **kwargs)
    return await client.asubmit_batch(requests, **kwargs)


def _texts(results: list[Any]) -> list[str]:
    return [r.text if isinstance(r, GenerationResult) else f"{type(r).__name__}:{r.code}" for r in results]  # fmt: skip


async def test_ten_thousand_requests_in_order_with_failing_rows(sync: bool) -> None:
    emulator = Emulator(api_key=KEY, batch_seconds=0.2)
    client = _client(emulator)
    bad = set(range(5, 10_000, 997))  # a model the service does not know: those rows fail
    requests = (_request(i, "qwen-unknown-model" if i in bad else "qwen-plus") for i in range(10_000))  # fmt: skip
    job = await _submit(client, sync, requests, metadata={"ds_name": "ten thousand"})
    assert len(job.batch_ids) == 2  # one model per input file, as the service requires
    status = await _run(job, sync, "wait", poll_interval=0.02, progress=False)
    assert status.status == "completed"
    assert (status.total, status.completed, status.failed) == (10_000, 10_000 - len(bad), len(bad))
    results = await _run(job, sync, "results")
    assert len(results) == 10_000
    for i, result in enumerate(results):
        if i in bad:
            assert isinstance(result, ModelNotFoundError), (i, result)
            assert result.status_code == 400 and result.request_id
        else:
            assert isinstance(result, GenerationResult), (i, result)
            assert result.text == f"[qwen-plus] You said: q{i}"
            assert result.usage is not None and result.usage.output_tokens > 0
            assert result.finish_reason == "stop" and result.model == "qwen-plus"
    # A new client (another process, after a restart) attaches by id and reads the same.
    again = _client(emulator).batch(job.id) if sync else await _client(emulator).abatch(job.id)
    assert _texts(await _run(again, sync, "results")) == _texts(results)
    assert emulator.batches.batches[job.batch_ids[0]].obj["metadata"] == {"ds_name": "ten thousand"}  # fmt: skip
    # Files stay until the caller asks.
    assert len(emulator.batches.files.files) == 4  # two inputs, one output, one error file
    await _run(again, sync, "cleanup")
    assert emulator.batches.files.files == {}


def test_the_states_follow_the_recorded_machine() -> None:
    emulator = Emulator(api_key=KEY, batch_seconds=0.6)
    job = _client(emulator).submit_batch([_request(i) for i in range(50)])
    seen: list[str] = []
    while not seen or seen[-1] != "completed":
        status = job.status().status
        if not seen or seen[-1] != status:
            seen.append(status)
        time.sleep(0.01)
    assert seen[0] == "validating" and seen[-1] == "completed"
    order = ["validating", "in_progress", "finalizing", "completed"]
    assert [order.index(s) for s in seen] == sorted(order.index(s) for s in seen)
    assert "in_progress" in seen


async def test_cancel_midway_leaves_answered_rows_readable(sync: bool) -> None:
    # 12 s of emulated time (about 1 ms a row): a loaded machine still cancels mid-way (at 3 s
    # one slow status poll could see all 10,000 rows answered and the batch finished).
    emulator = Emulator(api_key=KEY, batch_seconds=12.0)
    client = _client(emulator)
    job = await _submit(client, sync, [_request(i) for i in range(10_000)])
    status = await _run(job, sync, "status")
    while status.completed < 100:
        time.sleep(0.02)  # noqa: ASYNC251 - the sync path is the one under test here too
        status = await _run(job, sync, "status")
    assert status.status == "in_progress"
    cancelled = await _run(job, sync, "cancel")
    assert cancelled.status in ("cancelling", "cancelled")
    final = await _run(job, sync, "wait", poll_interval=0.01, progress=False)
    assert final.status == "cancelled"
    assert final.completed >= 100 and final.failed == 10_000 - final.completed > 0
    results = await _run(job, sync, "results")
    assert len(results) == 10_000
    done = [r for r in results if isinstance(r, GenerationResult)]
    assert len(done) == final.completed
    for i, result in enumerate(results):  # the rows answered first are the first rows
        if i < final.completed:
            assert isinstance(result, GenerationResult) and result.text == f"[qwen-plus] You said: q{i}"  # fmt: skip
        else:
            assert isinstance(result, BatchError) and result.code == "batch_cancelled"


def test_row_errors_are_typed_at_their_positions() -> None:
    emulator = Emulator(api_key=KEY, batch_seconds=0.0)
    # Rows are answered in order by the live engine, so scripted faults hit rows 1, 2 and 4.
    emulator.queue(
        Reply(text="zero"),
        Fault.http_error(
            400, "DataInspectionFailed", "Input data may contain inappropriate content."
        ),
        Fault.rate_limit(),
        Reply(text="three"),
        Fault.server_error(),
    )
    job = _client(emulator).submit_batch([_request(i) for i in range(8)])
    job.wait(poll_interval=0.01, progress=False)
    results = job.results()
    assert isinstance(results[0], GenerationResult) and results[0].text == "zero"
    assert isinstance(results[1], ContentInspectionError) and results[1].status_code == 400
    assert isinstance(results[2], RateLimitError) and results[2].status_code == 429
    assert isinstance(results[3], GenerationResult) and results[3].text == "three"
    assert results[4].status_code == 500  # type: ignore[union-attr]
    assert [r.text for r in results[5:]] == [f"[qwen-plus] You said: q{i}" for i in (5, 6, 7)]  # type: ignore[union-attr]


def test_requests_above_the_limits_go_in_several_batches_in_one_order() -> None:
    emulator = Emulator(api_key=KEY, batch_seconds=0.0)
    client = _client(emulator)
    job = client.submit_batch((_request(i) for i in range(1_000)), limits=BatchLimits(max_rows=300))
    assert len(job.batch_ids) == 4 and job.id == ",".join(job.batch_ids)
    job.wait(poll_interval=0.01, progress=False)
    assert _texts(client.batch(job.id).results()) == [f"[qwen-plus] You said: q{i}" for i in range(1_000)]  # fmt: skip
    by_bytes = client.submit_batch([_request(i) for i in range(100)], limits=BatchLimits(max_file_bytes=2_000))  # fmt: skip
    assert len(by_bytes.batch_ids) >= 5
    for batch_id in by_bytes.batch_ids:
        file_id = emulator.batches.batches[batch_id].obj["input_file_id"]
        assert len(emulator.batches.files.get(file_id).data) <= 2_000  # type: ignore[union-attr]
    by_bytes.wait(poll_interval=0.01, progress=False)
    assert _texts(by_bytes.results()) == [f"[qwen-plus] You said: q{i}" for i in range(100)]


async def test_bad_input_is_refused_before_any_upload(sync: bool) -> None:
    emulator = Emulator(api_key=KEY, batch_seconds=0.0)
    client = _client(emulator)
    with pytest.raises(RequestValidationError, match="at least one request"):
        await _submit(client, sync, [])
    requests = [_request(i) for i in range(10)]
    requests[7] = GenerationRequest(
        model="qwen-plus", messages=[Message("user", "hi")], temperature=5.0
    )
    with pytest.raises(RequestValidationError, match="request 7") as info:
        await _submit(client, sync, requests)
    assert info.value.index == 7  # type: ignore[attr-defined]
    long = [GenerationRequest(model="qwen-plus", messages=[Message("user", "x" * 500)])]
    with pytest.raises(RequestValidationError, match=r"request 0: .*per line"):
        await _submit(client, sync, long, limits=BatchLimits(max_line_bytes=400))
    assert emulator.batches.files.files == {} and emulator.batches.batches == {}
    with pytest.raises(NotFoundError) as missing:
        if sync:
            client.batch("batch_00000000-0000-0000-0000-000000000000")
        else:
            await client.abatch("batch_00000000-0000-0000-0000-000000000000")
    assert missing.value.status_code == 404


def test_results_before_the_end_and_wait_timeout() -> None:
    emulator = Emulator(api_key=KEY, batch_seconds=60.0)
    job = _client(emulator).submit_batch([_request(0)])
    with pytest.raises(BatchError, match="wait"):
        job.results()
    with pytest.raises(Exception, match="not done yet") as info:
        job.wait(poll_interval=0.01, timeout=0.05, progress=False)
    assert info.value.code == "BatchWaitTimeout"  # type: ignore[attr-defined]


def test_over_the_loopback_server_with_tools_and_thinking() -> None:
    tool = {"type": "function", "function": {"name": "get_weather", "description": "Weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}  # fmt: skip
    with start_emulator(api_key=KEY, batch_seconds=0.1) as server:
        client = DashScopeClient(api_key=KEY, base_url=server.base_url)
        requests = [
            GenerationRequest(model="qwen-plus", messages=[Message("user", "Weather in Hangzhou?")], tools=[tool]),
            GenerationRequest(model="qwen-plus", messages=[Message("user", "why")], enable_thinking=True),
        ]  # fmt: skip
        job = client.submit_batch(requests)
        assert len(job.batch_ids) == 2  # thinking on and off: two input files
        job.wait(poll_interval=0.02, progress=False)
        called, thought = job.results()
        assert isinstance(called, GenerationResult) and called.tool_calls
        assert (
            called.tool_calls[0].name == "get_weather" and "city" in called.tool_calls[0].arguments
        )
        assert isinstance(thought, GenerationResult) and thought.reasoning_content
        rows = [r.body for r in server.emulator.requests if r.path.startswith("/api/v1")]
        # The row reached the engine whole (the two batches may run in either order).
        assert [r["parameters"].get("tools") for r in rows if "tools" in r["parameters"]] == [
            [tool]
        ]
        job.cleanup()
        client.close()


def test_progress_is_silent_without_a_terminal(capfd: pytest.CaptureFixture[str]) -> None:
    emulator = Emulator(api_key=KEY, batch_seconds=0.05)
    job = _client(emulator).submit_batch([_request(i) for i in range(20)])
    assert job.wait(poll_interval=0.01).status == "completed"  # progress=True by default
    assert capfd.readouterr().err == ""  # stderr is a pipe here: tqdm stays off


def test_images_and_prompt_mode_rows() -> None:
    emulator = Emulator(api_key=KEY, batch_seconds=0.0)
    client = _client(emulator)
    image = [{"image": "https://example.com/cat.png"}, {"text": "What is this?"}]
    requests = [
        GenerationRequest(model="qwen-vl-max", messages=[Message("user", image)]),
        GenerationRequest(model="qwen-plus", prompt="1+1="),
    ]
    job = client.submit_batch(requests)
    job.wait(poll_interval=0.01, progress=False)
    seen, counted = job.results()
    assert isinstance(seen, GenerationResult) and "What is this?" in seen.text
    assert isinstance(counted, GenerationResult) and counted.text == "[qwen-plus] You said: 1+1="
    native = {r.body["model"]: r for r in emulator.requests}
    assert native["qwen-vl-max"].path.endswith("/multimodal-generation/generation")
    assert native["qwen-vl-max"].body["input"]["messages"][0]["content"] == image


async def test_async_upload_streams_through_aiohttp() -> None:
    # The async path sends through aiohttp (dashscope_models._aio): the upload body is the
    # temporary file streamed piece by piece, not bytes in memory.
    with start_emulator(api_key=KEY, batch_seconds=0.0) as server:
        client = DashScopeClient(api_key=KEY, base_url=server.base_url)
        job = await client.asubmit_batch([_request(i) for i in range(300)])
        await job.await_(poll_interval=0.01, progress=False)
        assert _texts(await job.aresults()) == [f"[qwen-plus] You said: q{i}" for i in range(300)]
        uploaded = server.emulator.batches.files.files
        assert sum(f.data.count(b"\n") for f in uploaded.values() if f.purpose == "batch") == 300
        await job.acleanup()
        await client.aclose()


def test_a_job_keeps_no_copy_of_the_key() -> None:
    # The key lives in its SecretStr and in each built request only (issue 15: no cache holds it).
    emulator = Emulator(api_key=KEY, batch_seconds=0.0)
    job = _client(emulator).submit_batch([_request(0)])

    def kept() -> str:  # the job, its call loop and sender: everything it holds
        calls = job._calls
        sender = [getattr(calls.sender, name) for name in calls.sender.__slots__]
        return repr(job) + repr(vars(job)) + repr(calls.retries) + repr(sender)

    assert KEY not in kept()
    assert [type(r).__name__ for r in job.results()] == ["GenerationResult"]
    assert KEY not in kept()


def test_answers_without_an_id_or_with_a_bad_result_line_are_typed_errors() -> None:
    # A service answer the recordings never show (a 200 file object without "id", a result
    # file line that is not JSON) is a typed MalformedResponse, never a KeyError.
    def upload_without_id(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"object": "file", "request_id": "req-1"})

    client = DashScopeClient(
        api_key=KEY,
        base_url="http://emulator/api/v1",
        transport=httpx.MockTransport(upload_without_id),
    )
    with pytest.raises(StreamError) as info:
        client.submit_batch([_request(0)])
    assert (info.value.code, info.value.status_code, info.value.request_id) == (
        "MalformedResponse",
        200,
        "req-1",
    )
    emulator = Emulator(api_key=KEY, batch_seconds=0.0)
    job = _client(emulator).submit_batch([_request(0)])
    collector = Collector(job.status(), 1)
    with pytest.raises(StreamError, match="result file line"):
        collector.feed(b'{"custom_id": "0", "response": \n')


async def test_a_row_of_a_missing_model_carries_the_live_calls_hint(sync: bool) -> None:
    # The error line says "Model not exist." without the id: the job knows its batches' models.
    emulator = Emulator(api_key=KEY, batch_seconds=0.0)
    requests = [_request(0, "qwen-plsu"), _request(1), _request(2, "qwen-plsu")]
    job = await _submit(_client(emulator), sync, requests)
    failed, answered, again = await _run(job, sync, "results")
    assert isinstance(failed, ModelNotFoundError) and isinstance(again, ModelNotFoundError)
    assert failed.hint == "model 'qwen-plsu' does not exist; did you mean 'qwen-plus'?"
    assert failed.hint in str(failed) and failed.message == "Model not exist."
    assert isinstance(answered, GenerationResult) and answered.text.endswith("You said: q1")
    # attached by id in a new client, the job does not know its models: the service's words
    attached = _client(emulator).batch(job.id)
    (row, _, _) = await _run(attached, sync, "results")
    assert isinstance(row, ModelNotFoundError) and row.hint is None
