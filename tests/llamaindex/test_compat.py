"""One test per llama-index-core internal that ``llamaindex_dashscope_models._compat`` relies
on: each fails loudly when that internal changes (then re-check the patch, or drop it)."""

from __future__ import annotations

import inspect

import pytest

from llamaindex_dashscope_models import Qwen, _compat


def test_the_installed_version_is_one_the_patches_were_checked_against() -> None:
    assert _compat.check_version()
    with pytest.warns(RuntimeWarning, match="speed patches were checked against"):
        assert not _compat.check_version("0.15.0")


def test_signatures_the_dispatcher_still_binds_arguments_per_call() -> None:
    from llama_index_instrumentation.dispatcher import Dispatcher

    assert "inspect.signature(func).bind(" in inspect.getsource(Dispatcher.span)
    function = Qwen.achat
    while hasattr(function, "__wrapped__"):
        function = function.__wrapped__
    assert inspect.signature(function) is function.__signature__


def test_payload_is_what_llama_index_builds_and_read_by_the_callbacks() -> None:
    from llama_index.core.base.llms.base import BaseLLM
    from llama_index.core.llms import callbacks

    assert "_self.to_payload()" in inspect.getsource(callbacks)
    llm = Qwen(model="qwen-max", max_tokens=7)
    assert llm.to_payload() == BaseLLM.to_payload(llm)
    assert llm.to_payload() is not llm.to_payload()  # a copy each time: callers may change it


def test_trusted_classes_have_only_the_fields_we_name() -> None:
    from llama_index.core.base.llms import types

    named = {"ChatResponse": {"message", "raw", "delta", "logprobs", "additional_kwargs"},
             "CompletionResponse": {"text", "additional_kwargs", "raw", "logprobs", "delta"},
             "ChatMessage": {"role", "additional_kwargs", "blocks"},
             "TextBlock": {"block_type", "text"}}  # fmt: skip
    for name in _compat.TRUSTED:
        assert set(getattr(types, name).model_fields) == named[name], name
