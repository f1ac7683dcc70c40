"""LangChain chat models, LLMs and embeddings for every DashScope model family.

Example::

    from langchain_dashscope_models import ChatQwen

    llm = ChatQwen(model="qwen-plus")       # DASHSCOPE_API_KEY from the environment
    print(llm.invoke("Hello!").content)
"""

from langchain_dashscope_models._chat_model import ChatDashScope
from langchain_dashscope_models._classes import (
    ChatDeepSeek,
    ChatKimi,
    ChatMoonshot,
    ChatMoss,
    ChatQwen,
    ChatQwenVL,
    ChatYuan,
    ChatYuanLLM,
    DeepSeekLLM,
    KimiLLM,
    MoonshotLLM,
    MossLLM,
    QwenLLM,
)
from langchain_dashscope_models._completion import DashScopeLLM
from langchain_dashscope_models._embeddings import DashScopeEmbeddings
from langchain_dashscope_models._exceptions import (
    DashScopeAPIError,
    DashScopeAuthenticationError,
    DashScopeBadRequestError,
    DashScopeConnectionError,
    DashScopeContentInspectionError,
    DashScopeContextLengthError,
    DashScopeModelNotFoundError,
    DashScopeNotFoundError,
    DashScopePermissionDeniedError,
    DashScopeRateLimitError,
    DashScopeStreamError,
    DashScopeTimeoutError,
)

__all__ = [
    "ChatDashScope",
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
    "DashScopeModelNotFoundError",
    "DashScopeNotFoundError",
    "DashScopePermissionDeniedError",
    "DashScopeRateLimitError",
    "DashScopeStreamError",
    "DashScopeTimeoutError",
    "DeepSeekLLM",
    "KimiLLM",
    "MoonshotLLM",
    "MossLLM",
    "QwenLLM",
]
