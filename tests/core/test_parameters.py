"""The parameter table (``_parameters``): one row per parameter, and everything read from it.

``enable_code_interpreter`` is the row added to show that a new plain parameter is one line:
the recorded request that uses it is rebuilt from our types, and it is checked, sent, and taken
by both frameworks' classes as a field and per call.
"""

from __future__ import annotations

import ast
import inspect
from typing import get_type_hints

import pytest

import dashscope_models.integration as integration
from dashscope_models import GenerationRequest, Message, RequestValidationError
from dashscope_models._request import build_body
from dashscope_models._types import parameters
from dashscope_models.emulator import Emulator

USER = [Message("user", "What is 123**21?")]


def test_every_request_field_but_the_input_is_a_row() -> None:
    rows = {p.name for p in parameters()}
    assert rows == set(GenerationRequest.__dataclass_fields__) - {
        "model", "messages", "prompt", "extra_parameters", "thinking_disabled"
    }  # fmt: skip
    assert rows == integration.REQUEST_PARAMETERS  # every row may be given per call


def test_the_typed_settings_view_matches_the_table() -> None:
    """The framework fields are made from the table at run time; the TYPE_CHECKING view that
    mypy and editors read must name the same fields with the same types."""
    tree = ast.parse(inspect.getsource(integration))
    view = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.name == "GenerationSettings"
    )
    typed = {
        n.target.id: ast.unparse(n.annotation)
        for n in view.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    }
    fields = integration.GenerationSettings.model_fields
    assert list(typed) == list(fields) == [p.name for p in parameters() if p.framework]
    hints = get_type_hints(integration.GenerationSettings)
    for name, annotation in typed.items():
        assert str(hints[name]).replace("typing.", "") == annotation, name
    aliases = {p.name: p.alias for p in parameters() if p.alias}
    assert {n: f.alias for n, f in fields.items() if f.alias} == aliases


# The request of recordings/single-generation-message-with-code-interpreter-sse (as sent).
RECORDED = {
    "model": "qwen3-max-preview",
    "input": {"messages": [{"role": "user", "content": "123的21次方是多少？"}]},
    "parameters": {"result_format": "message", "enable_thinking": True,
                   "enable_code_interpreter": True, "incremental_output": True},
}  # fmt: skip


def test_the_recorded_code_interpreter_request_is_rebuilt() -> None:
    request = GenerationRequest(
        model="qwen3-max-preview",
        messages=[Message("user", "123的21次方是多少？")],
        result_format="message",
        enable_thinking=True,
        enable_code_interpreter=True,
    )
    assert build_body(request, stream=True).body == RECORDED


def test_a_switch_row_is_checked_and_sent() -> None:
    request = GenerationRequest(model="qwen-plus", messages=USER, enable_code_interpreter=True)
    assert build_body(request, stream=False).body["parameters"] == {"enable_code_interpreter": True}
    unset = GenerationRequest(model="qwen-plus", messages=USER)
    assert "enable_code_interpreter" not in build_body(unset, stream=False).body["parameters"]
    bad = GenerationRequest(model="qwen-plus", messages=USER, enable_code_interpreter="yes")  # type: ignore[arg-type]
    with pytest.raises(
        RequestValidationError, match="enable_code_interpreter must be True or False"
    ):
        build_body(bad, stream=False)


@pytest.mark.parametrize("framework", ["langchain", "llamaindex"])
@pytest.mark.parametrize("where", ["field", "per_call", "extra"])
def test_a_new_row_reaches_both_frameworks(emulator: Emulator, framework: str, where: str) -> None:
    from llama_index.core.llms import ChatMessage

    from langchain_dashscope_models import ChatQwen
    from llamaindex_dashscope_models import Qwen

    on = {"enable_code_interpreter": True}
    extra = "model_kwargs" if framework == "langchain" else "additional_kwargs"
    args = {"field": on, "extra": {extra: on}, "per_call": {}}[where]
    call = on if where == "per_call" else {}
    if framework == "langchain":
        ChatQwen(**args).invoke("What is 123**21?", **call)
    else:
        Qwen(**args).chat([ChatMessage(role="user", content="What is 123**21?")], **call)
    assert emulator.requests[-1].body["parameters"]["enable_code_interpreter"] is True


def test_identifying_parameters_come_from_the_table() -> None:
    from langchain_dashscope_models import ChatQwen

    model = ChatQwen(temperature=0.1, top_k=5, repetition_penalty=1.1)
    expected = {"model": "qwen-plus", "temperature": 0.1, "top_k": 5}
    assert model._identifying_params == expected  # repetition_penalty is no identifying row
