"""One test per langchain-core internal that ``langchain_dashscope_models._compat`` relies on:
each fails loudly when that internal changes (then re-check the patch, or drop it)."""

from __future__ import annotations

import inspect
import warnings

import pytest
from langchain_core.language_models import BaseChatModel, BaseLLM

from langchain_dashscope_models import ChatQwen, QwenLLM, _compat


def test_the_installed_version_is_one_the_patches_were_checked_against() -> None:
    assert _compat.check_version()
    with pytest.warns(RuntimeWarning, match="speed patches were checked against"):
        assert not _compat.check_version("2.1.0")


def test_signatures_langchain_core_still_inspects_the_methods_per_call() -> None:
    source = inspect.getsource(BaseChatModel._agenerate_with_cache)
    assert "_signature_parameters(self._agenerate)" in source  # what SIGNATURES saves
    assert "_signature_parameters(self._generate)" in inspect.getsource(
        BaseChatModel._generate_with_cache
    )
    for method in (ChatQwen._generate, ChatQwen._agenerate):
        assert inspect.signature(method) is method.__signature__  # type: ignore[attr-defined]
        assert "run_manager" in inspect.signature(method).parameters


def test_profile_check_replaces_the_validator_of_that_name() -> None:
    validators = BaseChatModel.__pydantic_decorators__.model_validators
    assert _compat.PROFILE_CHECK in validators  # langchain-core's check, by this name
    ours = ChatQwen.__pydantic_decorators__.model_validators[_compat.PROFILE_CHECK]
    assert ours.func.__qualname__ == "ChatPatches._check_profile_keys"


def test_dict_for_compat_is_read_per_call_and_equals_langchain_cores() -> None:
    for base in (BaseChatModel, BaseLLM):
        assert hasattr(base, _compat.DICT_FOR_COMPAT)
    assert "self._dict_for_compat()" in inspect.getsource(BaseChatModel._get_invocation_params)
    chat, llm = ChatQwen(temperature=0.2, stop=["x"]), QwenLLM(max_tokens=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert chat._dict_for_compat() == BaseChatModel._dict_for_compat(chat)
        assert llm._dict_for_compat() == BaseLLM._dict_for_compat(llm)


def test_trusted_classes_have_only_the_fields_we_name() -> None:
    from langchain_core import messages, outputs

    named = {"AIMessage": 9, "AIMessageChunk": 11, "ChatGeneration": 4,
             "ChatGenerationChunk": 4, "ChatResult": 2}  # fmt: skip
    for name in _compat.TRUSTED:
        cls = getattr(messages, name, None) or getattr(outputs, name)
        assert len(cls.model_fields) == named[name], name  # a new field: name it in _convert
