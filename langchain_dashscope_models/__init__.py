"""LangChain chat models, LLMs and embeddings for every DashScope model family.

Example::

    from langchain_dashscope_models import ChatQwen

    llm = ChatQwen(model="qwen-plus")       # DASHSCOPE_API_KEY from the environment
    print(llm.invoke("Hello!").content)

The completion-style LLMs and the embeddings are imported on first use, so importing a chat
model stays cheap.
"""

from typing import TYPE_CHECKING, Any

from langchain_dashscope_models._chat_model import ChatDashScope
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

_LAZY = {
    "DashScopeLLM": "_completion",
    "DashScopeEmbeddings": "_embeddings",
    "ChatYuanLLM": "_llm_classes",
    "DeepSeekLLM": "_llm_classes",
    "KimiLLM": "_llm_classes",
    "MoonshotLLM": "_llm_classes",
    "MossLLM": "_llm_classes",
    "QwenLLM": "_llm_classes",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'langchain_dashscope_models' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"langchain_dashscope_models.{module}"), name)
    globals()[name] = value
    return value


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
