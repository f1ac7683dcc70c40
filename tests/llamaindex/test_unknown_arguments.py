"""LlamaIndex classes take unknown constructor arguments as LangChain's do (and
langchain-openai's): a warning, then the argument goes into ``additional_kwargs`` and is sent."""

from __future__ import annotations

import pytest

from dashscope_models.emulator import Emulator
from llamaindex_dashscope_models import Moonshot, Qwen


async def test_unknown_argument_warns_and_is_sent(emulator: Emulator, sync: bool) -> None:
    with pytest.warns(UserWarning, match="'streaming' is not a parameter of Qwen") as caught:
        llm = Qwen(model="qwen-plus", streaming=True)
    assert caught[0].filename == __file__  # the warning points at the caller's line
    assert llm.additional_kwargs == {"streaming": True}
    answer = llm.complete("Hi") if sync else await llm.acomplete("Hi")
    assert answer.text == "[qwen-plus] You said: Hi"
    assert emulator.requests[-1].body["parameters"]["streaming"] is True


async def test_misspelt_parameter_is_visible_not_dropped(emulator: Emulator) -> None:
    with pytest.warns(UserWarning, match="temprature"):
        llm = Moonshot(temprature=0.3)
    llm.complete("Hi")
    parameters = emulator.requests[-1].body["parameters"]
    assert parameters["temprature"] == 0.3 and "temperature" not in parameters


def test_extra_body_goes_to_additional_kwargs_without_warning(emulator: Emulator) -> None:
    llm = Qwen(extra_body={"enable_thinking": False}, additional_kwargs={"seed_text": "x"})
    assert llm.additional_kwargs == {"seed_text": "x", "enable_thinking": False}
    llm.complete("Hi")
    assert emulator.requests[-1].body["parameters"]["enable_thinking"] is False


def test_a_name_given_twice_is_an_error() -> None:
    with pytest.raises(ValueError, match="both as an argument and in additional_kwargs"):
        Qwen(streaming=True, additional_kwargs={"streaming": False})


def test_known_fields_and_aliases_do_not_warn() -> None:
    llm = Qwen(
        dashscope_api_key="sk-x",
        request_timeout=5,
        max_completion_tokens=10,
        system_prompt="Be brief.",
    )
    assert llm.additional_kwargs == {} and llm.max_tokens == 10 and llm.timeout == 5
