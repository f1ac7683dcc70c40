"""Documents and local files over HTTP against the emulator, through both frameworks.

A PDF ``file`` block (LangChain) or ``DocumentBlock`` (LlamaIndex) sent to qwen-long is
uploaded once (purpose file-extract) and referenced as ``fileid://`` in a system message; the
next turn, whose history holds the same block, uploads nothing; the answer quotes the PDF. A
document URL to qwen-doc-turbo is a ``doc_url`` part. A local image above the inline limit goes
through the temporary storage (the recorded policy and upload shapes) as ``oss://`` with the
resolve header; a small one goes inline. Bad input is refused with nothing sent at all.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from llama_index.core.base.llms.types import ChatMessage, DocumentBlock, ImageBlock, TextBlock

from dashscope_models import RequestValidationError
from dashscope_models._attachments import INLINE_LIMIT
from dashscope_models._uploads import forget_uploads
from dashscope_models.emulator import Emulator
from langchain_dashscope_models import ChatDashScope
from llamaindex_dashscope_models import DashScope

ROOT = Path(__file__).resolve().parent.parent.parent
RECORDED = ROOT / "tests" / "data" / "recorded-files"
_spec = importlib.util.spec_from_file_location("_pdf", ROOT / "examples" / "_pdf.py")
assert _spec is not None and _spec.loader is not None
_pdf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_pdf)
PDF = _pdf.tiny_pdf(["Project Falcon launches on May 4.", "Its budget is 12,000 EUR."])
PDF_B64 = base64.b64encode(PDF).decode()
PNG = (ROOT / "tests" / "data" / "red-square.png").read_bytes()


@pytest.fixture(autouse=True)
def fresh_uploads() -> None:
    forget_uploads()  # the emulator forgets its files between tests: so does the client


def generations(emulator: Emulator) -> list[Any]:
    return [r for r in emulator.requests if r.path.endswith("/generation")]


def uploads(emulator: Emulator) -> int:
    return len(emulator.batches.files.files)


def file_block() -> dict[str, Any]:
    return {"type": "file", "base64": PDF_B64, "mime_type": "application/pdf"}


def assert_file_reference(emulator: Emulator) -> None:
    sent = generations(emulator)[-1].body["input"]["messages"]
    (file_id,) = emulator.batches.files.files
    assert sent[0] == {"role": "system", "content": f"fileid://{file_id}"}
    assert emulator.batches.files.files[file_id].purpose == "file-extract"


async def test_langchain_pdf_to_qwen_long_uploads_once(emulator: Emulator, sync: bool) -> None:
    llm = ChatDashScope(model="qwen-long")
    first = [HumanMessage([file_block(), {"type": "text", "text": "What is the budget?"}])]
    answer = llm.invoke(first) if sync else await llm.ainvoke(first)
    assert uploads(emulator) == 1
    assert_file_reference(emulator)
    assert "Its budget is 12,000 EUR." in answer.content
    second = [*first, AIMessage(answer.content), HumanMessage("When does Falcon launch?")]
    answer = llm.invoke(second) if sync else await llm.ainvoke(second)
    assert uploads(emulator) == 1  # the history's PDF: remembered, not uploaded again
    assert_file_reference(emulator)
    assert "Project Falcon launches on May 4." in answer.content
    assert len(generations(emulator)) == 2


def test_llamaindex_document_block_to_qwen_long_uploads_once(emulator: Emulator) -> None:
    llm = DashScope(model="qwen-long")
    doc = DocumentBlock(data=PDF, title="falcon.pdf")
    first = [ChatMessage(role="user", blocks=[doc, TextBlock(text="What is the budget?")])]
    answer = llm.chat(first)
    assert uploads(emulator) == 1
    assert_file_reference(emulator)
    assert 'According to falcon.pdf: "Its budget is 12,000 EUR."' in str(answer.message.content)
    second = [*first, answer.message, ChatMessage(role="user", content="When is the launch?")]
    answer = llm.chat(second)
    assert uploads(emulator) == 1
    assert "Project Falcon launches on May 4." in str(answer.message.content)


def test_document_url_to_qwen_doc_turbo_is_a_doc_url_part(emulator: Emulator) -> None:
    url = "https://example.com/manual.docx"
    block = {"type": "file", "url": url, "extras": {"file_parsing_strategy": "text_only"}}
    ChatDashScope(model="qwen-doc-turbo").invoke(
        [HumanMessage([{"type": "text", "text": "Extract the prices."}, block])]
    )
    assert generations(emulator)[-1].body["input"]["messages"] == [
        {"role": "user", "content": [
            {"type": "text", "text": "Extract the prices."},
            {"type": "doc_url", "doc_url": [url], "file_parsing_strategy": "text_only"},
        ]},
    ]  # fmt: skip
    assert uploads(emulator) == 0


def test_local_image_above_the_limit_goes_through_temporary_storage(
    emulator: Emulator, tmp_path: Path
) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(PNG + b"\0" * (INLINE_LIMIT + 1))
    small = tmp_path / "small.png"
    small.write_bytes(PNG)
    llm = ChatDashScope(model="qwen-vl-plus")
    for _ in range(2):  # the second time: the same file, not uploaded again
        llm.invoke([HumanMessage([{"type": "image", "url": big.as_uri()}, "What is it?"])])
    request = generations(emulator)[-1]
    part = request.body["input"]["messages"][0]["content"][0]
    assert part["image"].startswith("oss://dashscope-instant/")
    assert part["image"].endswith("-big.png")
    assert request.headers["x-dashscope-ossresourceresolve"] == "enable"
    assert emulator.storage.uploads == 1
    stored = emulator.storage.read(part["image"])
    assert stored == big.read_bytes()
    ChatDashScope(model="qwen-vl-plus").invoke(
        [HumanMessage([{"type": "image", "path": str(small)}, "What is it?"])]
    )
    request = generations(emulator)[-1]
    inline = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert request.body["input"]["messages"][0]["content"][0] == {"image": inline}
    assert "x-dashscope-ossresourceresolve" not in request.headers
    assert emulator.storage.uploads == 1


def test_llamaindex_image_path_above_the_limit(emulator: Emulator, tmp_path: Path) -> None:
    big = tmp_path / "photo.png"
    big.write_bytes(PNG + b"\0" * (INLINE_LIMIT + 1))
    DashScope(model="qwen-vl-plus").chat(
        [ChatMessage(role="user", blocks=[ImageBlock(path=big), TextBlock(text="What?")])]
    )
    request = generations(emulator)[-1]
    assert request.body["input"]["messages"][0]["content"][0]["image"].startswith("oss://")
    assert request.headers["x-dashscope-ossresourceresolve"] == "enable"


def test_the_recorded_policy_and_upload_shapes(emulator: Emulator, base_url: str) -> None:
    import httpx

    recorded = json.loads(
        (RECORDED / "get-upload-policy-nosse.response.body.txt").read_text("utf-8-sig")
    )
    answer = httpx.get(
        f"{base_url}/uploads",
        params={"action": "getPolicy", "model": "qwen-vl-plus"},
        headers={"Authorization": "Bearer sk-test-emulator-key"},
    ).json()
    assert list(answer) == list(recorded)
    assert list(answer["data"]) == list(recorded["data"])
    decoded = json.loads(base64.b64decode(answer["data"]["policy"]))
    want = json.loads(base64.b64decode(recorded["data"]["policy"]))
    assert list(decoded) == list(want) and len(decoded["conditions"]) == len(want["conditions"])
    # The form fields our upload sends are the recorded ones (and the official SDK's two more).
    body = (RECORDED / "upload-temporary-file-nosse.request.body.txt").read_text("utf-8-sig")
    names = [line.split("name=")[1] for line in body.splitlines() if "name=" in line]
    from dashscope_models._uploads import FormBody, _Account  # noqa: F401 (shape under test)

    assert names == ["OSSAccessKeyId", "policy", "Signature", "key", "x-oss-object-acl",
                     "x-oss-forbid-overwrite", "file"]  # fmt: skip


def test_official_sdk_uploads_a_local_image_to_the_emulator(
    emulator: Emulator, official_sdk: Any
) -> None:
    from dashscope import MultiModalConversation

    path = ROOT / "tests" / "data" / "red-square.png"
    response = MultiModalConversation.call(
        model="qwen-vl-plus",
        messages=[{"role": "user", "content": [{"image": path.as_uri()}, {"text": "What?"}]}],
        api_key="sk-test-emulator-key",
    )
    assert response.status_code == 200, response
    request = generations(emulator)[-1]
    assert request.body["input"]["messages"][0]["content"][0]["image"].startswith("oss://")
    assert emulator.storage.uploads == 1


def test_official_sdk_native_files(emulator: Emulator, official_sdk: Any, tmp_path: Path) -> None:
    from dashscope import Files

    doc = tmp_path / "notes.txt"
    doc.write_text("hello")
    uploaded = Files.upload(
        file_path=str(doc), purpose="file-extract", api_key="sk-test-emulator-key"
    )
    assert uploaded.status_code == 200, uploaded
    (entry,) = uploaded.output["uploaded_files"]
    assert entry["name"] == "notes.txt"
    got = Files.get(entry["file_id"], api_key="sk-test-emulator-key")
    assert got.output["size"] == 5 and got.output["purpose"] == "file-extract"
    listed = Files.list(api_key="sk-test-emulator-key")
    assert listed.output["total"] == 1
    assert Files.delete(entry["file_id"], api_key="sk-test-emulator-key").status_code == 200
    assert Files.list(api_key="sk-test-emulator-key").output["total"] == 0


def test_client_files_list_and_delete(emulator: Emulator) -> None:
    llm = ChatDashScope(model="qwen-long")
    llm.invoke([HumanMessage([file_block(), "Budget?"])])
    (listed,) = llm.client.files.list(purpose="file-extract")
    assert listed["purpose"] == "file-extract" and listed["bytes"] == len(PDF)
    llm.client.files.delete(listed["id"])
    assert llm.client.files.list() == []
    llm.invoke([HumanMessage([file_block(), "Budget?"])])  # forgotten: uploaded again
    assert uploads(emulator) == 1


@pytest.mark.parametrize("case", ["oversized", "unsupported type", "text-only model", "big image"])
def test_bad_input_sends_nothing(emulator: Emulator, tmp_path: Path, case: str) -> None:
    model, block = "qwen-long", file_block()
    if case == "oversized":
        huge = tmp_path / "huge.pdf"
        with huge.open("wb") as f:
            f.truncate(151 * 1024 * 1024)  # sparse: nothing is written or read
        block = {"type": "file", "url": huge.as_uri()}
    elif case == "unsupported type":
        block = {"type": "file", "base64": PDF_B64, "mime_type": "application/x-msdownload"}
    elif case == "text-only model":
        model = "qwen-plus"
    else:
        model = "qwen-vl-plus"
        image = tmp_path / "huge.png"
        with image.open("wb") as f:
            f.truncate(11 * 1024 * 1024)
        block = {"type": "image", "url": image.as_uri()}
    code = {"oversized": "FileTooLarge", "unsupported type": "UnsupportedFileType",
            "text-only model": "DocumentsUnsupported", "big image": "FileTooLarge"}[case]  # fmt: skip
    with pytest.raises(RequestValidationError) as info:
        ChatDashScope(model=model).invoke([HumanMessage([block, "Summarize it."])])
    assert info.value.code == code
    if case == "text-only model":
        assert "qwen-long" in str(info.value) and "qwen-doc-turbo" in str(info.value)
    assert emulator.requests == []
    assert uploads(emulator) == 0
    assert emulator.storage.uploads == 0 and not emulator.storage.policies


def test_document_to_text_only_model_in_llamaindex(emulator: Emulator) -> None:
    message = ChatMessage(role="user", blocks=[DocumentBlock(data=PDF), TextBlock(text="?")])
    with pytest.raises(RequestValidationError, match="reads no documents"):
        DashScope(model="qwen-plus").chat([message])
    assert emulator.requests == [] and uploads(emulator) == 0


def test_pdf_inputs_standard_test(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """langchain-tests' ``test_pdf_inputs`` for ChatDashScope(model="qwen-long")."""
    import httpx
    from langchain_tests.integration_tests import ChatModelIntegrationTests

    class QwenLongPdf(ChatModelIntegrationTests):
        @property
        def chat_model_class(self) -> type[ChatDashScope]:
            return ChatDashScope

        @property
        def chat_model_params(self) -> dict[str, Any]:
            return {"model": "qwen-long"}

        @property
        def supports_pdf_inputs(self) -> bool:
            return True

    # The test downloads a PDF from the internet: served locally instead.
    monkeypatch.setattr(httpx, "get", lambda *a, **k: httpx.Response(200, content=PDF))
    QwenLongPdf().test_pdf_inputs(ChatDashScope(model="qwen-long"))
    assert uploads(emulator) == 1  # the same PDF in both of its forms: uploaded once
    assert len(generations(emulator)) == 2
    for request in generations(emulator):
        assert request.body["input"]["messages"][0]["content"].startswith("fileid://")


