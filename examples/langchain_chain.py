"""An LCEL chain with ChatQwen: invoke, then stream tokens live through a callback.

Run: ``python examples/langchain_chain.py`` (offline on the emulator without DASHSCOPE_API_KEY).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _backend import dashscope_backend
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from langchain_dashscope_models import ChatQwen


class PrintTokens(BaseCallbackHandler):
    """Print every streamed token as it arrives, and count them."""

    def __init__(self) -> None:
        self.tokens = 0

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens += 1
        print(token, end="", flush=True)


def main() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You answer in one short sentence."), ("user", "{question}")]
    )
    chain = prompt | ChatQwen(model="qwen-plus", temperature=0.3) | StrOutputParser()

    print("invoke:", chain.invoke({"question": "What is DashScope?"}))

    printer = PrintTokens()
    print("stream: ", end="")
    for _ in chain.stream({"question": "Name three Qwen models."}, {"callbacks": [printer]}):
        pass
    print(f"\n({printer.tokens} tokens streamed)")


if __name__ == "__main__":
    with dashscope_backend():
        main()
