"""What DashScope's explicit context cache saves an agent: 10 turns, with and without
``DashScopePromptCachingMiddleware``, in billed-token equivalents.

Run: ``python examples/agent_cache_savings.py`` (offline on the emulator without
DASHSCOPE_API_KEY; needs the ``examples`` extra: langchain). Each turn asks a question that
makes the agent call a tool, then answer: two model calls a turn, each sending the long
system prompt and the whole conversation again. Input tokens are billed at 100%; with explicit
cache, tokens written to the cache at 125% and tokens read from it at 10% (Model Studio's
context-cache billing), so the table shows ``uncached + 1.25 x created + 0.10 x read``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _backend import dashscope_backend
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.tools import tool

from langchain_dashscope_models import ChatQwen, DashScopePromptCachingMiddleware

TURNS = 10
RULES = (
    "You are the assistant of a bookshop. Answer in two sentences, cite the tool you used, "
    "never promise a delivery date, and check stock with find_books before you recommend a "
    "title. "
) * 60  # a long system prompt, as real agents have (about 2,000 tokens)


@tool
def find_books(topic: str) -> str:
    """Books in stock about a topic."""
    return f"In stock about {topic}: three titles, from 12 to 30 euros"


def billed(messages: list[BaseMessage]) -> tuple[int, float]:
    """The input tokens sent, and their billed equivalent, over every model call."""
    sent = 0
    equivalent = 0.0
    for message in messages:
        usage = message.usage_metadata if isinstance(message, AIMessage) else None
        if usage is None:
            continue
        details = usage.get("input_token_details") or {}
        read, created = details.get("cache_read", 0), details.get("cache_creation", 0)
        sent += usage["input_tokens"]
        equivalent += usage["input_tokens"] - read - created + 1.25 * created + 0.10 * read
    return sent, equivalent


def run(cached: bool) -> tuple[int, float]:
    middleware = [DashScopePromptCachingMiddleware()] if cached else []
    agent = create_agent(
        ChatQwen(model="qwen-plus"), [find_books], system_prompt=RULES, middleware=middleware
    )
    messages: list[BaseMessage] = []
    for turn in range(TURNS):
        question = f"Find books about 'topic {turn}' for a customer"
        state = agent.invoke({"messages": [*messages, ("user", question)]})
        messages = state["messages"]
    return billed(messages)


def main() -> None:
    plain_sent, plain = run(cached=False)
    cached_sent, cached = run(cached=True)
    print(f"{TURNS} agent turns ({2 * TURNS} model calls), input tokens billed:")
    for label, sent, bill in (("without", plain_sent, plain), ("with", cached_sent, cached)):
        label = f"{label} the middleware:"
        print(f"  {label:<24}{sent:>7} sent, {bill:>9.0f} billed-token equivalent")
    print(f"  saved: {1 - cached / plain:.0%} of the input bill")


if __name__ == "__main__":
    with dashscope_backend():
        main()
