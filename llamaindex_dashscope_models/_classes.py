"""One small class per model family: ``DashScope`` with the family's default model id.

Each class is named ``<Class>_LLM`` in LlamaIndex's serialization (``Qwen_LLM``: see
``DashScope.class_name``).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from llamaindex_dashscope_models._dashscope_llm import DashScope

__all__ = ["ChatYuan", "DeepSeek", "Kimi", "Moonshot", "Moss", "Qwen", "QwenVL"]


def _model(default: str, family: str) -> Any:
    """A family class's ``model`` field: its default id (also given as ``model_name``)."""
    return Field(default=default, alias="model_name", description=f"A {family} model id.")


class Qwen(DashScope):
    """Qwen models (commercial and open-source) for LlamaIndex.

    Example::

        from llama_index.core import Settings
        from llamaindex_dashscope_models import Qwen

        Settings.llm = Qwen(model="qwen-max")
    """

    model: str = _model("qwen-plus", "Qwen")


class QwenVL(DashScope):
    """Qwen vision models: ``ImageBlock`` inputs go to the multimodal endpoint.

    Example::

        from llama_index.core.llms import ChatMessage, ImageBlock, TextBlock
        from llamaindex_dashscope_models import QwenVL

        QwenVL().chat([ChatMessage(role="user", blocks=[
            ImageBlock(url="https://example.com/dog.jpeg"), TextBlock(text="What is this?")])])
    """

    model: str = _model("qwen-vl-plus", "Qwen-VL")


class Moonshot(DashScope):
    """Moonshot models hosted on DashScope (moonshot-v1-8k/32k/128k).

    Example::

        from llamaindex_dashscope_models import Moonshot

        Moonshot(model="moonshot-v1-32k").complete("Hello")
    """

    model: str = _model("moonshot-v1-8k", "Moonshot")


class Moss(DashScope):
    """MOSS: ``chat`` renders MOSS's prompt format, ``complete`` sends the prompt as written.

    Example::

        from llama_index.core.llms import ChatMessage
        from llamaindex_dashscope_models import Moss

        Moss().chat([ChatMessage(role="user", content="你好")])
    """

    model: str = _model("moss-moon-003-sft", "MOSS")


class ChatYuan(DashScope):
    """ChatYuan: ``chat`` renders the ``用户：…\\n小元：`` format, ``complete`` takes it as written.

    Example::

        from llamaindex_dashscope_models import ChatYuan

        ChatYuan().complete("用户：你好\\n小元：")
    """

    model: str = _model("chatyuan-large-v2", "ChatYuan")


class DeepSeek(DashScope):
    """DeepSeek models hosted on DashScope; reasoning arrives as a ``ThinkingBlock``.

    Example::

        from llamaindex_dashscope_models import DeepSeek

        DeepSeek(model="deepseek-r1").complete("Why is the sky blue?")
    """

    model: str = _model("deepseek-v3", "DeepSeek")


class Kimi(DashScope):
    """Kimi models hosted on DashScope.

    Example::

        from llamaindex_dashscope_models import Kimi

        Kimi().complete("Hello")
    """

    model: str = _model("Moonshot-Kimi-K2-Instruct", "Kimi")
