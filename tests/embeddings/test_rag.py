"""RAG end to end on our embeddings and chat models, against the emulator: a LlamaIndex
VectorStoreIndex and a LangChain InMemoryVectorStore retriever."""

from __future__ import annotations

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_core.vectorstores import InMemoryVectorStore
from llama_index.core import Document, VectorStoreIndex

from dashscope_models.emulator import Emulator
from langchain_dashscope_models import ChatQwen, DashScopeEmbeddings
from llamaindex_dashscope_models import DashScopeEmbedding, Qwen

TEXTS = [
    "DashScope is Alibaba Cloud's model service, also called Model Studio.",
    "Qwen is the family of large language models built by Alibaba.",
    "Moonshot models are hosted on DashScope as moonshot-v1-8k, 32k and 128k.",
]
QUESTION = "What is Alibaba Cloud's Model Studio?"


def embedding_requests(emulator: Emulator) -> list[str]:
    return [
        r.body["parameters"].get("text_type", "")
        for r in emulator.requests
        if r.path.endswith("text-embedding")
    ]


def test_llamaindex_vector_store_index(emulator: Emulator) -> None:
    index = VectorStoreIndex.from_documents(
        [Document(text=t) for t in TEXTS], embed_model=DashScopeEmbedding(dimension=256)
    )
    engine = index.as_query_engine(llm=Qwen(), similarity_top_k=1)
    answer = engine.query(QUESTION)
    # the emulator's vectors are lexical: the text sharing the question's words is retrieved
    assert answer.source_nodes[0].node.get_content() == TEXTS[0]
    assert TEXTS[0] in str(emulator.requests[-1].body["input"]["messages"])
    assert "qwen-plus" in str(answer)
    assert embedding_requests(emulator) == ["document", "query"]


async def test_langchain_in_memory_retriever(emulator: Emulator) -> None:
    store = InMemoryVectorStore.from_texts(TEXTS, DashScopeEmbeddings(dimension=256))
    retriever = store.as_retriever(search_kwargs={"k": 1})
    prompt = ChatPromptTemplate.from_template("Context: {context}\nQuestion: {question}")
    chain = (
        {
            "context": retriever | (lambda docs: docs[0].page_content),
            "question": RunnablePassthrough(),
        }
        | prompt
        | ChatQwen()
        | StrOutputParser()
    )
    answer = await chain.ainvoke(QUESTION)
    assert answer.startswith("[qwen-plus] You said: Context: " + TEXTS[0])
    assert embedding_requests(emulator) == ["document", "query"]
