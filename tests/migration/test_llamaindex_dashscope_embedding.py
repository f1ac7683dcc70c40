"""llama-index-embeddings-dashscope's examples, with the import changed, over the emulator.

The tests are the text-embedding cells of LlamaIndex's "DashScope Embeddings" notebook, with
``from llamaindex_dashscope_models import ...`` in place of
``from llama_index.embeddings.dashscope import ...`` (the package README has no example). Its
file-batch (``get_batch_text_embedding``) and ONE-PEACE multimodal cells have no counterpart:
their constants import, the methods are not offered (see docs/migration.md).
"""

from __future__ import annotations

from llama_index.core.base.embeddings.base import BaseEmbedding

from dashscope_models.emulator import Emulator
from llamaindex_dashscope_models import (  # the one changed import
    DashScopeBatchTextEmbeddingModels,
    DashScopeEmbedding,
    DashScopeMultiModalEmbeddingModels,
    DashScopeTextEmbeddingModels,
    DashScopeTextEmbeddingType,
)


def test_notebook_document_embeddings(emulator: Emulator) -> None:
    # Create embeddings
    # text_type=`document` to build index
    embedder = DashScopeEmbedding(
        model_name=DashScopeTextEmbeddingModels.TEXT_EMBEDDING_V2,
        text_type=DashScopeTextEmbeddingType.TEXT_TYPE_DOCUMENT,
    )
    text_to_embedding = ["风急天高猿啸哀", "渚清沙白鸟飞回", "无边落木萧萧下", "不尽长江滚滚来"]
    # Call text Embedding
    result_embeddings = embedder.get_text_embedding_batch(text_to_embedding)
    # requests and embedding result index is correspond to.
    printed = []
    for index, embedding in enumerate(result_embeddings):
        if embedding is None:  # if the correspondence request is embedding failed.
            printed.append("The %s embedding failed." % text_to_embedding[index])  # noqa: UP031
        else:
            printed.append("Dimension of embeddings: %s" % len(embedding))  # noqa: UP031
            printed.append(
                "Input: %s, embedding is: %s"  # noqa: UP031
                % (text_to_embedding[index], embedding[:5])
            )
    assert printed.count("Dimension of embeddings: 1536") == 4
    body = emulator.requests[-1].body
    assert body["model"] == "text-embedding-v2"
    assert body["parameters"]["text_type"] == "document"


def test_notebook_query_embedding(emulator: Emulator) -> None:
    # Create embeddings
    # text_type=`query` to retrive relevant context.
    embedder = DashScopeEmbedding(
        model_name=DashScopeTextEmbeddingModels.TEXT_EMBEDDING_V2,
        text_type=DashScopeTextEmbeddingType.TEXT_TYPE_QUERY,
    )
    # Call text Embedding
    embedding = embedder.get_text_embedding(
        "衣服的质量杠杠的，很漂亮，不枉我等了这么久啊，喜欢，以后还来这里买"
    )
    assert len(embedding) == 1536
    assert emulator.requests[-1].body["parameters"]["text_type"] == "query"


def test_constants() -> None:
    """The anchor's enums: same members, model ids as values, plus today's text model."""
    assert [m.value for m in DashScopeTextEmbeddingType] == ["query", "document"]
    assert DashScopeTextEmbeddingModels.TEXT_EMBEDDING_V1 == "text-embedding-v1"
    assert DashScopeTextEmbeddingModels.TEXT_EMBEDDING_V4.value == "text-embedding-v4"
    assert DashScopeBatchTextEmbeddingModels.TEXT_EMBEDDING_ASYNC_V2 == "text-embedding-async-v2"
    assert (
        DashScopeMultiModalEmbeddingModels.MULTIMODAL_EMBEDDING_ONE_PEACE_V1
        == "multimodal-embedding-one-peace-v1"
    )


def test_class() -> None:
    """The anchor's test looks for ``MultiModalEmbedding`` (its image methods); ours is a
    text embedding, a ``BaseEmbedding`` as every LlamaIndex embedding is."""
    assert BaseEmbedding.__name__ in [b.__name__ for b in DashScopeEmbedding.__mro__]


def test_difference_default_model(emulator: Emulator) -> None:
    """llama-index-embeddings-dashscope's default was text-embedding-v2 (1536 numbers); ours
    is text-embedding-v4 (1024). To keep an existing index, name the model it was built with."""
    assert len(DashScopeEmbedding().get_text_embedding("foo")) == 1024
    kept = DashScopeEmbedding(model_name="text-embedding-v2")  # the one-line fix
    assert len(kept.get_text_embedding("foo")) == 1536
