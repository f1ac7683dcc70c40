"""LlamaIndex LLMs and embeddings for every DashScope model family.

Example::

    from llama_index.core import Settings
    from llamaindex_dashscope_models import DashScopeEmbedding, Qwen

    Settings.llm = Qwen(model="qwen-plus")        # DASHSCOPE_API_KEY from the environment
    Settings.embed_model = DashScopeEmbedding()
"""

import llamaindex_dashscope_models._framework  # noqa: F401  (first: names the extra)
from dashscope_models.integration import public_dir
from llamaindex_dashscope_models._app import DashScopeApp
from llamaindex_dashscope_models._app_engine import DashScopeAppQueryEngine
from llamaindex_dashscope_models._classes import (
    ChatYuan,
    DeepSeek,
    Kimi,
    Moonshot,
    Moss,
    Qwen,
    QwenVL,
)
from llamaindex_dashscope_models._constants import (
    DashScopeBatchTextEmbeddingModels,
    DashScopeGenerationModels,
    DashScopeMultiModalEmbeddingModels,
    DashScopeTextEmbeddingModels,
    DashScopeTextEmbeddingType,
)
from llamaindex_dashscope_models._dashscope_llm import DashScope
from llamaindex_dashscope_models._embedding import DashScopeEmbedding
from llamaindex_dashscope_models._rerank import DashScopeRerank

__all__ = [
    "ChatYuan",
    "DashScope",
    "DashScopeApp",
    "DashScopeAppQueryEngine",
    "DashScopeBatchTextEmbeddingModels",
    "DashScopeEmbedding",
    "DashScopeGenerationModels",
    "DashScopeMultiModalEmbeddingModels",
    "DashScopeRerank",
    "DashScopeTextEmbeddingModels",
    "DashScopeTextEmbeddingType",
    "DeepSeek",
    "Kimi",
    "Moonshot",
    "Moss",
    "Qwen",
    "QwenVL",
]

__dir__ = public_dir(__all__)
