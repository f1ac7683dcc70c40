"""The shared integration module: request merging, tool_choice, structured output, settings.

Both adapters call these functions; the tests at the end check that both build the same core
request from the same inputs (the drift this module removed: only LangChain renamed
``max_completion_tokens``, only LangChain sent ``strict``).
"""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core.llms import ChatMessage
from pydantic import BaseModel

from dashscope_models import Message, RequestValidationError, get_spec
from dashscope_models.emulator import Emulator
from dashscope_models.integration import (
    check_structured_output,
    merge_request,
    native_structured_method,
    resolve_tool_choice,
    response_format,
)
from langchain_dashscope_models import ChatQwen
from llamaindex_dashscope_models import Qwen

USER = [Message("user", "hi")]


def test_layers_go_over_each_other_in_order() -> None:
    request = merge_request(
        "qwen-plus",
        {"temperature": 0.1, "top_k": 3},
        {"temperature": 0.2, "vl_high_resolution_images": True, "extra_body": {"top_k": 4}},
        {"temperature": 0.3, "seed": None, "stop": [], "model_name": "qwen-max"},
        messages=USER,
    )
    assert (request.model, request.temperature, request.top_k) == ("qwen-max", 0.3, 4)
    assert request.seed is None and request.stop is None  # None and [] mean "not set"
    assert request.extra_parameters == {"vl_high_resolution_images": True}


def test_extra_body_is_over_its_own_layer_and_extra_parameters_over_all() -> None:
    request = merge_request(
        "qwen-plus",
        {},
        {"extra_body": {"enable_thinking": False}, "enable_thinking": True, "x": 1},
        {"extra_parameters": {"x": 2}},
        messages=USER,
    )
    assert request.enable_thinking is False and request.extra_parameters == {"x": 2}
    with pytest.raises(RequestValidationError, match="extra_body must be a dict"):
        merge_request("qwen-plus", {}, {"extra_body": "enable_thinking"}, messages=USER)


def test_the_output_cap_is_sent_once_under_the_name_used_last() -> None:
    newer = merge_request("m", {"max_tokens": 100}, {"max_completion_tokens": 5}, prompt="p")
    assert newer.max_tokens is None and newer.extra_parameters == {"max_completion_tokens": 5}
    older = merge_request("m", {}, {"max_completion_tokens": 5}, {"max_tokens": 7}, prompt="p")
    assert older.max_tokens == 7 and older.extra_parameters == {}


@pytest.mark.parametrize(
    ("choice", "names", "required", "sent"),
    [
        (None, ["a", "b"], False, None),
        (False, ["a"], False, None),
        ("auto", ["a", "b"], False, "auto"),
        ("none", ["a"], True, "none"),
        ("b", ["a", "b"], False, {"type": "function", "function": {"name": "b"}}),
        ({"type": "function", "function": {"name": "a"}}, ["a"], False,
         {"type": "function", "function": {"name": "a"}}),
        (True, ["a"], False, {"type": "function", "function": {"name": "a"}}),
        ("any", ["a"], False, {"type": "function", "function": {"name": "a"}}),
        (None, ["a"], True, {"type": "function", "function": {"name": "a"}}),
        ("required", ["a", "b"], False, "required"),  # refused per call by the request check
        ("any", ["a", "b"], False, "any"),  # the user's word, shown by that refusal
        (True, ["a", "b"], False, "required"),
        (None, ["a", "b"], True, "required"),
    ],
)  # fmt: skip
def test_tool_choice_resolution(choice: Any, names: list[str], required: bool, sent: Any) -> None:
    assert resolve_tool_choice(choice, names, required=required) == sent


def test_tool_choice_errors() -> None:
    with pytest.raises(RequestValidationError, match="not one of the tools"):
        resolve_tool_choice("c", ["a", "b"])
    with pytest.raises(RequestValidationError, match="unsupported tool_choice"):
        resolve_tool_choice(3, ["a"])  # type: ignore[arg-type]


