"""The model-id constants of llama-index's DashScope packages, under their names.

``llama-index-llms-dashscope`` exports ``DashScopeGenerationModels`` (a plain class of model-id
strings) and ``llama-index-embeddings-dashscope`` exports ``DashScopeTextEmbeddingModels``,
``DashScopeTextEmbeddingType``, ``DashScopeBatchTextEmbeddingModels`` and
``DashScopeMultiModalEmbeddingModels`` (``str`` enums; here ``StrEnum``, whose ``str()`` is the
model id itself). The same names, members and values
are here, so code written for those packages keeps its imports; members for today's models
are added. Every class here also accepts a member where it takes a model id or a text type.

Example::

    from llamaindex_dashscope_models import (
        DashScope, DashScopeEmbedding, DashScopeGenerationModels, DashScopeTextEmbeddingModels)

    llm = DashScope(model_name=DashScopeGenerationModels.QWEN_MAX)
    embed = DashScopeEmbedding(model_name=DashScopeTextEmbeddingModels.TEXT_EMBEDDING_V2)
"""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import Any

__all__ = [
    "DashScopeBatchTextEmbeddingModels",
    "DashScopeGenerationModels",
    "DashScopeMultiModalEmbeddingModels",
    "DashScopeTextEmbeddingModels",
    "DashScopeTextEmbeddingType",
    "plain_value",
]


class DashScopeGenerationModels:
    """Generation model ids (plain strings, as in llama-index-llms-dashscope)."""

    # llama-index-llms-dashscope's members
    QWEN_TURBO = "qwen-turbo"
    QWEN_PLUS = "qwen-plus"
    QWEN_MAX = "qwen-max"
    QWEN_MAX_1201 = "qwen-max-1201"
    QWEN_MAX_LONGCONTEXT = "qwen-max-longcontext"
    # today's lineup (each a catalog row)
    QWEN_FLASH = "qwen-flash"
    QWEN_LONG = "qwen-long"
    QWQ_PLUS = "qwq-plus"
    QWEN3_MAX = "qwen3-max"
    QWEN3_5_PLUS = "qwen3.5-plus"
    QWEN3_5_FLASH = "qwen3.5-flash"
    QWEN3_CODER_PLUS = "qwen3-coder-plus"
    QWEN3_CODER_FLASH = "qwen3-coder-flash"
    QWEN_VL_PLUS = "qwen-vl-plus"
    QWEN_VL_MAX = "qwen-vl-max"
    QWEN3_VL_PLUS = "qwen3-vl-plus"
    QWEN3_VL_FLASH = "qwen3-vl-flash"
    DEEPSEEK_V3 = "deepseek-v3"
    DEEPSEEK_R1 = "deepseek-r1"
    KIMI_K2 = "Moonshot-Kimi-K2-Instruct"


class DashScopeTextEmbeddingType(StrEnum):
    """An embedding's ``text_type``: ``query`` for questions, ``document`` for what is indexed."""

    TEXT_TYPE_QUERY = "query"
    TEXT_TYPE_DOCUMENT = "document"


class DashScopeTextEmbeddingModels(StrEnum):
    """Text embedding model ids (v1 and v2 give 1536 numbers, v3 and v4 1024 by default)."""

    TEXT_EMBEDDING_V1 = "text-embedding-v1"
    TEXT_EMBEDDING_V2 = "text-embedding-v2"
    TEXT_EMBEDDING_V3 = "text-embedding-v3"
    TEXT_EMBEDDING_V4 = "text-embedding-v4"


class DashScopeBatchTextEmbeddingModels(StrEnum):
    """The file-based batch embedding model ids of llama-index-embeddings-dashscope (this
    package embeds lists of texts directly; these ids are kept so that imports still work)."""

    TEXT_EMBEDDING_ASYNC_V1 = "text-embedding-async-v1"
    TEXT_EMBEDDING_ASYNC_V2 = "text-embedding-async-v2"
    TEXT_EMBEDDING_ASYNC_V3 = "text-embedding-async-v3"


class DashScopeMultiModalEmbeddingModels(StrEnum):
    """The multimodal embedding model id of llama-index-embeddings-dashscope (kept so that
    imports still work; this package's embeddings are text embeddings)."""

    MULTIMODAL_EMBEDDING_ONE_PEACE_V1 = "multimodal-embedding-one-peace-v1"


def plain_value(value: Any) -> Any:
    """An enum member as its value (a ``str`` enum member hashes by its name, so the catalog
    would not find it); anything else as it is."""
    return value.value if isinstance(value, Enum) else value
