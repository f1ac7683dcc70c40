"""Each new file is uploaded once even when several calls send it at the same moment.

Against the loopback emulator, which counts upload requests (``emulator.uploads.received``)
and can slow or refuse them: the first upload of a new PDF (qwen-long, the Files API) or a large
local image (qwen-vl-plus, the temporary storage) is made by one call while the others, threads
or asyncio tasks, wait for it and reuse its file id or ``oss://`` URL. A failed upload is the
error of everyone waiting on it and is not remembered: the next call uploads again. A waiter
whose maker is cancelled makes the upload itself.
"""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dashscope_models import DashScopeClient, GenerationRequest, Message
from dashscope_models._attachments import INLINE_LIMIT
from dashscope_models._errors import DashScopeError
from dashscope_models._uploads import forget_uploads
from dashscope_models.emulator import Emulator, Fault

ROOT = Path(__file__).resolve().parent.parent.parent
_spec = importlib.util.spec_from_file_location("_pdf", ROOT / "examples" / "_pdf.py")
assert _spec is not None and _spec.loader is not None
_pdf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_pdf)
PNG = (ROOT / "tests" / "data" / "red-square.png").read_bytes()
N = 8
SLOW = 0.4  # seconds the first upload takes: every other call arrives while it is under way
FAILING = 1.0  # seconds a failing first upload takes (a call arriving after it would retry)


@pytest.fixture(autouse=True)
def fresh_uploads() -> None:
    forget_uploads()


def pdf_request(text: str = "Its budget is 12,000 EUR.") -> GenerationRequest:
    data = base64.b64encode(_pdf.tiny_pdf(["Project Falcon.", text])).decode()
    parts = [{"document": f"data:application/pdf;base64,{data}"}, {"text": "What is the budget?"}]
    return GenerationRequest(model="qwen-long", messages=[Message("user", parts)])


def image_request(path: Path) -> GenerationRequest:
    parts = [{"image": path.as_uri()}, {"text": "What is it?"}]
    return GenerationRequest(model="qwen-vl-plus", messages=[Message("user", parts)])


def big_image(tmp_path: Path) -> Path:
    path = tmp_path / "big.png"
    path.write_bytes(PNG + b"\0" * (INLINE_LIMIT + 1))
    return path


def in_threads(call: Callable[[], Any], n: int = N) -> list[Any]:
    """``call()`` in ``n`` threads released together; each one's result or exception."""
    start = threading.Barrier(n)
    out: list[Any] = [None] * n

    def run(i: int) -> None:
        start.wait()
        try:
            out[i] = call()
        except Exception as exc:  # collected for the test to look at
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return out


async def until_uploading(emulator: Emulator) -> None:
    """Until the emulator has the first upload (answered ``SLOW`` seconds later)."""
    for _ in range(500):
        if emulator.uploads.received:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no upload arrived")


def sent_parts(emulator: Emulator) -> list[Any]:
    return [
        r.body["input"]["messages"][0]["content"]
        for r in emulator.requests
        if r.path.endswith("/generation")
    ]


def test_threads_upload_a_new_pdf_once(emulator: Emulator) -> None:
    emulator.uploads.queue(Fault.slow(first_byte_delay=SLOW))
    client = DashScopeClient()
    results = in_threads(lambda: client.generate(pdf_request()))
    assert all("12,000 EUR" in r.text for r in results), results
    assert emulator.uploads.received == 1
    (file_id,) = emulator.batches.files.files
    assert sent_parts(emulator) == [f"fileid://{file_id}"] * N


async def test_tasks_upload_a_new_pdf_once(emulator: Emulator) -> None:
    emulator.uploads.queue(Fault.slow(first_byte_delay=SLOW))
    client = DashScopeClient()
    results = await asyncio.gather(*(client.agenerate(pdf_request()) for _ in range(N)))
    assert all("12,000 EUR" in r.text for r in results)
    assert emulator.uploads.received == 1
    (file_id,) = emulator.batches.files.files
    assert sent_parts(emulator) == [f"fileid://{file_id}"] * N


async def test_threads_and_tasks_of_other_loops_share_one_upload(emulator: Emulator) -> None:
    emulator.uploads.queue(Fault.slow(first_byte_delay=SLOW))

    def call(i: int) -> Any:  # half the threads call sync, half run a loop of their own
        client = DashScopeClient()  # another client of the same account
        if i % 2:
            return client.generate(pdf_request())
        return asyncio.run(client.agenerate(pdf_request()))

    index = iter(range(N))
    lock = threading.Lock()

    def next_call() -> Any:
        with lock:
            i = next(index)
        return call(i)

    results = await asyncio.to_thread(in_threads, next_call)
    assert all("12,000 EUR" in r.text for r in results), results
    assert emulator.uploads.received == 1


