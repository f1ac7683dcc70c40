"""One small class per model family: the same models with a family's default model id.

Every class accepts any model id of its family (``ChatQwen(model="qwen-max")``); the default
is the family's everyday model.
"""

from __future__ import annotations

from pydantic import Field

from langchain_dashscope_models._chat_model import ChatDashScope

__all__ = [
    "ChatDeepSeek",
    "ChatKimi",
    "ChatMoonshot",
    "ChatMoss",
    "ChatQwen",
    "ChatQwenVL",
    "ChatYuan",
]


class ChatQwen(ChatDashScope):
    """Qwen chat models: commercial (qwen-plus/max/flash/turbo, qwq) and open-source
    (qwen, qwen1.5, qwen2 ... ``-chat``/``-instruct``).

    Example::

        from langchain_dashscope_models import ChatQwen

        ChatQwen(model="qwen-max").invoke("What is DashScope?")
    """

    model: str = Field(default="qwen-plus", alias="model_name")


class ChatQwenVL(ChatDashScope):
    """Qwen vision models on the multimodal endpoint; images as LangChain image blocks or
    OpenAI ``image_url`` blocks (URL or base64).

    Example::

        from langchain_core.messages import HumanMessage
        from langchain_dashscope_models import ChatQwenVL

        ChatQwenVL().invoke([HumanMessage(content=[
            {"type": "image", "url": "https://example.com/dog.jpeg"},
            {"type": "text", "text": "What is in the picture?"},
        ])])
    """

    model: str = Field(default="qwen-vl-plus", alias="model_name")


class ChatMoonshot(ChatDashScope):
    """Moonshot models hosted on DashScope (moonshot-v1-8k/32k/128k): temperature in [0, 1],
    at most 5 stop strings of 32 bytes, checked before sending.

    Example::

        from langchain_dashscope_models import ChatMoonshot

        ChatMoonshot(model="moonshot-v1-32k", temperature=0.3).invoke("Hello")
    """

    model: str = Field(default="moonshot-v1-8k", alias="model_name")


class ChatMoss(ChatDashScope):
    """MOSS (moss-moon-003-sft) as a chat model: messages are rendered into MOSS's
    ``<|Human|>: ...<eoh>\\n<|MOSS|>:`` prompt (with its system preamble) and the echo is
    stripped from the reply.

    Example::

        from langchain_dashscope_models import ChatMoss

        ChatMoss().invoke("你好")
    """

    model: str = Field(default="moss-moon-003-sft", alias="model_name")


class ChatYuan(ChatDashScope):
    """ChatYuan (chatyuan-large-v2) as a chat model, through its ``用户：…\\n小元：`` prompt.

    Example::

        from langchain_dashscope_models import ChatYuan

        ChatYuan().invoke("写一句关于春天的诗")
    """

    model: str = Field(default="chatyuan-large-v2", alias="model_name")


class ChatDeepSeek(ChatDashScope):
    """DeepSeek models hosted on DashScope; reasoning arrives in ``reasoning_content``.

    Example::

        from langchain_dashscope_models import ChatDeepSeek

        msg = ChatDeepSeek(model="deepseek-r1").invoke("Why is the sky blue?")
        msg.additional_kwargs["reasoning_content"], msg.content
    """

    model: str = Field(default="deepseek-v3", alias="model_name")


class ChatKimi(ChatDashScope):
    """Kimi models hosted on DashScope (Moonshot-Kimi-K2-Instruct, kimi-k2-thinking).

    Example::

        from langchain_dashscope_models import ChatKimi

        ChatKimi().invoke("Hello")
    """

    model: str = Field(default="Moonshot-Kimi-K2-Instruct", alias="model_name")
