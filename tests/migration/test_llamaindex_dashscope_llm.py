"""llama-index-llms-dashscope's examples, with the import changed, over the emulator.

Each test is an example from the ``DashScope`` docstring, the package README, LlamaIndex's
"DashScope LLMS" notebook or the package's tests, with
``from llamaindex_dashscope_models import DashScope, DashScopeGenerationModels`` in place of
``from llama_index.llms.dashscope import ...``. Tests of the package's private helpers (its
mocked ``call_with_messages``, ``_convert_tool_to_dashscope_format``) have no counterpart.
"""

from __future__ import annotations

import pytest
from llama_index.core.base.llms.base import BaseLLM
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    CompletionResponse,
    MessageRole,
    ToolCallBlock,
)

from dashscope_models import RequestValidationError, get_spec
from dashscope_models.emulator import Emulator
from llamaindex_dashscope_models import (  # the one changed import
    DashScope,
    DashScopeGenerationModels,
)


def test_docstring(emulator: Emulator) -> None:
    dashscope_llm = DashScope(model_name=DashScopeGenerationModels.QWEN_MAX)
    # (the docstring then calls ``llm.complete``: a name it never defined)
    response = dashscope_llm.complete("What is the meaning of life?")
    assert response.text
    assert emulator.requests[-1].body["model"] == "qwen-max"


# -- the README and the notebook (the same cells) -----------------------------------------------


@pytest.fixture
def dashscope_llm() -> DashScope:
    # Initialize DashScope object
    return DashScope(model_name=DashScopeGenerationModels.QWEN_MAX)


def test_readme_complete(dashscope_llm: DashScope, emulator: Emulator) -> None:
    resp = dashscope_llm.complete("How to make cake?")
    assert "How to make cake?" in str(resp)
    resp = dashscope_llm.complete("How to make cake without sugar?")
    assert str(resp)


def test_readme_stream_complete(dashscope_llm: DashScope, emulator: Emulator) -> None:
    responses = dashscope_llm.stream_complete("How to make cake?")
    deltas = [response.delta for response in responses]
    assert len(deltas) > 1 and "".join(d or "" for d in deltas)


def test_readme_multi_round_chat(dashscope_llm: DashScope, emulator: Emulator) -> None:
    messages = [
        ChatMessage(role=MessageRole.SYSTEM, content="You are a helpful assistant."),
        ChatMessage(role=MessageRole.USER, content="How to make cake?"),
    ]
    # Get first round response
    resp = dashscope_llm.chat(messages)
    assert str(resp).startswith("assistant: ")
    # Continue conversation
    messages.append(ChatMessage(role=MessageRole.ASSISTANT, content=resp.message.content))
    messages.append(ChatMessage(role=MessageRole.USER, content="How to make it without sugar?"))
    # Get second round response
    resp = dashscope_llm.chat(messages)
    assert "without sugar" in str(resp)
    assert len(emulator.requests[-1].body["input"]["messages"]) == 4


def test_notebook_stream_chat(dashscope_llm: DashScope, emulator: Emulator) -> None:
    messages = [
        ChatMessage(role=MessageRole.SYSTEM, content="You are a helpful assistant."),
        ChatMessage(role=MessageRole.USER, content="How to make cake?"),
    ]
    responses = dashscope_llm.stream_chat(messages)
    text = "".join(response.delta or "" for response in responses)
    assert text == dashscope_llm.chat(messages).message.content


# -- the package's tests -----------------------------------------------------------------------


def test_class() -> None:
    names_of_base_classes = [b.__name__ for b in DashScope.__mro__]
    assert BaseLLM.__name__ in names_of_base_classes


