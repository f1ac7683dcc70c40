"""A knowledge-base app (Model Studio) answering with its sources, in LangChain and LlamaIndex.

A RAG application built in the Model Studio console retrieves from its knowledge base and
answers, citing passages as ``<ref>[n]</ref>``. ``ChatDashScopeApp`` gives those sources as
citation annotations in ``content_blocks`` and keeps the conversation by the service's
session; ``DashScopeAppQueryEngine`` gives them as ``source_nodes`` with their retrieval scores.

Offline (no ``DASHSCOPE_API_KEY``) the emulator serves a RAG app over the three documents below.
With a key, set ``DASHSCOPE_APP_ID`` to your own RAG app's id.

Run: ``python examples/knowledge_base_app.py``.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _backend import dashscope_backend

from dashscope_models.emulator import App, AppDocument
from langchain_dashscope_models import ChatDashScopeApp
from llamaindex_dashscope_models import DashScopeAppQueryEngine

APP_ID = os.environ.get("DASHSCOPE_APP_ID", "handbook")
HANDBOOK = [
    AppDocument("Employees get 25 days of paid leave a year. Unused days expire in March.",
                title="Leave policy", tags=("hr",)),
    AppDocument("Travel is booked through the travel desk. Economy class is the rule for "
                "flights under six hours.", title="Travel policy", tags=("finance",)),
    AppDocument("Laptops are replaced every three years. A broken laptop is swapped within "
                "two days by the IT desk.", title="Equipment", tags=("it",)),
]  # fmt: skip


def langchain_app() -> None:
    app = ChatDashScopeApp(app_id=APP_ID, conversation="session", has_thoughts=True)
    answer = app.invoke("How many days of paid leave do employees get?")
    print(" answer:", answer.content)
    for block in answer.content_blocks:
        for cite in block.get("annotations", []):
            score = cite.get("extras", {}).get("score")
            print(f"  cites [{cite['extras']['index']}] {cite['title']} (score {score})")
    follow_up = app.invoke("Do unused ones expire?")  # the same session: the service keeps it
    print(" follow-up:", follow_up.content)
    print(" session:", follow_up.response_metadata["session_id"] == app.session_id)
    streamed = "".join(str(c.content) for c in app.stream("And laptops?"))
    print(" streamed:", streamed[:80], "...")


def llamaindex_engine() -> None:
    engine = DashScopeAppQueryEngine(app_id=APP_ID)
    response = engine.query("Which class do we fly on short trips?")
    print(" answer:", response.response)
    for node in response.source_nodes:
        print(f"  source {node.node.metadata['title']!r} score={node.score}")
    again = asyncio.run(engine.aquery("Who replaces a broken laptop?"))
    print(" async answer:", again.response)


def main() -> None:
    if os.environ.get("DASHSCOPE_API_KEY") and "DASHSCOPE_APP_ID" not in os.environ:
        print("set DASHSCOPE_APP_ID to a RAG app of yours to run this example on the service")
        return
    with dashscope_backend(apps=[App.rag(APP_ID, list(HANDBOOK))]):
        print("-- LangChain: ChatDashScopeApp")
        langchain_app()
        print("-- LlamaIndex: DashScopeAppQueryEngine")
        llamaindex_engine()


if __name__ == "__main__":
    main()
