"""The emulator calls the tool the question is about (name, shared words, fillable arguments),
with arguments from the question, deterministically; over its HTTP server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dashscope_models import DashScopeClient, GenerationRequest, Message
from dashscope_models.emulator import Emulator


def function(name: str, description: str, **properties: str) -> dict[str, Any]:
    schema = {"type": "object", "properties": {k: {"type": v} for k, v in properties.items()},
              "required": list(properties)}  # fmt: skip
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": schema},
    }


WEATHER = function("get_weather", "Get the current weather for a city", city="string")
ADD = function("add", "Add two integers.", a="integer", b="integer")
MULTIPLY = function("multiply", "Multiply a and b.", a="integer", b="integer")
TOOLS = [WEATHER, ADD, MULTIPLY]


@pytest.mark.parametrize(
    ("question", "tools", "name", "arguments"),
    [
        ("What is 2 plus 3?", TOOLS, "add", {"a": 2, "b": 3}),
        ("What is 2 plus 3?", [WEATHER, ADD], "add", {"a": 2, "b": 3}),
        ("What is 3 times 12?", TOOLS, "multiply", {"a": 3, "b": 12}),
        (
            "What's the weather in Paris?",
            [ADD, MULTIPLY, WEATHER],
            "get_weather",
            {"city": "Paris"},
        ),
        ("How hot is it in Hangzhou today?", [ADD, WEATHER], "get_weather", {"city": "Hangzhou"}),
        ("Please call multiply on 4 and 5", TOOLS, "multiply", {"a": 4, "b": 5}),
        ("Sum 10 and 32", TOOLS, "add", {"a": 10, "b": 32}),
    ],
)
async def test_the_tool_the_question_is_about(
    base_url: str, emulator: Emulator, question: str, tools: list[dict[str, Any]], name: str,
    arguments: dict[str, Any], sync: bool,
) -> None:  # fmt: skip
    client = DashScopeClient(base_url=base_url)
    request = GenerationRequest(
        model="qwen-plus", messages=[Message("user", question)], tools=tools
    )
    result = client.generate(request) if sync else await client.agenerate(request)
    assert [call.name for call in result.tool_calls] == [name]
    assert json.loads(result.tool_calls[0].arguments) == arguments
    again = client.generate(request)
    assert again.tool_calls[0].id == result.tool_calls[0].id  # deterministic
    assert len(emulator.requests) == 2


def test_langchain_agent_tools(emulator: Emulator) -> None:
    from langchain_core.tools import tool

    from langchain_dashscope_models import ChatQwen

    @tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return f"Sunny in {city}"

    @tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    message = ChatQwen(model="qwen-plus").bind_tools([get_weather, add]).invoke("What is 2 plus 3?")
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [("add", {"a": 2, "b": 3})]
