"""dashscope_models._attachments: the checks made and the request written, with no I/O."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from dashscope_models import GenerationRequest, Message, RequestValidationError
from dashscope_models._attachments import INLINE_LIMIT, MAX_DOC_URLS, plan

PDF = b"%PDF-1.4 tiny"
PDF_URI = "data:application/pdf;base64," + base64.b64encode(PDF).decode()


def request(model: str, *parts: dict[str, object], text: str = "Question?") -> GenerationRequest:
    return GenerationRequest(model=model, messages=[Message("user", [*parts, {"text": text}])])


def test_nothing_to_do_is_none() -> None:
    assert plan(request("qwen-plus", {"image": "https://x/a.png"})) is None
    assert plan(GenerationRequest(model="qwen-plus", prompt="hi")) is None


def test_documents_become_one_system_reference_before_their_message() -> None:
    todo = plan(request("qwen-long", {"document": PDF_URI, "filename": "a.pdf"},
                        {"document": PDF_URI}, {"document": "fileid://file-fe-given"}))  # fmt: skip
    assert todo is not None
    assert [d.name for d in todo.documents] == ["a.pdf"]  # the same content once
    sent = todo.apply({todo.documents[0].digest: "file-fe-1"}, {})
    assert sent.messages is not None
    assert [(m.role, m.content) for m in sent.messages] == [
        ("system", "fileid://file-fe-1,fileid://file-fe-given"),
        ("user", "Question?"),
    ]


def test_a_message_of_documents_only_is_replaced_by_the_reference() -> None:
    req = GenerationRequest(model="qwen-long", messages=[
        Message("system", "You are a helpful assistant."),
        Message("user", [{"document": "fileid://f1"}]),
        Message("user", "Summarize it."),
    ])  # fmt: skip
    todo = plan(req)
    assert todo is not None
    sent = todo.apply({}, {})
    assert sent.messages is not None
    assert [m.content for m in sent.messages] == [
        "You are a helpful assistant.",
        "fileid://f1",
        "Summarize it.",
    ]


def test_urls_to_qwen_doc_turbo_are_one_doc_url_part() -> None:
    todo = plan(request("qwen-doc-turbo", {"document": "https://x/a.docx"},
                        {"document": "https://x/b.pdf", "file_parsing_strategy": "text_only"}))  # fmt: skip
    assert todo is not None and not todo.documents
    sent = todo.apply({}, {})
    assert sent.messages is not None
    assert sent.messages[0].content == [
        {"type": "doc_url", "doc_url": ["https://x/a.docx", "https://x/b.pdf"],
         "file_parsing_strategy": "text_only"},
        {"type": "text", "text": "Question?"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("model", "part", "code"),
    [
        ("qwen-plus", {"document": PDF_URI}, "DocumentsUnsupported"),
        ("qwen-long", {"document": "https://x/a.pdf"}, "UnsupportedContent"),
        ("qwen-long", {"document": "data:application/zip;base64,UEsDBA=="}, "UnsupportedFileType"),
        ("qwen-long", {"document": "data:application/pdf,notbase64"}, "BadDataUri"),
        ("qwen-long", {"document": "file:///no/such/file.pdf"}, "FileNotFound"),
        ("qwen-vl-plus", {"image": "data:image/gif;base64,R0lGOD=="}, "UnsupportedFileType"),
    ],
)
def test_refusals(model: str, part: dict[str, object], code: str) -> None:
    with pytest.raises(RequestValidationError) as info:
        plan(request(model, part))
    assert info.value.code == code


def test_too_many_files_for_qwen_doc_turbo() -> None:
    urls = [{"document": f"https://x/{i}.pdf"} for i in range(MAX_DOC_URLS + 1)]
    with pytest.raises(RequestValidationError, match="at most 10") as info:
        plan(request("qwen-doc-turbo", *urls))
    assert info.value.code == "TooManyFiles"
    two = [{"document": PDF_URI}, {"document": "data:text/plain;base64,aGk="}]
    with pytest.raises(RequestValidationError, match="one by file id"):
        plan(request("qwen-doc-turbo", *two))


def test_small_media_inline_large_media_uploaded(tmp_path: Path) -> None:
    small, large = tmp_path / "s.png", tmp_path / "l.png"
    small.write_bytes(b"\x89PNG small")
    large.write_bytes(b"\x89PNG" + b"\0" * INLINE_LIMIT)
    todo = plan(request("qwen-vl-plus", {"image": small.as_uri()}, {"image": large.as_uri()},
                        {"video": [small.as_uri(), "https://x/f.jpg"]}))  # fmt: skip
    assert todo is not None
    assert [m.name for m in todo.media] == ["l.png"]
    sent = todo.apply({}, {todo.media[0].digest: "oss://dir/l.png"})
    assert sent.messages is not None
    inline = "data:image/png;base64," + base64.b64encode(small.read_bytes()).decode()
    assert sent.messages[0].content == [
        {"image": inline}, {"image": "oss://dir/l.png"},
        {"video": [inline, "https://x/f.jpg"]}, {"text": "Question?"},
    ]  # fmt: skip


def test_base64_above_the_limit_is_uploaded() -> None:
    data = b"\x89PNG" + b"\0" * INLINE_LIMIT
    uri = "data:image/png;base64," + base64.b64encode(data).decode()
    todo = plan(request("qwen-vl-plus", {"image": uri}))
    assert todo is not None
    (media,) = todo.media
    assert (media.size, media.mime, media.read()) == (len(data), "image/png", data)
