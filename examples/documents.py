"""Ask qwen-long about a local PDF, in LangChain and in LlamaIndex.

The PDF is written here (a one-page file, ``_pdf.tiny_pdf``). It is uploaded once (purpose
file-extract) and referenced by file id; the second question, whose history holds the same
PDF, uploads nothing. Run: ``python examples/documents.py`` (offline on the emulator without
DASHSCOPE_API_KEY; qwen-long is served in China (Beijing)).
"""

from __future__ import annotations

import base64
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _backend import dashscope_backend
from _pdf import tiny_pdf
from langchain_core.messages import AIMessage, HumanMessage
from llama_index.core.llms import ChatMessage, DocumentBlock, TextBlock

from langchain_dashscope_models import ChatDashScope
from llamaindex_dashscope_models import DashScope

LINES = [
    "Project Falcon: launch plan.",
    "The launch is on May 4, in Hangzhou.",
    "The budget is 12,000 EUR, approved by the board.",
]


def langchain(pdf: Path) -> None:
    llm = ChatDashScope(model="qwen-long")
    data = base64.b64encode(pdf.read_bytes()).decode()
    first = HumanMessage([
        {"type": "file", "base64": data, "mime_type": "application/pdf", "filename": pdf.name},
        {"type": "text", "text": "What is the budget?"},
    ])  # fmt: skip
    answer = llm.invoke([first])
    print("LangChain:", answer.content)
    history = [first, AIMessage(answer.content), HumanMessage("Where is the launch?")]
    print("LangChain, next turn:", llm.invoke(history).content)
    files = llm.client.files.list(purpose="file-extract")
    print(f"uploaded files: {len(files)} ({files[0]['filename']})")
    llm.client.files.delete(files[0]["id"])  # the service keeps files until deleted


def llamaindex(pdf: Path) -> None:
    llm = DashScope(model="qwen-long")
    question = ChatMessage(
        role="user", blocks=[DocumentBlock(path=pdf), TextBlock(text="When is the launch?")]
    )
    print("LlamaIndex:", llm.chat([question]).message.content)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "falcon-plan.pdf"
        pdf.write_bytes(tiny_pdf(LINES))
        langchain(pdf)
        llamaindex(pdf)


if __name__ == "__main__":
    with dashscope_backend():
        main()
