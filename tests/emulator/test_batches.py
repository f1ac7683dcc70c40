"""The emulator's Files and Batches API: the official ``openai`` SDK against its HTTP server, and
its answers side by side with the recorded exchanges (``tests/data/recorded/*-compatible-*``)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from dashscope_models.emulator import EmulatorServer, start_emulator

KEY = "sk-batch-sdk"
# Copies of /work/shared/recorded/*-compatible-nosse (the Batch service), kept apart from the
# generation exchanges that other tests replay one by one.
RECORDED = Path(__file__).parent.parent / "data" / "recorded-batch"
ROWS = [
    {"custom_id": str(i), "method": "POST", "url": "/v1/chat/completions",
     "body": {"model": "qwen-flash", "messages": [{"role": "user", "content": f"Hello {i}"}]}}
    for i in (1, 2)
]  # fmt: skip


def recorded(name: str) -> Any:
    text = (RECORDED / f"{name}.response.body.txt").read_text("utf-8").lstrip("\ufeff")
    return [json.loads(line) for line in text.splitlines()] if "content" in name else json.loads(text)  # fmt: skip


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with start_emulator(api_key=KEY, batch_seconds=0.6) as running:
        yield running


@pytest.fixture
def sdk(server: EmulatorServer) -> Iterator[openai.OpenAI]:
    root = server.base_url.removesuffix("/api/v1") + "/compatible-mode/v1"
    with openai.OpenAI(api_key=KEY, base_url=root, max_retries=0) as client:
        yield client


def _poll(sdk: openai.OpenAI, batch_id: str) -> list[Any]:
    seen = [sdk.batches.retrieve(batch_id)]
    while seen[-1].status not in ("completed", "failed", "cancelled", "expired"):
        time.sleep(0.02)
        seen.append(sdk.batches.retrieve(batch_id))
    return seen


def test_openai_sdk_upload_create_poll_download(sdk: openai.OpenAI) -> None:
    uploaded = sdk.files.create(file=("input.jsonl", jsonl(ROWS)), purpose="batch")
    assert uploaded.id.startswith("file-batch-") and uploaded.bytes == len(jsonl(ROWS))
    assert sdk.files.retrieve(uploaded.id).filename == "input.jsonl"
    batch = sdk.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"ds_name": "测试任务", "ds_description": "任务描述"},
    )
    assert batch.status == "validating" and batch.request_counts.total == 0  # type: ignore[union-attr]
    states = [b.status for b in _poll(sdk, batch.id)]
    assert states[0] == "validating" and states[-1] == "completed" and "in_progress" in states
    done = sdk.batches.retrieve(batch.id)
    assert done.request_counts.completed == 2 and done.error_file_id is None  # type: ignore[union-attr]
    assert done.metadata == {"ds_name": "测试任务", "ds_description": "任务描述"}
    lines = [json.loads(x) for x in sdk.files.content(done.output_file_id).text.splitlines()]  # type: ignore[arg-type]
    assert [x["custom_id"] for x in lines] == ["1", "2"]
    assert lines[0]["response"]["body"]["choices"][0]["message"]["content"] == "[qwen-flash] You said: Hello 1"  # fmt: skip
    listed = sdk.batches.list(extra_query={"input_file_ids": uploaded.id})
    assert [b.id for b in listed.data] == [batch.id]
    assert sdk.files.delete(uploaded.id).deleted is True
    with pytest.raises(openai.NotFoundError):
        sdk.files.retrieve(uploaded.id)
    with pytest.raises(openai.NotFoundError):
        sdk.batches.retrieve("batch_unknown")


def test_openai_sdk_cancel(server: EmulatorServer, sdk: openai.OpenAI) -> None:
    server.emulator.batches.batch_seconds = 30.0
    uploaded = sdk.files.create(file=("in.jsonl", jsonl(ROWS)), purpose="batch")
    batch = sdk.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h")  # fmt: skip
    assert sdk.batches.cancel(batch.id).status == "cancelling"
    cancelled = sdk.batches.retrieve(batch.id)
    assert cancelled.status == "cancelled" and cancelled.output_file_id is None
    assert cancelled.request_counts.failed == 2 and cancelled.error_file_id  # type: ignore[union-attr]
    assert cancelled.cancelled_at and cancelled.cancelling_at


def test_batch_objects_have_the_recorded_shape(sdk: openai.OpenAI) -> None:
    http = sdk._client  # the SDK's own httpx client: raw bodies, no model layer
    headers = {"Authorization": f"Bearer {KEY}"}
    root = str(sdk.base_url).rstrip("/")
    uploaded = http.post(f"{root}/files", headers=headers, files={"file": ("a.jsonl", jsonl(ROWS))}, data={"purpose": "batch"}).json()  # fmt: skip
    assert list(uploaded) == list(recorded("upload-file-compatible-nosse"))
    assert list(http.get(f"{root}/files/{uploaded['id']}", headers=headers).json()) == list(recorded("get-file-compatible-nosse"))  # fmt: skip
    listing = http.get(f"{root}/files?limit=3&purpose=batch", headers=headers).json()
    assert list(listing) == list(recorded("list-files-compatible-nosse"))
    assert http.get(f"{root}/batches?limit=2&input_file_ids=hello", headers=headers).json() == recorded("list-batches-empty-compatible-nosse")  # fmt: skip
    body = {"input_file_id": uploaded["id"], "endpoint": "/v1/chat/completions", "completion_window": "24h",
            "metadata": {"ds_name": "测试任务", "ds_description": "任务描述"}}  # fmt: skip
    created = http.post(f"{root}/batches", headers=headers, json=body).json()
    expected = recorded("create-batch-compatible-nosse")
    assert list(created) == list(expected)
    same = ("object", "errors", "status", "output_file_id", "error_file_id", "in_progress_at", "completed_at", "request_counts")  # fmt: skip
    assert {k: created[k] for k in same} == {k: expected[k] for k in same}
    while created["status"] != "completed":
        time.sleep(0.02)
        created = http.get(f"{root}/batches/{created['id']}", headers=headers).json()
    completed = recorded("get-completed-batch-compatible-nosse")
    assert list(created) == list(completed)
    nulls = [k for k, v in completed.items() if v is None]
    assert [k for k, v in created.items() if v is None] == nulls
    listed = http.get(f"{root}/batches?input_file_ids={uploaded['id']}", headers=headers).json()
    assert list(listed) == list(recorded("list-batches-filter-by-input-file-id-compatible-nosse"))
    lines = [json.loads(x) for x in http.get(f"{root}/files/{created['output_file_id']}/content", headers=headers).text.splitlines()]  # fmt: skip
    real = recorded("get-file-content-compatible-nosse")
    assert [list(x) for x in lines] == [list(x) for x in real]
    assert list(lines[0]["response"]) == list(real[0]["response"])
    assert list(lines[0]["response"]["body"]) == list(real[0]["response"]["body"])
    assert list(lines[0]["response"]["body"]["usage"]) == list(real[0]["response"]["body"]["usage"])
    assert list(lines[0]["response"]["body"]["choices"][0]) == list(real[0]["response"]["body"]["choices"][0])  # fmt: skip
    deleted = http.delete(f"{root}/files/{uploaded['id']}", headers=headers).json()
    assert (
        list(deleted) == list(recorded("delete-file-compatible-nosse"))
        and deleted["deleted"] is True
    )


def test_an_invalid_file_fails_with_errors_as_recorded(sdk: openai.OpenAI) -> None:
    bad = [{**ROWS[0], "url": "/v1/chat/completion"}]  # the recorded mistake
    uploaded = sdk.files.create(file=("bad.jsonl", jsonl(bad)), purpose="batch")
    batch = sdk.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h")  # fmt: skip
    final = _poll(sdk, batch.id)[-1].model_dump()
    expected = recorded("get-invalid-batch-compatible-nosse")
    assert final["status"] == "failed" and final["failed_at"]
    assert final["errors"] == expected["errors"]
    assert final["request_counts"] == expected["request_counts"]
    assert final["in_progress_at"] is None and final["output_file_id"] is None


def test_wrong_key_and_command_line_flag() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashscope_models.emulator", "--api-key", KEY, "--batch-seconds", "0"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        root = proc.stdout.readline().strip().removesuffix("/api/v1") + "/compatible-mode/v1"
        wrong = httpx.get(f"{root}/batches", headers={"Authorization": "Bearer sk-wrong"})
        assert wrong.status_code == 401
        with openai.OpenAI(api_key=KEY, base_url=root, max_retries=0) as sdk:
            uploaded = sdk.files.create(file=("in.jsonl", jsonl(ROWS)), purpose="batch")
            batch = sdk.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h")  # fmt: skip
            assert sdk.batches.retrieve(batch.id).status == "completed"  # no time at all
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_file_the_docs_refuse_fails_every_rule_at_its_line(sdk: openai.OpenAI) -> None:
    rows = [ROWS[0], {**ROWS[1], "custom_id": "1"}, {**ROWS[1], "custom_id": "3", "body": {**ROWS[1]["body"], "model": "qwen-plus"}}]  # fmt: skip
    uploaded = sdk.files.create(file=("bad.jsonl", jsonl(rows) + b"not json\n"), purpose="batch")
    batch = sdk.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h")  # fmt: skip
    errors = _poll(sdk, batch.id)[-1].model_dump()["errors"]["data"]
    assert [(e["code"], e["line"]) for e in errors] == [
        ("duplicate_custom_id", 2), ("invalid_json_line", 4), ("mismatched_model", 0)
    ]  # fmt: skip
