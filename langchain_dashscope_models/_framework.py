"""Imported first by the package: without LangChain installed, an ``ImportError`` that names
the extra to install (``pip install "dashscope-models[langchain]"``) instead of a bare
missing module."""

from dashscope_models._lazy import require_framework

require_framework("langchain_core", "langchain", "langchain_dashscope_models")
