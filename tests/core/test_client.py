"""The native client against the emulator's real HTTP server, each test for sync and async."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dashscope_models import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    Chunk,
    ConfigurationError,
    ContentInspectionError,
    ContextLengthError,
    DashScopeClient,
    GenerationRequest,
    GenerationResult,
    InternalServerError,
    Message,
    ModelNotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    StreamError,
)
from dashscope_models.emulator import Emulator, Fault, Reply

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def ask(text: str = "What is 1+1?", **kwargs: Any) -> GenerationRequest:
    return GenerationRequest(
        model=kwargs.pop("model", "qwen-plus"), messages=[Message("user", text)], **kwargs
    )


async def generate(
    client: DashScopeClient, request: GenerationRequest, sync: bool
) -> GenerationResult:
    return client.generate(request) if sync else await client.agenerate(request)


async def stream(client: DashScopeClient, request: GenerationRequest, sync: bool) -> list[Chunk]:
    if sync:
        return list(client.stream(request))
    return [chunk async for chunk in client.astream(request)]


@pytest.fixture
def client(base_url: str) -> DashScopeClient:
    # max_retries=2 with tiny Retry-After values keeps retry tests fast.
    return DashScopeClient(base_url=base_url, max_retries=2)


async def test_generate(client: DashScopeClient, emulator: Emulator, sync: bool) -> None:
    result = await generate(client, ask("Hello there"), sync)
    assert "qwen-plus" in result.text and "Hello there" in result.text
    assert result.finish_reason == "stop"
    assert result.usage is not None and result.usage.total_tokens == (
        result.usage.input_tokens + result.usage.output_tokens
    )
    assert result.request_id == emulator.requests[-1].headers.get("x-request-id", result.request_id)
    sent = emulator.requests[-1]
    assert sent.path.endswith("/text-generation/generation") and not sent.stream
    assert sent.body["parameters"] == {}  # nothing the caller did not set
    assert sent.headers["authorization"].startswith("Bearer ")


async def test_stream_is_incremental_and_matches_generate(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    whole = await generate(client, ask("Tell me a story"), sync)
    chunks = await stream(client, ask("Tell me a story"), sync)
    assert len(chunks) > 2
    assert "".join(c.text for c in chunks) == whole.text
    assert [c.usage is not None for c in chunks].count(True) == 1 and chunks[-1].usage is not None
    assert chunks[-1].finish_reason == "stop"
    sent = emulator.requests[-1]
    assert sent.stream and sent.body["parameters"]["incremental_output"] is True
    assert sent.headers["x-dashscope-sse"] == "enable"


async def test_caller_forced_cumulative_mode_still_yields_deltas(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    emulator.queue(Reply(chunks=["Spring ", "has ", "come."]))
    chunks = await stream(client, ask(incremental_output=False), sync)
    assert [c.text for c in chunks if c.text] == ["Spring ", "has ", "come."]
    assert emulator.requests[-1].body["parameters"]["incremental_output"] is False


async def test_tool_calls_streamed_in_fragments(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    request = ask("What is the weather in 'Hangzhou'?", tools=[WEATHER], result_format="message")
    result = await generate(client, request, sync)
    assert [(c.name, json.loads(c.arguments)) for c in result.tool_calls] == [
        ("get_weather", {"city": "Hangzhou"})
    ]
    chunks = await stream(client, request, sync)
    fragments = [d for c in chunks for d in c.tool_calls]
    assert len(fragments) > 1, "arguments should arrive in several fragments"
    assert fragments[0].id and fragments[0].name == "get_weather"
    assert all(f.id is None and f.name is None for f in fragments[1:])
    assert json.loads("".join(f.arguments for f in fragments)) == {"city": "Hangzhou"}
    assert chunks[-1].finish_reason == "tool_calls"


async def test_reasoning_content(client: DashScopeClient, emulator: Emulator, sync: bool) -> None:
    request = ask("Why is the sky blue?", model="deepseek-r1")
    result = await generate(client, request, sync)
    assert result.reasoning_content and result.text
    chunks = await stream(client, request, sync)
    first_answer = next(i for i, c in enumerate(chunks) if c.text)
    assert all(c.reasoning_content for c in chunks[:first_answer])
    assert "".join(c.reasoning_content for c in chunks) == result.reasoning_content
    assert chunks[-1].usage is not None and chunks[-1].usage.reasoning_tokens


async def test_stream_only_thinking_is_streamed_inside_generate(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    result = await generate(client, ask("Think first", enable_thinking=True), sync)
    assert result.reasoning_content and result.text
    assert emulator.requests[-1].stream  # the service only accepts this as a stream


async def test_vision_goes_to_multimodal_endpoint(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    parts = [{"image": "https://example.com/dog.jpeg"}, {"text": "Where is this?"}]
    request = GenerationRequest(model="qwen-vl-plus", messages=[Message("user", parts)])
    result = await generate(client, request, sync)
    assert result.text and result.usage is not None and result.usage.image_tokens
    sent = emulator.requests[-1]
    assert sent.path.endswith("/multimodal-generation/generation")
    assert sent.body["input"]["messages"][0]["content"] == parts


async def test_prompt_only_model_as_chat(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    request = GenerationRequest(model="moss-moon-003-sft", messages=[Message("user", "你好")])
    result = await generate(client, request, sync)
    sent = emulator.requests[-1].body["input"]["prompt"]
    assert sent.endswith("<|Human|>: 你好<eoh>\n<|MOSS|>:")
    assert "<|Human|>" not in result.text and "<eom>" not in result.text and "你好" in result.text
    chunks = await stream(client, request, sync)
    assert "".join(c.text for c in chunks) == result.text


ERRORS: list[tuple[Fault, type[Exception], int, str]] = [
    (Fault.http_error(401, "InvalidApiKey", "Invalid API-key provided."), AuthenticationError, 401, "InvalidApiKey"),
    (Fault.http_error(403, "AccessDenied", "Access denied."), PermissionDeniedError, 403, "AccessDenied"),
    (Fault.http_error(400, "InvalidParameter", "Model not exist."), ModelNotFoundError, 400, "InvalidParameter"),
    (Fault.http_error(400, "DataInspectionFailed", "Input data may contain inappropriate content."), ContentInspectionError, 400, "DataInspectionFailed"),
    (Fault.http_error(400, "InvalidParameter", "Range of input length should be [1, 30720]"), ContextLengthError, 400, "InvalidParameter"),
    (Fault.http_error(429, "Throttling.AllocationQuota", "Free allocated quota exceeded."), RateLimitError, 429, "Throttling.AllocationQuota"),
    (Fault.server_error(times=3), InternalServerError, 500, "InternalError"),
]  # fmt: skip


@pytest.mark.parametrize(("fault", "cls", "status", "code"), ERRORS)
@pytest.mark.parametrize("streaming", [False, True])
async def test_typed_errors(
    base_url: str,
    emulator: Emulator,
    sync: bool,
    streaming: bool,
    fault: Fault,
    cls: type[Exception],
    status: int,
    code: str,
) -> None:
    client = DashScopeClient(base_url=base_url, max_retries=0)  # retries: tested below
    emulator.queue(fault)
    with pytest.raises(cls) as info:
        await (stream if streaming else generate)(client, ask(), sync)
    assert len(emulator.requests) == 1
    err = info.value
    assert err.status_code == status and err.code == code  # type: ignore[attr-defined]
    assert err.request_id and err.message  # type: ignore[attr-defined]
    assert "sk-" not in str(err) and "sk-" not in repr(err)


async def test_rate_limit_and_server_error_are_retried(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    emulator.queue(Fault.rate_limit(retry_after=0.01), Fault.server_error())
    result = await generate(client, ask("retry me"), sync)
    assert "retry me" in result.text and len(emulator.requests) == 3
    emulator.queue(Fault.rate_limit(retry_after=0.01))
    chunks = await stream(client, ask("retry me"), sync)
    assert "retry me" in "".join(c.text for c in chunks)


async def test_error_event_mid_stream_is_typed_and_not_retried(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    emulator.queue(Fault.error_event(after=2, status=500, code="InternalError", message="boom"))
    with pytest.raises(InternalServerError) as info:
        await stream(client, ask("a long answer please"), sync)
    assert info.value.status_code == 500 and info.value.request_id
    assert len(emulator.requests) == 1  # chunks were delivered: never retried


async def test_validation_error_in_stream_is_typed(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    # Unknown ids pass our checks (the catalog does not know them); the service rejects them.
    with pytest.raises(ModelNotFoundError) as info:
        await stream(client, ask(model="no-such-model"), sync)
    assert info.value.status_code == 400 and info.value.code == "InvalidParameter"


async def test_dropped_connection_mid_stream(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    emulator.queue(Fault.drop(after=2))
    with pytest.raises(StreamError) as info:
        await stream(client, ask("a long answer please"), sync)
    assert info.value.code == "TruncatedStream"


async def test_malformed_stream(client: DashScopeClient, emulator: Emulator, sync: bool) -> None:
    emulator.queue(Fault.malformed(after=1))
    with pytest.raises(StreamError) as info:
        await stream(client, ask("a long answer please"), sync)
    assert info.value.code == "MalformedStream"
    emulator.queue(Fault.malformed())
    with pytest.raises(StreamError):
        await generate(client, ask(), sync)


async def test_connection_refused_is_retried_then_typed(sync: bool) -> None:
    client = DashScopeClient(base_url="http://127.0.0.1:9/api/v1", api_key="k", max_retries=1)
    with pytest.raises(APIConnectionError) as info:
        await generate(client, ask(), sync)
    assert info.value.code == "ConnectionError" and info.value.status_code is None


async def test_slow_chunks_time_out(base_url: str, emulator: Emulator, sync: bool) -> None:
    client = DashScopeClient(base_url=base_url, timeout=0.2, max_retries=0)
    emulator.queue(Fault.slow(chunk_delay=0.0, first_byte_delay=1.0))
    with pytest.raises(APIConnectionError) as info:
        await generate(client, ask(), sync)
    assert info.value.code == "Timeout"


async def test_bad_input_never_reaches_the_service(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    with pytest.raises(RequestValidationError):
        await generate(client, ask(model="moonshot-v1-8k", temperature=1.5), sync)
    with pytest.raises(RequestValidationError):
        client.stream(GenerationRequest(model="qwen-plus", messages=[]))
    assert emulator.requests == []


@pytest.mark.no_emulator_env
async def test_missing_key_fails_at_first_request(emulator: Emulator, sync: bool) -> None:
    # A non-loopback host (a loopback one gets a placeholder key: tests/core/test_config.py);
    # nothing is sent, so the address is never contacted.
    client = DashScopeClient(base_url="https://dashscope-intl.aliyuncs.com/api/v1")
    with pytest.raises(ConfigurationError, match="DASHSCOPE_API_KEY"):
        await generate(client, ask(), sync)
    assert emulator.requests == []


async def test_wrong_key_is_authentication_error(base_url: str, sync: bool) -> None:
    client = DashScopeClient(base_url=base_url, api_key="sk-wrong")
    with pytest.raises(AuthenticationError) as info:
        await generate(client, ask(), sync)
    assert info.value.code == "InvalidApiKey" and "sk-wrong" not in str(info.value)


async def test_context_managers_close(base_url: str, sync: bool) -> None:
    if sync:
        with DashScopeClient(base_url=base_url) as client:
            assert client.generate(ask()).text
    else:
        async with DashScopeClient(base_url=base_url) as client:
            assert (await client.agenerate(ask())).text


async def test_bad_request_from_service_is_typed(client: DashScopeClient, sync: bool) -> None:
    # Moonshot: input + max_tokens must fit the context; only the service knows the token count
    # (one run of 32,000 characters: at least one token by our certain bound, 8,000 by its count).
    long_text = "word" * 8000
    with pytest.raises(BadRequestError):
        await generate(client, ask(long_text, model="moonshot-v1-8k", max_tokens=1024), sync)
