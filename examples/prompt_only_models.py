"""The prompt-only families (MOSS, ChatYuan) used as chat models, in both frameworks.

The service takes only a prompt for these models; the classes render chat messages into each
model's documented prompt format and strip the echo from the reply.
Run: ``python examples/prompt_only_models.py`` (offline on the emulator without a key).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _backend import dashscope_backend
from langchain_core.messages import HumanMessage, SystemMessage
from llama_index.core.llms import ChatMessage

from langchain_dashscope_models import ChatMoss, ChatYuan, MossLLM
from llamaindex_dashscope_models import Moss


def main() -> None:
    messages = [SystemMessage("You are a helpful assistant."), HumanMessage("你好，介绍一下你自己")]
    print("ChatMoss:", ChatMoss().invoke(messages).content)
    print("ChatYuan:", ChatYuan().invoke([HumanMessage("写一句关于春天的诗")]).content)
    print("MossLLM: ", MossLLM().invoke("<|Human|>: 1+1=?<eoh>\n<|MOSS|>:"))
    print(
        "LlamaIndex Moss:", Moss().chat([ChatMessage(role="user", content="你好")]).message.content
    )


if __name__ == "__main__":
    with dashscope_backend():
        main()
