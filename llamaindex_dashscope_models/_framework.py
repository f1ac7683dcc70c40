"""Imported first by the package: without LlamaIndex installed, an ``ImportError`` that names
the extra to install (``pip install "dashscope-models[llamaindex]"``) instead of a bare
missing module."""

from dashscope_models._lazy import require_framework

require_framework("llama_index.core", "llamaindex", "llamaindex_dashscope_models")
