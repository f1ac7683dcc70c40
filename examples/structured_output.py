"""Structured output into a pydantic model, by each method ChatQwen supports.

Run: ``python examples/structured_output.py`` (offline on the emulator without DASHSCOPE_API_KEY).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _backend import dashscope_backend
from pydantic import BaseModel, Field

from langchain_dashscope_models import ChatQwen


class City(BaseModel):
    """A city and the country it is in."""

    name: str = Field(description="the city's name")
    country: str = Field(description="the country the city is in")
    population_millions: float = Field(description="population in millions")


def main() -> None:
    model = ChatQwen(model="qwen-plus")
    question = "Tell me about 'Hangzhou' in 'China', population 12.5 million."
    for method in ("function_calling", "json_schema"):
        city = model.with_structured_output(City, method=method).invoke(question)
        print(f"{method:>16}: {city!r}")


if __name__ == "__main__":
    with dashscope_backend():
        main()
