"""A LangGraph tool-calling agent with two tools, on ChatQwen.

Run: ``python examples/langgraph_agent.py`` (offline on the emulator without DASHSCOPE_API_KEY).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _backend import dashscope_backend
from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from langchain_dashscope_models import ChatQwen


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"{city}: sunny, 22 °C"


@tool
def get_population(city: str) -> str:
    """Population of a city."""
    return f"{city}: about 12 million people"


def build_agent() -> object:
    """Model node and tool node in a loop, until the model answers without tool calls."""
    tools = [get_weather, get_population]
    model = ChatQwen(model="qwen-plus").bind_tools(tools)
    graph = StateGraph(MessagesState)
    graph.add_node("model", lambda state: {"messages": [model.invoke(state["messages"])]})
    graph.add_node("tools", ToolNode(tools))
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", tools_condition)
    graph.add_edge("tools", "model")
    return graph.compile()


def main() -> None:
    agent = build_agent()
    state = agent.invoke({"messages": [("user", "What is the weather in 'Hangzhou'?")]})
    for message in state["messages"]:
        calls = getattr(message, "tool_calls", None)
        shown = f"calls {[(c['name'], c['args']) for c in calls]}" if calls else message.content
        print(f"{message.type:>5}: {shown}")


if __name__ == "__main__":
    with dashscope_backend():
        main()
