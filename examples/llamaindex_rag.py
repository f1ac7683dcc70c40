"""LlamaIndex: a query engine over a few local documents, then a FunctionAgent with a tool.

Uses ``Qwen`` as the LLM and ``DashScopeEmbedding`` for the vectors.
Run: ``python examples/llamaindex_rag.py`` (offline on the emulator without DASHSCOPE_API_KEY).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _backend import dashscope_backend
from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.agent.workflow import FunctionAgent

from llamaindex_dashscope_models import DashScopeEmbedding, Qwen

DOCS = [
    "DashScope is Alibaba Cloud's model service, also called Model Studio.",
    "Qwen is the family of large language models built by Alibaba.",
    "Moonshot's models are hosted on DashScope as moonshot-v1-8k, 32k and 128k.",
]


def multiply(a: float, b: float) -> float:
    """Multiply two numbers."""
    return a * b


async def main() -> None:
    Settings.llm = Qwen(model="qwen-plus")
    # Offline, the emulator's vectors are lexical (a hashed bag of words): retrieval finds the
    # text that shares the question's words; against the real service it is semantic. (So
    # "What is DashScope?" alone would tie: two documents name DashScope once.)
    Settings.embed_model = DashScopeEmbedding(model_name="text-embedding-v4", dimension=256)
    index = VectorStoreIndex.from_documents([Document(text=t) for t in DOCS])
    answer = index.as_query_engine(similarity_top_k=2).query(
        "What is DashScope, and what else is it called?"
    )
    print("query engine:", str(answer)[:120].replace("\n", " "), "...")
    print("  retrieved: ", answer.source_nodes[0].node.get_content())

    agent = FunctionAgent(tools=[multiply], llm=Settings.llm, system_prompt="Use tools for math.")
    reply = await agent.run("What is 6 times 7?")
    print("agent:", reply)


if __name__ == "__main__":
    with dashscope_backend():
        asyncio.run(main())
