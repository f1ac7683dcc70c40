"""A tool-calling agent with three tools, on ChatQwen: ``langchain.agents.create_agent``.

Run: ``python examples/agent.py`` (offline on the emulator without DASHSCOPE_API_KEY); it needs
the ``examples`` extra (``pip install -e '.[examples]'``: langchain, which runs on LangGraph).
The agent calls tools until the model answers without one; offline, the emulator calls the tool
each question is about, with arguments taken from the question.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _backend import dashscope_backend
from langchain.agents import create_agent
from langchain_core.tools import tool

from langchain_dashscope_models import ChatQwen


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"{city}: sunny, 22 °C"


@tool
def get_population(city: str) -> str:
    """Population of a city."""
    return f"{city}: about 12 million people"


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def main() -> None:
    agent = create_agent(ChatQwen(model="qwen-plus"), [get_weather, get_population, add])
    for question in ["What is the weather in 'Hangzhou'?", "What is 2 plus 3?"]:
        state = agent.invoke({"messages": [("user", question)]})
        for message in state["messages"]:
            calls = getattr(message, "tool_calls", None)
            shown = f"calls {[(c['name'], c['args']) for c in calls]}" if calls else message.content
            print(f"{message.type:>5}: {shown}")


if __name__ == "__main__":
    with dashscope_backend():
        main()