def test_structured_output_capabilities_and_formats() -> None:
    check_structured_output("qwen-plus", "json_schema")
    check_structured_output("some-future-model", "json_schema")  # unknown ids: the service decides
    with pytest.raises(RequestValidationError, match="json_schema") as caught:
        check_structured_output("moonshot-v1-8k", "json_schema")
    assert caught.value.code == "JsonSchemaUnsupported"
    with pytest.raises(RequestValidationError, match="function_calling"):
        check_structured_output("chatyuan-large-v2", "function_calling")
    assert native_structured_method(get_spec("qwen-plus")) == "json_schema"
    assert native_structured_method(get_spec("moonshot-v1-8k")) is None
    assert response_format("json_mode") == {"type": "json_object"}
    schema = {"title": "Cat", "type": "object"}
    assert response_format("json_schema", schema, strict=True) == {
        "type": "json_schema", "json_schema": {"name": "Cat", "schema": schema, "strict": True}
    }  # fmt: skip


# -- both adapters, the same request ------------------------------------------------------


def _langchain(emulator: Emulator, settings: dict[str, Any], call: dict[str, Any]) -> Any:
    ChatQwen(**settings).invoke("hi", **call)
    return emulator.requests[-1].body["parameters"]


def _llamaindex(emulator: Emulator, settings: dict[str, Any], call: dict[str, Any]) -> Any:
    settings = {("additional_kwargs" if k == "model_kwargs" else k): v for k, v in settings.items()}
    Qwen(**settings).chat([ChatMessage(role="user", content="hi")], **call)
    return emulator.requests[-1].body["parameters"]


@pytest.mark.parametrize(
    ("settings", "call"),
    [
        ({"max_tokens": 100}, {"max_completion_tokens": 5}),
        ({"max_completion_tokens": 9}, {}),
        ({"model_kwargs": {"max_completion_tokens": 7}}, {"temperature": 0.5}),
        ({"temperature": 0.1, "model_kwargs": {"extra_body": {"top_k": 4}}}, {"top_k": 5}),
        ({}, {"extra_body": {"enable_thinking": False}, "seed": 3, "stop": []}),
    ],
)
def test_both_adapters_send_the_same_parameters(
    emulator: Emulator, settings: dict[str, Any], call: dict[str, Any]
) -> None:
    assert _langchain(emulator, settings, call) == _llamaindex(emulator, settings, call)


class Cat(BaseModel):
    name: str


def test_both_adapters_send_strict(emulator: Emulator) -> None:
    from llama_index.core.prompts import PromptTemplate

    ChatQwen().with_structured_output(Cat, method="json_schema", strict=True).invoke("a cat")
    langchain = emulator.requests[-1].body["parameters"]["response_format"]["json_schema"]
    Qwen().structured_predict(Cat, PromptTemplate("a cat"))
    llamaindex = emulator.requests[-1].body["parameters"]["response_format"]["json_schema"]
    assert langchain["strict"] is True and llamaindex["strict"] is False
    assert langchain["name"] == llamaindex["name"] == "Cat"


@pytest.mark.parametrize(
    ("where", "key"),
    [("call", "model"), ("call", "model_name"), ("layer", "model"), ("layer", "model_name")],
)
def test_the_chat_result_format_is_the_chosen_models(where: str, key: str) -> None:
    # The model may be chosen in any layer under either name: the chat result format is the
    # one of the model sent (qwen-plus: "message"), not of the constructor's (chatyuan: none).
    from langchain_core.messages import HumanMessage

    call = {key: "qwen-plus"} if where == "call" else {}
    layer = {key: "qwen-plus"} if where == "layer" else {}
    chat = ChatQwen(model="chatyuan-large-v2", model_kwargs=layer)
    sent = chat._build([HumanMessage("hi")], None, dict(call))
    assert (sent.model, sent.result_format) == ("qwen-plus", "message")
    llm = Qwen(model="chatyuan-large-v2", additional_kwargs=layer)
    sent = llm._chat_request([ChatMessage(role="user", content="hi")], dict(call))
    assert (sent.model, sent.result_format) == ("qwen-plus", "message")
    assert (
        merge_request("qwen-plus", {}, {"result_format": "text"}, chat=True).result_format == "text"
    )
