"""LangChain chat models, LLMs and embeddings for every DashScope model family.

Example::

    from langchain_dashscope_models import ChatQwen

    llm = ChatQwen(model="qwen-plus")       # DASHSCOPE_API_KEY from the environment
    print(llm.invoke("Hello!").content)

The completion-style LLMs and the embeddings are imported on first use, so importing a chat
model stays cheap.
"""

from typing import TYPE_CHECKING

import langchain_dashscope_models._framework  # noqa: F401  (first: names the extra)
from dashscope_models.integration import lazy_attributes, public_dir
from langchain_dashscope_models._app import ChatDashScopeApp
from langchain_dashscope_models._chat_model import ChatDashScope
from langchain_dashscope_models._citations import register as _register_citations
from langchain_dashscope_models._classes import (
    ChatDeepSeek,
    ChatKimi,
    ChatMoonshot,
    ChatMoss,
    ChatQwen,
    ChatQwenVL,
    ChatYuan,
)
from langchain_dashscope_models._exceptions import (
    DashScopeAPIError,
    DashScopeAuthenticationError,
    DashScopeBadRequestError,
    DashScopeConnectionError,
    DashScopeContentInspectionError,
    DashScopeContextLengthError,
    DashScopeMaxTokensError,
    DashScopeModelNotFoundError,
    DashScopeNotFoundError,
    DashScopePermissionDeniedError,
    DashScopeRateLimitError,
    DashScopeStreamError,
    DashScopeTimeoutError,
)

if TYPE_CHECKING:
    from langchain_dashscope_models._completion import DashScopeLLM
    from langchain_dashscope_models._embeddings import DashScopeEmbeddings
    from langchain_dashscope_models._llm_classes import (
        ChatYuanLLM,
        DeepSeekLLM,
        KimiLLM,
        MoonshotLLM,
        MossLLM,
        QwenLLM,
    )
    from langchain_dashscope_models._rerank import DashScopeRerank
    from langchain_dashscope_models.middleware import DashScopePromptCachingMiddleware

_register_citations()  # sources as v1 citation annotations in content_blocks

__getattr__ = lazy_attributes(
    __name__,
    {
        "DashScopeLLM": "langchain_dashscope_models._completion",
        "DashScopeEmbeddings": "langchain_dashscope_models._embeddings",
        "DashScopeRerank": "langchain_dashscope_models._rerank",
        # Needs langchain (agents): imported only when asked for.
        "DashScopePromptCachingMiddleware": "langchain_dashscope_models.middleware",
        "ChatYuanLLM": "langchain_dashscope_models._llm_classes",
        "DeepSeekLLM": "langchain_dashscope_models._llm_classes",
        "KimiLLM": "langchain_dashscope_models._llm_classes",
        "MoonshotLLM": "langchain_dashscope_models._llm_classes",
        "MossLLM": "langchain_dashscope_models._llm_classes",
        "QwenLLM": "langchain_dashscope_models._llm_classes",
    },
)


__all__ = [
    "ChatDashScope",
    "ChatDashScopeApp",
    "ChatDeepSeek",
    "ChatKimi",
    "ChatMoonshot",
    "ChatMoss",
    "ChatQwen",
    "ChatQwenVL",
    "ChatYuan",
    "ChatYuanLLM",
    "DashScopeAPIError",
    "DashScopeAuthenticationError",
    "DashScopeBadRequestError",
    "DashScopeConnectionError",
    "DashScopeContentInspectionError",
    "DashScopeContextLengthError",
    "DashScopeEmbeddings",
    "DashScopeLLM",
    "DashScopeMaxTokensError",
    "DashScopeModelNotFoundError",
    "DashScopeNotFoundError",
    "DashScopePermissionDeniedError",
    "DashScopePromptCachingMiddleware",
    "DashScopeRateLimitError",
    "DashScopeRerank",
    "DashScopeStreamError",
    "DashScopeTimeoutError",
    "DeepSeekLLM",
    "KimiLLM",
    "MoonshotLLM",
    "MossLLM",
    "QwenLLM",
]

__dir__ = public_dir(__all__)
