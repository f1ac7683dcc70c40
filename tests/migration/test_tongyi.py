"""langchain-community's ``Tongyi`` LLM examples, with one import changed, over the emulator.

Each test is an example from Tongyi's docstring, LangChain's "Tongyi Qwen" LLM notebook or
langchain-community's Tongyi tests, as written there, with
``from langchain_dashscope_models import QwenLLM as Tongyi`` in place of the
langchain-community import.
"""

from __future__ import annotations

from langchain_core.outputs import LLMResult
from langchain_core.prompts import PromptTemplate
from pydantic import SecretStr

from dashscope_models.emulator import Emulator
from langchain_dashscope_models import QwenLLM as Tongyi  # the one changed line

input_text = "用50个字左右阐述，生命的意义在于"


# -- the docstring ---------------------------------------------------------------------------


def test_docstring_invoke(emulator: Emulator) -> None:
    llm = Tongyi(
        model="qwen-max",
        # top_p="...",
        # api_key="...",
        # other params...
    )
    answer = llm.invoke(input_text)
    assert isinstance(answer, str) and answer
    assert emulator.requests[-1].body["model"] == "qwen-max"


def test_docstring_stream(emulator: Emulator) -> None:
    llm = Tongyi(model="qwen-max")
    chunks = list(llm.stream(input_text))
    assert len(chunks) > 1 and all(isinstance(c, str) for c in chunks)
    assert "".join(chunks) == llm.invoke(input_text)


async def test_docstring_async(emulator: Emulator) -> None:
    llm = Tongyi(model="qwen-max")
    answer = await llm.ainvoke(input_text)
    assert answer
    streamed = [chunk async for chunk in llm.astream(input_text)]
    assert "".join(streamed) == answer
    assert await llm.abatch([input_text]) == [answer]


# -- LangChain's Tongyi notebook -------------------------------------------------------------


def test_notebook_invoke(emulator: Emulator) -> None:
    answer = Tongyi().invoke("What NFL team won the Super Bowl in the year Justin Bieber was born?")
    assert "Super Bowl" in answer


def test_notebook_chain(emulator: Emulator) -> None:
    llm = Tongyi()
    template = """Question: {question}

Answer: Let's think step by step."""

    prompt = PromptTemplate.from_template(template)
    chain = prompt | llm
    question = "What NFL team won the Super Bowl in the year Justin Bieber was born?"
    answer = chain.invoke({"question": question})
    assert "step by step" in answer


# -- langchain-community's Tongyi tests ------------------------------------------------------


def test_tongyi_call(emulator: Emulator) -> None:
    """Test valid call to tongyi."""
    llm = Tongyi()
    output = llm.invoke("who are you")
    assert isinstance(output, str)


def test_tongyi_generate(emulator: Emulator) -> None:
    """Test valid call to tongyi."""
    llm = Tongyi()
    output = llm.generate(["who are you"])
    assert isinstance(output, LLMResult)
    assert isinstance(output.generations, list)
    # Tongyi's usage key, per generation
    info = output.generations[0][0].generation_info or {}
    assert info["token_usage"]["total_tokens"] == output.llm_output["token_usage"]["total_tokens"]


def test_tongyi_generate_stream(emulator: Emulator) -> None:
    """Test valid call to tongyi."""
    llm = Tongyi(streaming=True)
    output = llm.generate(["who are you"])
    assert isinstance(output, LLMResult)
    assert isinstance(output.generations, list)
    assert emulator.requests[-1].stream  # streamed, as streaming=True asks


def test_tongyi_with_param_alias() -> None:
    """Test tongyi parameters alias"""
    llm = Tongyi(model="qwen-max", api_key="your-api_key")
    assert llm.model_name == "qwen-max"
    assert llm.dashscope_api_key == "your-api_key"
    # ... and, unlike Tongyi's plain string, the key is a SecretStr that never prints
    assert isinstance(llm.dashscope_api_key, SecretStr)
    assert "your-api_key" not in repr(llm) and "your-api_key" not in str(llm.dashscope_api_key)
