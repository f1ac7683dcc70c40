"""An explicit-cache marker on a document is carried to the part that replaces it, or removed
with the package's CacheNotSupportedWarning: never lost silently.

A LlamaIndex ``CachePoint`` after a ``DocumentBlock``, or ``cache_control`` on a LangChain file
block, marks the document. For qwen-long the document becomes a ``fileid://`` system message:
it gets the marker as a text part, and since qwen-long has no explicit cache (the catalog's
``explicit_cache`` table) the marker is removed with one warning per model, as every marker on
such a model is. An uncatalogued id keeps it there (the service judges). A ``doc_url`` part
(qwen-doc-turbo) takes no marker: it is removed with the same warning class.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from llama_index.core.base.llms.types import (
    CacheControl,
    CachePoint,
    ChatMessage,
    DocumentBlock,
    TextBlock,
)

from dashscope_models import CacheNotSupportedWarning
from dashscope_models import _cache as cache_module
from dashscope_models._uploads import forget_uploads
from dashscope_models.emulator import Emulator
from langchain_dashscope_models import ChatDashScope
from llamaindex_dashscope_models import DashScope

ROOT = Path(__file__).resolve().parent.parent.parent
_spec = importlib.util.spec_from_file_location("_pdf", ROOT / "examples" / "_pdf.py")
assert _spec is not None and _spec.loader is not None
_pdf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_pdf)
PDF = _pdf.tiny_pdf(["Project Falcon launches on May 4.", "Its budget is 12,000 EUR."])
EPHEMERAL = {"type": "ephemeral"}


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    forget_uploads()
    monkeypatch.setattr(cache_module, "_warned", set())  # each test sees its own first warning


def sent(emulator: Emulator) -> list[Any]:
    generations = [r for r in emulator.requests if r.path.endswith("/generation")]
    return list(generations[-1].body["input"]["messages"])


def marked_document() -> list[ChatMessage]:
    blocks = [
        DocumentBlock(data=PDF, title="falcon.pdf"),
        CachePoint(cache_control=CacheControl(type="ephemeral")),
        TextBlock(text="What is the budget?"),
    ]
    return [ChatMessage(role="user", blocks=blocks)]


def test_llamaindex_marked_document_to_qwen_long_warns(emulator: Emulator) -> None:
    llm = DashScope(model="qwen-long")
    with pytest.warns(CacheNotSupportedWarning, match="qwen-long"):
        answer = llm.chat(marked_document())
    (file_id,) = emulator.batches.files.files
    assert sent(emulator) == [
        {"role": "system", "content": f"fileid://{file_id}"},
        {"role": "user", "content": "What is the budget?"},
    ]
    assert "12,000 EUR" in str(answer.message.content)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per model
        llm.chat(marked_document())


def test_langchain_marked_file_block_to_qwen_long_warns(emulator: Emulator) -> None:
    import base64

    block = {"type": "file", "base64": base64.b64encode(PDF).decode(),
             "mime_type": "application/pdf", "cache_control": EPHEMERAL}  # fmt: skip
    with pytest.warns(CacheNotSupportedWarning, match="qwen-long"):
        ChatDashScope(model="qwen-long").invoke([HumanMessage([block, "What is the budget?"])])
    (file_id,) = emulator.batches.files.files
    assert sent(emulator)[0] == {"role": "system", "content": f"fileid://{file_id}"}


def test_an_uncatalogued_id_gets_the_marker_on_the_file_reference(emulator: Emulator) -> None:
    emulator.add_model("qwen-long-next")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the service judges the marker: no warning
        answer = DashScope(model="qwen-long-next").chat(marked_document())
    (file_id,) = emulator.batches.files.files
    assert sent(emulator)[0] == {
        "role": "system",
        "content": [{"text": f"fileid://{file_id}", "cache_control": EPHEMERAL}],
    }
    assert "12,000 EUR" in str(answer.message.content)


def test_a_marked_document_url_warns_and_the_doc_url_part_has_no_marker(
    emulator: Emulator,
) -> None:
    url = "https://example.com/manual.docx"
    block = {"type": "file", "url": url, "cache_control": EPHEMERAL}
    with pytest.warns(CacheNotSupportedWarning, match="document URL"):
        ChatDashScope(model="qwen-doc-turbo").invoke([HumanMessage([block, "Prices?"])])
    assert sent(emulator)[0]["content"][0] == {
        "type": "doc_url",
        "doc_url": [url],
        "file_parsing_strategy": "auto",
    }
