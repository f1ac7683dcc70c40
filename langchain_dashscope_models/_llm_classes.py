"""One small completion-style class per model family: ``DashScopeLLM`` with a default model.

Kept apart from the chat classes so that ``from langchain_dashscope_models import ChatQwen``
does not import LangChain's LLM machinery.
"""

from __future__ import annotations

from pydantic import Field

from langchain_dashscope_models._completion import DashScopeLLM

__all__ = ["ChatYuanLLM", "DeepSeekLLM", "KimiLLM", "MoonshotLLM", "MossLLM", "QwenLLM"]


class QwenLLM(DashScopeLLM):
    """Qwen as a completion-style LLM.

    Example::

        from langchain_dashscope_models import QwenLLM

        QwenLLM().invoke("1+1=")
    """

    model: str = Field(default="qwen-plus", alias="model_name")


class MoonshotLLM(DashScopeLLM):
    """Moonshot as a completion-style LLM.

    Example::

        from langchain_dashscope_models import MoonshotLLM

        MoonshotLLM().invoke("Write a haiku about the moon.")
    """

    model: str = Field(default="moonshot-v1-8k", alias="model_name")


class MossLLM(DashScopeLLM):
    """MOSS as an LLM: the prompt is sent as written (use MOSS's format); the echoed prompt
    and ``<eom>`` are stripped from the completion.

    Example::

        from langchain_dashscope_models import MossLLM

        MossLLM().invoke("<|Human|>: 你好<eoh>\\n<|MOSS|>:")
    """

    model: str = Field(default="moss-moon-003-sft", alias="model_name")


class ChatYuanLLM(DashScopeLLM):
    """ChatYuan as an LLM: the prompt is sent as written (``用户：…\\n小元：``).

    Example::

        from langchain_dashscope_models import ChatYuanLLM

        ChatYuanLLM().invoke("用户：你好\\n小元：")
    """

    model: str = Field(default="chatyuan-large-v2", alias="model_name")


class DeepSeekLLM(DashScopeLLM):
    """DeepSeek (hosted on DashScope) as a completion-style LLM.

    Example::

        from langchain_dashscope_models import DeepSeekLLM

        DeepSeekLLM().invoke("Explain recursion in one line.")
    """

    model: str = Field(default="deepseek-v3", alias="model_name")


class KimiLLM(DashScopeLLM):
    """Kimi (hosted on DashScope) as a completion-style LLM.

    Example::

        from langchain_dashscope_models import KimiLLM

        KimiLLM().invoke("Hello")
    """

    model: str = Field(default="Moonshot-Kimi-K2-Instruct", alias="model_name")
