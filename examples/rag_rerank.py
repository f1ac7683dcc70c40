"""RAG, complete: retrieve → rerank → answer, in LangChain and in LlamaIndex, printing scores.

Both halves use the same documents and question: DashScope embeddings retrieve four candidates,
``DashScopeRerank`` keeps the best two (its relevance scores are printed), and Qwen answers from
them. Offline (no ``DASHSCOPE_API_KEY``) the emulator's vectors and rerank scores are lexical:
the documents sharing the question's words win; on the real service they are semantic.

Run: ``python examples/rag_rerank.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _backend import dashscope_backend
from langchain_classic.retrievers import ContextualCompressionRetriever
from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.vectorstores import InMemoryVectorStore
from llama_index.core import Document as LlamaDocument
from llama_index.core import VectorStoreIndex

import langchain_dashscope_models as lc
import llamaindex_dashscope_models as li

DOCS = [
    "DashScope is Alibaba Cloud's model service, also called Model Studio.",
    "Qwen is the family of large language models built by Alibaba Cloud.",
    "Moonshot's Kimi models are hosted on DashScope as moonshot-v1-8k, 32k and 128k.",
    "A rerank model scores each retrieved document against the question, best first.",
    "The text-embedding-v4 model turns texts into vectors for retrieval.",
    "The Nile is the longest river in Africa.",
]
QUESTION = "Which Kimi models does DashScope host?"
PROMPT = "Answer from the context only.\nContext:\n{context}\nQuestion: {question}"


def langchain_rag() -> None:
    store = InMemoryVectorStore.from_texts(DOCS, lc.DashScopeEmbeddings(dimension=512))
    print(" retrieved (cosine):")
    for doc, cosine in store.similarity_search_with_score(QUESTION, k=4):
        print(f"  {cosine:.3f}  {doc.page_content}")
    retriever = ContextualCompressionRetriever(
        base_retriever=store.as_retriever(search_kwargs={"k": 4}),
        base_compressor=lc.DashScopeRerank(model="gte-rerank-v2", top_n=2),
    )
    docs: list[Document] = retriever.invoke(QUESTION)
    print(" reranked (relevance score):")
    for doc in docs:
        print(f"  {doc.metadata['relevance_score']:.3f}  {doc.page_content}")
    chain = ChatPromptTemplate.from_template(PROMPT) | lc.ChatQwen() | StrOutputParser()
    context = "\n".join(d.page_content for d in docs)
    answer = chain.invoke({"context": context, "question": QUESTION})
    print("  answer:", answer[:100].replace("\n", " "), "...")


def llamaindex_rag() -> None:
    index = VectorStoreIndex.from_documents(
        [LlamaDocument(text=t) for t in DOCS], embed_model=li.DashScopeEmbedding(dimension=512)
    )
    engine = index.as_query_engine(
        llm=li.Qwen(),
        similarity_top_k=4,
        node_postprocessors=[li.DashScopeRerank(model="gte-rerank-v2", top_n=2)],
    )
    response = engine.query(QUESTION)
    print(" reranked (relevance score):")
    for node in response.source_nodes:
        print(f"  {node.score or 0:.3f}  {node.node.get_content()}")
    print("  answer:", str(response)[:100].replace("\n", " "), "...")


if __name__ == "__main__":
    with dashscope_backend():
        print("LangChain: retrieve 4 -> rerank to 2 (relevance scores) -> answer")
        langchain_rag()
        print("LlamaIndex: retrieve 4 -> rerank to 2 (relevance scores) -> answer")
        llamaindex_rag()