def test_threads_upload_a_large_image_once(emulator: Emulator, tmp_path: Path) -> None:
    emulator.uploads.queue(Fault.slow(first_byte_delay=SLOW))
    client = DashScopeClient()
    request = image_request(big_image(tmp_path))
    results = in_threads(lambda: client.generate(request))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert emulator.uploads.received == emulator.storage.uploads == 1
    policies = [r for r in emulator.requests if r.path.startswith("/api/v1/uploads")]
    assert len(policies) == 1  # the policy, too, is fetched once
    urls = {parts[0]["image"] for parts in sent_parts(emulator)}
    assert len(urls) == 1 and next(iter(urls)).startswith("oss://")


async def test_tasks_upload_a_large_image_once(emulator: Emulator, tmp_path: Path) -> None:
    emulator.uploads.queue(Fault.slow(first_byte_delay=SLOW))
    client = DashScopeClient()
    request = image_request(big_image(tmp_path))
    await asyncio.gather(*(client.agenerate(request) for _ in range(N)))
    assert emulator.uploads.received == emulator.storage.uploads == 1
    assert len({parts[0]["image"] for parts in sent_parts(emulator)}) == 1


async def test_a_failed_upload_fails_its_waiters_and_is_not_remembered(
    emulator: Emulator, sync: bool
) -> None:
    failing = replace(Fault.server_error(), first_byte_delay=FAILING)
    emulator.uploads.queue(failing)
    client = DashScopeClient(max_retries=0)
    if sync:
        results = in_threads(lambda: client.generate(pdf_request()))
    else:
        calls = (client.agenerate(pdf_request()) for _ in range(N))
        results = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(r, DashScopeError) and r.status_code == 500 for r in results), results
    assert emulator.uploads.received == 1  # the waiters did not upload it again
    assert emulator.batches.files.files == {}
    assert sent_parts(emulator) == []
    # Nothing was remembered: the next call uploads it, and is answered.
    result = client.generate(pdf_request()) if sync else await client.agenerate(pdf_request())
    assert "12,000 EUR" in result.text
    assert emulator.uploads.received == 2 and len(emulator.batches.files.files) == 1


async def test_a_failed_image_upload_is_not_remembered(emulator: Emulator, tmp_path: Path) -> None:
    emulator.uploads.queue(replace(Fault.server_error(), first_byte_delay=FAILING))
    client = DashScopeClient(max_retries=0)
    request = image_request(big_image(tmp_path))
    results = await asyncio.gather(
        *(client.agenerate(request) for _ in range(N)), return_exceptions=True
    )
    assert all(isinstance(r, DashScopeError) and r.status_code == 500 for r in results), results
    assert emulator.uploads.received == 1 and emulator.storage.uploads == 0
    await client.agenerate(request)
    assert emulator.uploads.received == 2 and emulator.storage.uploads == 1


async def test_a_cancelled_maker_leaves_the_upload_to_a_waiter(emulator: Emulator) -> None:
    emulator.uploads.queue(Fault.slow(first_byte_delay=SLOW))
    client = DashScopeClient()
    maker = asyncio.ensure_future(client.agenerate(pdf_request()))
    await until_uploading(emulator)
    waiter = asyncio.ensure_future(client.agenerate(pdf_request()))
    await asyncio.sleep(SLOW / 4)
    maker.cancel()
    result = await waiter
    assert "12,000 EUR" in result.text
    assert emulator.uploads.received == 2  # the waiter made it again
    with pytest.raises(asyncio.CancelledError):
        await maker


async def test_a_sync_call_inside_a_running_loop_does_not_wait(emulator: Emulator) -> None:
    # A sync call blocking the loop that runs the upload it would wait for: it uploads itself.
    emulator.uploads.queue(Fault.slow(first_byte_delay=SLOW))
    client = DashScopeClient()
    maker = asyncio.ensure_future(client.agenerate(pdf_request()))
    await until_uploading(emulator)
    assert "12,000 EUR" in client.generate(pdf_request()).text
    assert "12,000 EUR" in (await maker).text
    assert emulator.uploads.received == 2
