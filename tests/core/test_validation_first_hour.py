"""Checks before any request (issue 16): a conversation with no user message, Moonshot's shared
context (a certain lower bound of the input plus max_tokens), and the service's own
"Range of max_tokens should be [1, N]" as a typed error naming N. Over the emulator's HTTP
server; every refusal is checked to have sent nothing."""

from __future__ import annotations

import pickle
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from dashscope_models import (
    BadRequestError,
    DashScopeClient,
    GenerationRequest,
    MaxTokensError,
    Message,
    RequestValidationError,
)
from dashscope_models._budget import lower_bound_tokens
from dashscope_models.emulator import Emulator, Fault

Refused = Callable[[Callable[[], Any]], Awaitable[RequestValidationError]]
NO_USER = [
    [Message("system", "You are terse.")],
    [Message("assistant", "Hello! How can I help?")],
    [Message("system", "You are terse."), Message("assistant", "Ready.")],
]


def call(client: DashScopeClient, request: GenerationRequest, sync: bool) -> Any:
    return client.generate(request) if sync else client.agenerate(request)


@pytest.fixture
def client(base_url: str) -> DashScopeClient:
    return DashScopeClient(base_url=base_url, max_retries=2)


@pytest.mark.parametrize("messages", NO_USER)
async def test_no_user_message_is_refused(
    client: DashScopeClient, refused: Refused, messages: list[Message], sync: bool
) -> None:
    request = GenerationRequest(model="qwen-plus", messages=messages)
    err = await refused(lambda: call(client, request, sync))
    assert err.code == "NoUserMessage" and "no user message" in err.message


async def test_no_user_message_in_the_frameworks(refused: Refused, sync: bool) -> None:
    from langchain_core.messages import AIMessage, SystemMessage
    from llama_index.core.llms import ChatMessage

    from langchain_dashscope_models import ChatQwen
    from llamaindex_dashscope_models import Qwen

    history = [SystemMessage("You are terse."), AIMessage("Ready.")]
    chat = ChatQwen(model="qwen-plus")
    await refused(lambda: chat.invoke(history) if sync else chat.ainvoke(history))
    messages = [ChatMessage(role="system", content="You are terse.")]
    llm = Qwen(model="qwen-plus")
    await refused(lambda: llm.chat(messages) if sync else llm.achat(messages))


def test_emulator_refuses_it_as_the_service(base_url: str) -> None:
    body = {"model": "qwen-plus", "input": {"messages": [{"role": "system", "content": "Hi"}]}}
    answer = httpx.post(
        base_url + "/services/aigc/text-generation/generation",
        json=body,
        headers={"Authorization": "Bearer sk-test-emulator-key"},
    )
    assert answer.status_code == 400
    assert (
        answer.json()["message"]
        == "The input messages do not contain elements with the role of user"
    )


def test_lower_bound_counts_runs_of_non_space() -> None:
    assert lower_bound_tokens("What is the capital of France?") == 6
    assert lower_bound_tokens("") == 0
    assert lower_bound_tokens("北京是中国的首都。") == 1  # one run: at least one token


@pytest.mark.parametrize(
    ("text", "kwargs", "shown"),
    [
        ("word " * 7500, {"max_tokens": 1000}, "max_tokens=1000"),
        ("word " * 7500, {}, "the default max_tokens (1024)"),
        ("word " * 7500, {"extra_parameters": {"max_completion_tokens": 1000}}, "max_tokens=1000"),
        ("word " * 9000, {"max_tokens": 10}, "shorten the input"),
    ],
)
async def test_moonshot_input_plus_max_tokens_certainly_over_the_context(
    client: DashScopeClient,
    refused: Refused,
    text: str,
    kwargs: dict[str, Any],
    shown: str,
    sync: bool,
) -> None:
    request = GenerationRequest(model="moonshot-v1-8k", messages=[Message("user", text)], **kwargs)
    err = await refused(lambda: call(client, request, sync))
    assert err.code == "ContextLengthExceeded"
    assert "8192-token context" in err.message and shown in err.message


async def test_moonshot_request_that_may_fit_is_sent(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    fits = GenerationRequest(
        model="moonshot-v1-8k", messages=[Message("user", "word " * 100)], max_tokens=8000
    )
    result = client.generate(fits) if sync else await client.agenerate(fits)
    assert result.text and len(emulator.requests) == 1
    # At the bound (7,168 runs + the default 1,024 = 8,192) it may fit: sent, and the service
    # (which counts 5 characters of "word " as more than one token) decides.
    edge = GenerationRequest(model="moonshot-v1-8k", messages=[Message("user", "word " * 7168)])
    with pytest.raises(BadRequestError):
        client.generate(edge) if sync else await client.agenerate(edge)
    assert len(emulator.requests) == 2


async def test_services_max_tokens_range_is_a_typed_error_naming_n(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    emulator.add_model("qwen-next-unlisted")
    emulator.queue(
        Fault.http_error(400, "InvalidParameter", "Range of max_tokens should be [1, 8192]")
    )
    request = GenerationRequest(
        model="qwen-next-unlisted", messages=[Message("user", "Hi")], max_tokens=9000
    )
    with pytest.raises(MaxTokensError) as info:
        client.generate(request) if sync else await client.agenerate(request)
    err = info.value
    assert err.limit == 8192 and isinstance(err, BadRequestError)
    assert "at most 8192" in str(err) and "Range of max_tokens should be [1, 8192]" in str(err)
    assert err.status_code == 400 and err.request_id and len(emulator.requests) == 1
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is MaxTokensError and again.limit == 8192 and again.message == err.message


async def test_max_tokens_range_in_langchain_names_n(emulator: Emulator) -> None:
    from langchain_core.exceptions import ModelInvalidRequestError

    from langchain_dashscope_models import ChatDashScope

    emulator.add_model("qwen-next-unlisted")
    emulator.queue(
        Fault.http_error(400, "InvalidParameter", "Range of max_tokens should be [1, 8192]")
    )
    with pytest.raises(ModelInvalidRequestError, match="at most 8192") as info:
        ChatDashScope(model="qwen-next-unlisted", max_tokens=9000).invoke("Hi")
    assert isinstance(info.value, MaxTokensError) and info.value.limit == 8192