def test_get_tool_calls_from_response_actual_data() -> None:
    """Test get_tool_calls_from_response correctly extracts tool calls from a ChatResponse."""
    dashscope_llm = DashScope(api_key="test")
    additional_kwargs = {
        "tool_calls": [
            {
                "index": 0,
                "id": "call_function_id",
                "type": "function",
                "function": {
                    "name": "get_current_weather",
                    "arguments": '{"location":"location"}',
                },
            }
        ]
    }

    chat_message = ChatMessage(
        role=MessageRole.ASSISTANT.value,
        content="",
        additional_kwargs=additional_kwargs,
    )

    chat_response = ChatResponse(message=chat_message, delta="", raw=None)

    tool_selections = dashscope_llm.get_tool_calls_from_response(chat_response)

    assert len(tool_selections) == 1

    selection = tool_selections[0]
    assert selection.tool_id == "call_function_id"
    assert selection.tool_name == "get_current_weather"
    assert selection.tool_kwargs == {"location": "location"}


async def test_astream_complete(emulator: Emulator) -> None:
    dashscope_llm = DashScope(api_key="sk-test-emulator-key")
    gen = await dashscope_llm.astream_complete("hi, there!")
    responses = [partial_resp async for partial_resp in gen]
    assert isinstance(responses[-1], CompletionResponse)
    assert responses[-1].text == "".join(r.delta or "" for r in responses)


async def test_astream_chat(emulator: Emulator) -> None:
    dashscope_llm = DashScope(api_key="sk-test-emulator-key")
    gen = await dashscope_llm.astream_chat(messages=[ChatMessage.from_str("hi, there!")])
    responses = [partial_chat_resp async for partial_chat_resp in gen]
    assert isinstance(responses[-1], ChatResponse)
    assert responses[-1].message.content == "".join(r.delta or "" for r in responses)
    assert responses[-1].message.role == "assistant"


# -- what the migration needs of the names -------------------------------------------------------


def test_model_name_drives_metadata(emulator: Emulator) -> None:
    llm = DashScope(model_name="qwen-max")
    assert llm.model == llm.model_name == "qwen-max"
    assert llm.metadata.model_name == "qwen-max"
    assert llm.metadata.context_window == get_spec("qwen-max").context_window
    assert llm.metadata.context_window != DashScope().metadata.context_window
    llm.complete("hi")
    assert emulator.requests[-1].body["model"] == "qwen-max"


def test_anchor_metadata_arguments() -> None:
    """llama-index-llms-dashscope's ``context_window`` and ``is_function_calling_model``
    arguments set the metadata over the catalog; ``incremental_output`` is accepted."""
    llm = DashScope(
        model_name=DashScopeGenerationModels.QWEN_PLUS,
        context_window=8192,
        is_function_calling_model=False,
        incremental_output=True,
    )
    assert llm.metadata.context_window == 8192
    assert llm.metadata.is_function_calling_model is False
    assert llm.additional_kwargs == {}


def test_tool_calls_from_blocks_and_stored_form_agree() -> None:
    llm = DashScope()
    blocks = ChatMessage(
        role="assistant",
        blocks=[ToolCallBlock(tool_call_id="c1", tool_name="add", tool_kwargs={"a": 1})],
    )
    stored = ChatMessage(
        role="assistant",
        content="",
        additional_kwargs={
            "tool_calls": [
                {"id": "c1", "type": "function",
                 "function": {"name": "add", "arguments": {"a": 1}}}
            ]
        },
    )  # fmt: skip
    from_blocks = llm.get_tool_calls_from_response(ChatResponse(message=blocks))
    from_stored = llm.get_tool_calls_from_response(ChatResponse(message=stored))
    assert from_blocks == from_stored
    with pytest.raises(ValueError, match="expected at least one tool call"):
        llm.get_tool_calls_from_response(ChatResponse(message=ChatMessage(content="no call")))


def test_difference_max_tokens_over_the_limit_is_refused_early(emulator: Emulator) -> None:
    """llama-index-llms-dashscope sent any ``max_tokens``; ours refuses one over the model's
    output limit before sending (the fix: a value within the limit the message names)."""
    llm = DashScope(model_name=DashScopeGenerationModels.QWEN_MAX, max_tokens=1_000_000)
    with pytest.raises(RequestValidationError, match="8192"):
        llm.complete("How to make cake?")
    assert emulator.requests == []
    fixed = DashScope(model_name=DashScopeGenerationModels.QWEN_MAX, max_tokens=8192)
    assert fixed.complete("How to make cake?").text
