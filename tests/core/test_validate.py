"""``_validate``: checks made before any request, over the emulator: tool history on models without
tools, the seed's range, parameters in extra_parameters, and parameters of the wrong type.

Each case goes through the real client to the emulator's HTTP server, and each refusal is
asserted to be a RequestValidationError raised before anything was sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from dashscope_models import (
    DashScopeClient,
    GenerationRequest,
    Message,
    RequestValidationError,
    ToolCall,
)
from dashscope_models.emulator import Emulator

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
USER = [Message("user", "hi")]
UNKNOWN = "brand-new-model"
TOOL_HISTORY = [
    Message("user", "Weather in Hangzhou?"),
    Message("assistant", "", tool_calls=[ToolCall("call_1", "get_weather", '{"city":"Hangzhou"}')]),
    Message("tool", "sunny", tool_call_id="call_1"),
]


@pytest.fixture
def client(base_url: str, emulator: Emulator) -> DashScopeClient:
    emulator.add_model(UNKNOWN)  # a model id the catalog does not list: the generic spec
    return DashScopeClient(base_url=base_url, max_retries=0)


async def send(client: DashScopeClient, request: GenerationRequest, mode: str) -> None:
    if mode == "generate":
        client.generate(request)
    elif mode == "agenerate":
        await client.agenerate(request)
    elif mode == "stream":
        list(client.stream(request))
    else:
        [chunk async for chunk in client.astream(request)]


MODES = ["generate", "agenerate", "stream", "astream"]


async def refused_here(
    client: DashScopeClient, emulator: Emulator, request: GenerationRequest, mode: str = "generate"
) -> RequestValidationError:
    """The error ``request`` raises; asserts nothing reached the service."""
    sent = len(emulator.requests)
    with pytest.raises(RequestValidationError) as info:
        await send(client, request, mode)
    assert len(emulator.requests) == sent, "a refused request must not be sent"
    return info.value


def sent_parameters(
    client: DashScopeClient, emulator: Emulator, request: GenerationRequest
) -> dict[str, Any]:
    client.generate(request)
    parameters: dict[str, Any] = emulator.requests[-1].body["parameters"]
    return parameters


# -- a. tool-call history for a model without tool calling --------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "model", ["moonshot-v1-8k", "qwen2-7b-instruct", "deepseek-r1", "moss-moon-003-sft"]
)
async def test_tool_history_refused_for_catalog_models_without_tools(
    client: DashScopeClient, emulator: Emulator, model: str, mode: str
) -> None:
    request = GenerationRequest(model=model, messages=TOOL_HISTORY)
    err = await refused_here(client, emulator, request, mode)
    assert err.code == "ToolsUnsupported"
    assert f"messages[1] (assistant) carries tool calls, but {model} has no tool calling" in str(
        err
    )


async def test_tool_result_alone_is_named_and_tool_models_unchanged(
    client: DashScopeClient, emulator: Emulator
) -> None:
    # A tool message is refused by the same rule (not as an orphan result) ...
    history = [Message("user", "hi"), Message("tool", "42", tool_call_id="call_9")]
    err = await refused_here(
        client, emulator, GenerationRequest(model="moonshot-v1-8k", messages=history)
    )
    assert err.code == "ToolsUnsupported" and "messages[1] is a tool result" in err.message
    # ... while a model with tools, and an id the catalog does not know, still send the history.
    for model in ("qwen-plus", "brand-new-model"):
        client.generate(GenerationRequest(model=model, messages=TOOL_HISTORY))
        assert emulator.requests[-1].body["input"]["messages"][2]["role"] == "tool"


# -- b. seed: an unsigned 64-bit integer ------------------------------------------------------


@pytest.mark.parametrize("model", ["qwen-max", "moonshot-v1-8k", "brand-new-model"])
async def test_seed_must_be_an_unsigned_64_bit_integer(
    client: DashScopeClient, emulator: Emulator, model: str
) -> None:
    for seed in (-1, 2**64):
        err = await refused_here(
            client, emulator, GenerationRequest(model=model, messages=USER, seed=seed)
        )
        assert err.code == "ParameterOutOfRange"
        assert f"seed={seed} is outside [0, 2**64-1]" in err.message
    for seed in (1.5, "7", True):
        err = await refused_here(
            client, emulator, GenerationRequest(model=model, messages=USER, seed=seed)
        )  # type: ignore[arg-type]
        assert err.code == "InvalidParameterType" and "seed must be an integer" in err.message
    for seed in (0, 2**64 - 1):
        request = GenerationRequest(model=model, messages=USER, seed=seed)
        assert sent_parameters(client, emulator, request)["seed"] == seed


# -- c. parameters given in extra_parameters -----------------------------------------------

EXTRA_BAD: list[tuple[str, dict[str, Any], dict[str, Any], str, str]] = [
    (
        "qwen-max",
        {"temperature": 9},
        {},
        "ParameterOutOfRange",
        r"temperature=9 is outside [0, 2) for qwen-max",
    ),
    (
        "qwen-max",
        {"temperature": 9},
        {"temperature": 0.5},
        "ParameterOutOfRange",
        "temperature=9 is outside",
    ),
    (
        "qwen-max",
        {"temperature": "0.5"},
        {},
        "InvalidParameterType",
        "temperature must be a number",
    ),
    (
        "qwen-max",
        {"max_completion_tokens": 10**9},
        {},
        "ParameterOutOfRange",
        "max_completion_tokens=1000000000 exceeds qwen-max's maximum output of 8192 tokens",
    ),
    (
        "qwen-max",
        {"max_completion_tokens": 0},
        {},
        "ParameterOutOfRange",
        "max_completion_tokens=0 is outside [1, inf) for qwen-max",
    ),
    (
        "qwen-max",
        {"max_completion_tokens": "20"},
        {},
        "InvalidParameterType",
        "max_completion_tokens must be an integer",
    ),
    (
        "qwen-max",
        {"max_tokens": 10**9},
        {"max_tokens": 100},
        "ParameterOutOfRange",
        "max_tokens=1000000000 exceeds",
    ),
    ("qwen-max", {"seed": -1}, {}, "ParameterOutOfRange", "seed=-1 is outside"),
    (
        "qwen-plus",
        {"thinking_budget": 10**6},
        {},
        "ParameterOutOfRange",
        "thinking_budget=1000000 exceeds",
    ),
    (
        "moonshot-v1-8k",
        {"top_p": 1.0},
        {},
        "ParameterOutOfRange",
        "top_p=1.0 is outside [0, 1) for moonshot-v1-8k",
    ),
    ("moonshot-v1-8k", {"stop": list("abcdef")}, {}, "TooManyStop", "at most 5 stop strings"),
    (
        "moonshot-v1-8k",
        {"tools": [WEATHER]},
        {},
        "ToolsUnsupported",
        "has no tool calling",
    ),
    ("qwen-max", {"enable_thinking": True}, {}, "ThinkingUnsupported", "has no thinking mode"),
    (
        "qwen-max",
        {"tool_choice": "required"},
        {"tools": [WEATHER, WEATHER]},
        "ToolChoiceUnsupported",
        "tool_choice='required'",
    ),
    (
        "moonshot-v1-8k",
        {"response_format": {"type": "json_object"}},
        {},
        "JsonModeUnsupported",
        "JSON mode",
    ),
]


@pytest.mark.parametrize(
    ("model", "extra", "fields", "code", "message"),
    EXTRA_BAD,
    ids=[f"{c[0]}-{c[1]}{'-over-field' if c[2] else ''}"[:60] for c in EXTRA_BAD],
)
async def test_extra_parameters_are_checked_like_the_fields(
    client: DashScopeClient,
    emulator: Emulator,
    model: str,
    extra: dict[str, Any],
    fields: dict[str, Any],
    code: str,
    message: str,
) -> None:
    request = GenerationRequest(model=model, messages=USER, extra_parameters=extra, **fields)
    err = await refused_here(client, emulator, request)
    assert err.code == code
    assert message in err.message


async def test_extra_parameters_are_checked_as_the_values_sent(
    client: DashScopeClient, emulator: Emulator
) -> None:
    # The value sent is the one checked: extra_parameters win over the field (build_body).
    request = GenerationRequest(
        model="qwen-max", messages=USER, temperature=9, extra_parameters={"temperature": 0.5}
    )
    assert sent_parameters(client, emulator, request)["temperature"] == 0.5
    # The output cap under its newer name: sent when inside the model's maximum ...
    request = GenerationRequest(
        model="qwen-max", messages=USER, extra_parameters={"max_completion_tokens": 8192}
    )
    assert sent_parameters(client, emulator, request)["max_completion_tokens"] == 8192
    # ... and for an id the catalog does not know, only its generic range applies.
    request = GenerationRequest(
        model="brand-new-model", messages=USER, extra_parameters={"max_completion_tokens": 10**6}
    )
    assert sent_parameters(client, emulator, request)["max_completion_tokens"] == 10**6
    request = GenerationRequest(
        model="brand-new-model", messages=USER, extra_parameters={"max_completion_tokens": 0}
    )
    assert (await refused_here(client, emulator, request)).code == "ParameterOutOfRange"


# -- d. parameters of the wrong type -----------------------------------------------------------

WRONG_TYPES: list[tuple[str, str, Any, str]] = [
    ("qwen-max", "temperature", "0.5", "temperature must be a number, not '0.5' (str)"),
    ("qwen-max", "temperature", True, "temperature must be a number, not True (bool)"),
    ("qwen-max", "top_p", "0.8", "top_p must be a number"),
    ("qwen-max", "top_k", "5", "top_k must be an integer"),
    ("qwen-max", "top_k", 1.5, "top_k must be an integer, not 1.5 (float)"),
    ("qwen-max", "repetition_penalty", [1.1], "repetition_penalty must be a number"),
    ("qwen-max", "presence_penalty", "0", "presence_penalty must be a number"),
    ("qwen-max", "frequency_penalty", False, "frequency_penalty must be a number"),
    ("qwen-max", "max_tokens", "100", "max_tokens must be an integer"),
    ("qwen-max", "max_tokens", 100.0, "max_tokens must be an integer"),
    ("qwen-plus", "thinking_budget", "50", "thinking_budget must be an integer"),
    ("moonshot-v1-8k", "temperature", "0.5", "temperature must be a number"),
    ("brand-new-model", "temperature", "0.5", "temperature must be a number"),
    ("brand-new-model", "max_tokens", "100", "max_tokens must be an integer"),
]


@pytest.mark.parametrize(("model", "name", "value", "message"), WRONG_TYPES)
async def test_non_numbers_are_refused_with_a_validation_error(
    client: DashScopeClient, emulator: Emulator, model: str, name: str, value: Any, message: str
) -> None:
    request = GenerationRequest(model=model, messages=USER, **{name: value})
    err = await refused_here(client, emulator, request)
    assert err.code == "InvalidParameterType"
    assert message in err.message


async def test_other_wrong_types_are_validation_errors_too(
    client: DashScopeClient, emulator: Emulator
) -> None:
    for kwargs in ({"stop": 5}, {"response_format": "json_object"}):
        request = GenerationRequest(model="qwen-max", messages=USER, **kwargs)
        assert (await refused_here(client, emulator, request)).code == "InvalidParameterType"


async def test_number_subclasses_are_numbers(client: DashScopeClient, emulator: Emulator) -> None:
    class Float(float): ...

    class Int(int): ...

    request = GenerationRequest(
        model="qwen-max", messages=USER, temperature=Float(0.5), max_tokens=Int(20), seed=Int(3)
    )
    params = sent_parameters(client, emulator, request)
    assert (params["temperature"], params["max_tokens"], params["seed"]) == (0.5, 20, 3)
    with pytest.raises(RequestValidationError, match=r"outside \[0, 2\)"):
        client.generate(GenerationRequest(model="qwen-max", messages=USER, temperature=Float(2)))
    with pytest.raises(RequestValidationError, match="top_k must be an integer"):
        client.generate(GenerationRequest(model="qwen-max", messages=USER, top_k=Float(2)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("model", "changes", "match"),
    [
        (UNKNOWN, {"temperature": float("nan")}, "not a finite number"),
        ("qwen-max", {"top_p": float("inf")}, "not a finite number"),
        ("qwen-max", {"enable_search": "false"}, "enable_search must be True or False"),
        (UNKNOWN, {"enable_thinking": 1}, "enable_thinking must be True or False"),
        ("qwen-max", {"thinking_budget": 100}, "has no thinking mode"),
    ],
)
def test_non_finite_numbers_switches_and_stray_budgets_are_refused(
    client: DashScopeClient, emulator: Emulator, model: str, changes: dict[str, Any], match: str
) -> None:
    request = GenerationRequest(model=model, messages=USER, **changes)
    with pytest.raises(RequestValidationError, match=match):
        client.generate(request)
    assert emulator.requests == []


# A conversation with no user message (issue 16), checked with conftest's ``refused`` fixture.

Refused = Callable[[Callable[[], Any]], Awaitable[RequestValidationError]]
NO_USER = [
    [Message("system", "You are terse.")],
    [Message("assistant", "Hello! How can I help?")],
    [Message("system", "You are terse."), Message("assistant", "Ready.")],
]


def call(client: DashScopeClient, request: GenerationRequest, sync: bool) -> Any:
    return client.generate(request) if sync else client.agenerate(request)


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
