"""One small class per model family: ``DashScope`` with the family's default model id."""

from __future__ import annotations

from pydantic import Field

from llamaindex_dashscope_models._dashscope_llm import DashScope

__all__ = ["ChatYuan", "DeepSeek", "Kimi", "Moonshot", "Moss", "Qwen", "QwenVL"]


class Qwen(DashScope):
    """Qwen models (commercial and open-source) for LlamaIndex.

    Example::

        from llama_index.core import Settings
        from llamaindex_dashscope_models import Qwen

        Settings.llm = Qwen(model="qwen-max")
    """

    model: str = Field(default="qwen-plus", alias="model_name", description="A Qwen model id.")

    @classmethod
    def class_name(cls) -> str:
        return "Qwen_LLM"


class QwenVL(DashScope):
    """Qwen vision models: ``ImageBlock`` inputs go to the multimodal endpoint.

    Example::

        from llama_index.core.llms import ChatMessage, ImageBlock, TextBlock
        from llamaindex_dashscope_models import QwenVL

        QwenVL().chat([ChatMessage(role="user", blocks=[
            ImageBlock(url="https://example.com/dog.jpeg"), TextBlock(text="What is this?")])])
    """

    model: str = Field(
        default="qwen-vl-plus", alias="model_name", description="A Qwen-VL model id."
    )

    @classmethod
    def class_name(cls) -> str:
        return "QwenVL_LLM"


class Moonshot(DashScope):
    """Moonshot models hosted on DashScope (moonshot-v1-8k/32k/128k).

    Example::

        from llamaindex_dashscope_models import Moonshot

        Moonshot(model="moonshot-v1-32k").complete("Hello")
    """

    model: str = Field(
        default="moonshot-v1-8k", alias="model_name", description="A Moonshot model id."
    )

    @classmethod
    def class_name(cls) -> str:
        return "Moonshot_LLM"


class Moss(DashScope):
    """MOSS: ``chat`` renders MOSS's prompt format, ``complete`` sends the prompt as written.

    Example::

        from llama_index.core.llms import ChatMessage
        from llamaindex_dashscope_models import Moss

        Moss().chat([ChatMessage(role="user", content="你好")])
    """

    model: str = Field(
        default="moss-moon-003-sft", alias="model_name", description="A MOSS model id."
    )

    @classmethod
    def class_name(cls) -> str:
        return "Moss_LLM"


class ChatYuan(DashScope):
    """ChatYuan: ``chat`` renders the ``用户：…\\n小元：`` format, ``complete`` takes it as written.

    Example::

        from llamaindex_dashscope_models import ChatYuan

        ChatYuan().complete("用户：你好\\n小元：")
    """

    model: str = Field(
        default="chatyuan-large-v2", alias="model_name", description="A ChatYuan model id."
    )

    @classmethod
    def class_name(cls) -> str:
        return "ChatYuan_LLM"


class DeepSeek(DashScope):
    """DeepSeek models hosted on DashScope; reasoning arrives as a ``ThinkingBlock``.

    Example::

        from llamaindex_dashscope_models import DeepSeek

        DeepSeek(model="deepseek-r1").complete("Why is the sky blue?")
    """

    model: str = Field(
        default="deepseek-v3", alias="model_name", description="A DeepSeek model id."
    )

    @classmethod
    def class_name(cls) -> str:
        return "DeepSeek_LLM"


class Kimi(DashScope):
    """Kimi models hosted on DashScope.

    Example::

        from llamaindex_dashscope_models import Kimi

        Kimi().complete("Hello")
    """

    model: str = Field(
        default="Moonshot-Kimi-K2-Instruct", alias="model_name", description="A Kimi model id."
    )

    @classmethod
    def class_name(cls) -> str:
        return "Kimi_LLM"
