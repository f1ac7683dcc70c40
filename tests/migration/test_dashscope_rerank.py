"""langchain-community's ``DashScopeRerank`` examples, one import changed, over the emulator.

The tests are langchain-community's DashScopeRerank test and LangChain's "DashScope Reranker"
notebook, with ``from langchain_dashscope_models import DashScopeRerank`` (and
``DashScopeEmbeddings``) in place of the langchain-community imports. The notebook's FAISS
store and state-of-the-union file are LangChain's in-memory store and a few paragraphs here
(neither is part of the DashScope integration).
"""

from __future__ import annotations

from langchain_classic.retrievers import ContextualCompressionRetriever
from langchain_core.documents import Document
from langchain_core.vectorstores import InMemoryVectorStore

from dashscope_models.emulator import Emulator
from langchain_dashscope_models import DashScopeEmbeddings, DashScopeRerank  # the changed line


def test_rerank(emulator: Emulator) -> None:
    reranker = DashScopeRerank(api_key=None)  # None: the key from DASHSCOPE_API_KEY
    docs = [
        Document(page_content="量子计算是计算科学的一个前沿领域"),
        Document(page_content="预训练语言模型的发展给文本排序模型带来了新的进展"),
        Document(
            page_content="文本排序模型广泛用于搜索引擎和推荐系统中，它们根据文本相关性对候选文本进行排序"
        ),
        Document(page_content="random text for nothing"),
    ]
    compressed = reranker.compress_documents(
        query="什么是文本排序模型",
        documents=docs,
    )

    assert len(compressed) == 3, "default top_n is 3"
    # The anchor's next line, ``compressed[0] is docs[2]``, judges the service's model; the
    # emulator scores by shared words (docs[1] shares as many), so: kept, and best first.
    assert docs[2].page_content in [d.page_content for d in compressed], "rerank works"
    scores = [d.metadata["relevance_score"] for d in compressed]
    assert scores == sorted(scores, reverse=True)
    assert docs[3].page_content not in [d.page_content for d in compressed]


SPEECH = [
    "Tonight, I call on the Senate to pass the Freedom to Vote Act.",
    "One of the most serious constitutional responsibilities a President has is nominating "
    "someone to serve on the United States Supreme Court.",
    "And I did that 4 days ago, when I nominated Circuit Court of Appeals Judge Ketanji Brown "
    "Jackson. One of our nation's top legal minds, who will continue Justice Breyer's legacy.",
    "We cannot let this happen. Tonight I ask Congress to pass the bipartisan innovation act.",
    "Our economy grew at a rate of 5.7% last year, the strongest growth in nearly 40 years.",
]


def pretty_print_docs(docs: list[Document]) -> str:
    return f"\n{'-' * 100}\n".join(
        [f"Document {i + 1}:\n\n" + d.page_content for i, d in enumerate(docs)]
    )


def test_notebook_contextual_compression(emulator: Emulator) -> None:
    texts = [Document(page_content=p) for p in SPEECH]
    retriever = InMemoryVectorStore.from_documents(texts, DashScopeEmbeddings()).as_retriever(
        search_kwargs={"k": 20}
    )
    query = "What did the president say about Ketanji Brown Jackson"
    docs = retriever.invoke(query)
    assert len(docs) == len(SPEECH) and pretty_print_docs(docs)

    compressor = DashScopeRerank()
    compression_retriever = ContextualCompressionRetriever(
        base_compressor=compressor, base_retriever=retriever
    )

    compressed_docs = compression_retriever.invoke(
        "What did the president say about Ketanji Jackson Brown"
    )
    assert len(compressed_docs) == 3
    assert "Ketanji Brown Jackson" in compressed_docs[0].page_content
    assert "relevance_score" in compressed_docs[0].metadata
    assert emulator.requests[-1].body["model"] == "gte-rerank-v2"