def test_environment_is_untouched() -> None:
    assert "DASHSCOPE_BASE_URL" in os.environ  # the emulator's (conftest), used above


async def test_one_policy_per_model_reused_while_valid(
    emulator: Emulator, tmp_path: Path, sync: bool
) -> None:
    images = []
    for i in range(3):
        path = tmp_path / f"photo{i}.png"
        path.write_bytes(PNG + bytes([i]) * (INLINE_LIMIT + 1))
        images.append({"type": "image", "url": path.as_uri()})
    llm = ChatDashScope(model="qwen-vl-plus")
    question = [HumanMessage([*images[:2], "Compare them."])]
    if sync:  # streamed calls upload first too
        "".join(str(c.content) for c in llm.stream(question))
    else:
        "".join([str(c.content) async for c in llm.astream(question)])
    later = [HumanMessage([images[2], "And this one?"])]
    llm.invoke(later) if sync else await llm.ainvoke(later)
    assert emulator.storage.uploads == 3
    assert len(emulator.storage.policies) == 1  # fetched once for the model, then reused
    sent = generations(emulator)[0].body["input"]["messages"][0]["content"]
    assert [p["image"].startswith("oss://") for p in sent[:2]] == [True, True]


def test_local_audio_file_to_an_audio_model(emulator: Emulator, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp3"
    clip.write_bytes(b"ID3" + b"\0" * 100)
    ChatDashScope(model="qwen-audio-turbo").invoke(
        [HumanMessage([{"type": "audio", "path": str(clip)}, "Transcribe it."])]
    )
    part = generations(emulator)[-1].body["input"]["messages"][0]["content"][0]
    assert part == {
        "audio": "data:audio/mpeg;base64," + base64.b64encode(clip.read_bytes()).decode()
    }
