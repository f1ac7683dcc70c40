"""Batch rows with documents and local files are sent the way a live call sends them.

``submit_batch`` checks every row as a live call does (documents: the model reads them, types,
sizes), then uploads each distinct document once (purpose ``file-extract``, remembered like a
live call's uploads) before the batch is created, and the rows name them as ``fileid://``
system messages; local media goes inline as ``data:`` URIs (the temporary storage's ``oss://``
files need a header a batch line cannot carry, and last 48 hours). Against the loopback
emulator, which answers qwen-long rows from the uploaded document and counts uploads.
"""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from dashscope_models import (
    DashScopeClient,
    GenerationRequest,
    GenerationResult,
    Message,
    RequestValidationError,
)
from dashscope_models._attachments import INLINE_LIMIT
from dashscope_models._uploads import forget_uploads
from dashscope_models.emulator import Emulator

ROOT = Path(__file__).resolve().parent.parent.parent
_spec = importlib.util.spec_from_file_location("_pdf", ROOT / "examples" / "_pdf.py")
assert _spec is not None and _spec.loader is not None
_pdf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_pdf)
FALCON = _pdf.tiny_pdf(["Project Falcon launches on May 4.", "Its budget is 12,000 EUR."])
HERON = _pdf.tiny_pdf(["Project Heron launches on June 9.", "Its budget is 7,000 EUR."])
PNG = (ROOT / "tests" / "data" / "red-square.png").read_bytes()


@pytest.fixture(autouse=True)
def fresh_uploads() -> None:
    forget_uploads()


def ask(pdf: bytes, question: str) -> GenerationRequest:
    uri = "data:application/pdf;base64," + base64.b64encode(pdf).decode()
    parts = [{"document": uri, "filename": "plan.pdf"}, {"text": question}]
    return GenerationRequest(model="qwen-long", messages=[Message("user", parts)])


def input_rows(emulator: Emulator) -> list[dict[str, Any]]:
    files = emulator.batches.files.files.values()
    (batch_input,) = [f for f in files if f.purpose == "batch"]
    return [json.loads(line) for line in batch_input.data.splitlines()]


async def test_documents_are_uploaded_once_and_named_by_file_id(
    emulator: Emulator, sync: bool
) -> None:
    client = DashScopeClient()
    requests = [
        ask(FALCON, "What is the budget?"),
        ask(FALCON, "When does it launch?"),
        ask(HERON, "What is the budget?"),
    ]
    job = client.submit_batch(requests) if sync else await client.asubmit_batch(requests)
    documents = {f.id: f for f in emulator.batches.files.files.values()
                 if f.purpose == "file-extract"}  # fmt: skip
    assert len(documents) == 2 and emulator.uploads.received == 3  # 2 documents, 1 input file
    rows = input_rows(emulator)
    references = [row["body"]["messages"][0] for row in rows]
    assert [r["role"] for r in references] == ["system"] * 3
    assert references[0] == references[1] != references[2]
    assert {r["content"].removeprefix("fileid://") for r in references} == set(documents)
    results = job.results() if sync else await job.aresults()
    assert all(isinstance(r, GenerationResult) for r in results), results
    assert "12,000 EUR" in results[0].text and "May 4" in results[1].text
    assert "7,000 EUR" in results[2].text
    # The same document in a later batch (or a live call) is not uploaded again.
    job = client.submit_batch(requests[:1]) if sync else await client.asubmit_batch(requests[:1])
    assert emulator.uploads.received == 4  # its input file only


def test_a_large_local_image_goes_inline(emulator: Emulator, tmp_path: Path) -> None:
    image = tmp_path / "big.png"
    image.write_bytes(PNG + b"\0" * (INLINE_LIMIT + 1))
    parts = [{"image": image.as_uri()}, {"text": "What is it?"}]
    request = GenerationRequest(model="qwen-vl-plus", messages=[Message("user", parts)])
    DashScopeClient().submit_batch([request])
    (row,) = input_rows(emulator)
    url = row["body"]["messages"][0]["content"][0]["image_url"]["url"]
    assert url == "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()
    assert emulator.storage.uploads == 0 and emulator.requests == []  # no policy, no oss://
    assert emulator.uploads.received == 1  # the input file


@pytest.mark.parametrize("case", ["text-only model", "past the line limit"])
def test_a_row_that_cannot_go_is_refused_naming_it_before_anything_is_sent(
    emulator: Emulator, tmp_path: Path, case: str
) -> None:
    requests = [ask(FALCON, "What is the budget?")] * 2
    if case == "text-only model":
        doc = "data:application/pdf;base64," + base64.b64encode(HERON).decode()
        parts = [{"document": doc}, {"text": "Budget?"}]
        requests.append(GenerationRequest(model="qwen-plus", messages=[Message("user", parts)]))
        code = "DocumentsUnsupported"
    else:
        image = tmp_path / "large.png"
        image.write_bytes(PNG + b"\0" * (5 * 1024 * 1024))  # inline: over 6 MB of base64
        parts = [{"image": image.as_uri()}, {"text": "What is it?"}]
        requests.append(GenerationRequest(model="qwen-vl-plus", messages=[Message("user", parts)]))
        code = "InvalidBatchRequest"
    with pytest.raises(RequestValidationError) as info:
        DashScopeClient().submit_batch(requests)
    assert info.value.code == code and info.value.index == 2  # type: ignore[attr-defined]
    assert info.value.message.startswith("request 2:")
    assert emulator.uploads.received == 0 and emulator.requests == []
    assert emulator.batches.batches == {} and emulator.batches.files.files == {}
