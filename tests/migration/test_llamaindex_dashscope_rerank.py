"""llama-index-postprocessor-dashscope-rerank's examples, import changed, over the emulator.

The tests are the package README's example and its tests, with
``from llamaindex_dashscope_models import DashScopeRerank`` in place of
``from llama_index.postprocessor.dashscope_rerank import DashScopeRerank``.
"""

from __future__ import annotations

from llama_index.core.data_structs import Node
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore

from dashscope_models.emulator import Emulator
from llamaindex_dashscope_models import DashScopeRerank  # the one changed import


def test_readme(emulator: Emulator) -> None:
    nodes = [
        NodeWithScore(node=Node(text="text1"), score=0.7),
        NodeWithScore(node=Node(text="text2"), score=0.8),
    ]

    dashscope_rerank = DashScopeRerank(top_n=5)
    results = dashscope_rerank.postprocess_nodes(nodes, query_str="<user query>")
    printed = [f"Text:  {res.node.get_content()} Score:  {res.score}" for res in results]
    assert len(printed) == 2  # top_n above the node count: all of them
    assert all(isinstance(res.score, float) for res in results)
    assert emulator.requests[-1].body["model"] == "gte-rerank-v2"


def test_readme_parameters(emulator: Emulator) -> None:
    """The README's parameter table: model, top_n, return_documents, api_key."""
    rerank = DashScopeRerank(
        model="gte-rerank-v2", top_n=1, return_documents=False, api_key="sk-test-emulator-key"
    )
    nodes = [NodeWithScore(node=Node(text=t)) for t in ("a cat", "a cat on a mat", "a dog")]
    results = rerank.postprocess_nodes(nodes, query_str="cat on a mat")
    assert [r.node.get_content() for r in results] == ["a cat on a mat"]


def test_class() -> None:
    names_of_base_classes = [b.__name__ for b in DashScopeRerank.__mro__]
    assert BaseNodePostprocessor.__name__ in names_of_base_classes
