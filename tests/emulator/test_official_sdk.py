"""The official ``dashscope`` SDK against the emulator's real HTTP server.

If Alibaba's own client gets correct results from the emulator (plain and streamed, cumulative
and incremental, sync and asyncio, and a proper 401 for a wrong key), the emulator speaks the
real protocol.
"""

from __future__ import annotations

from typing import Any

import pytest
from dashscope.aigc.generation import AioGeneration, Generation

from dashscope_models.emulator import Emulator, Reply

KEY = "sk-test-emulator-key"  # the key the session's emulator server accepts (tests/conftest.py)
QUESTION = [{"role": "user", "content": "What is 1+1?"}]


pytestmark = pytest.mark.usefixtures("official_sdk")  # pointed at the emulator (conftest)


def message_text(response: Any) -> str:
    return str(response.output.choices[0].message.content)


def test_generation_call_with_messages(emulator: Emulator) -> None:
    response = Generation.call(
        model="qwen-plus", messages=QUESTION, api_key=KEY, result_format="message"
    )
    assert response.status_code == 200, response
    assert message_text(response) == "[qwen-plus] You said: What is 1+1?"
    assert response.output.choices[0].finish_reason == "stop"
    assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0
    assert response.request_id == emulator.requests[-1].headers.get(
        "x-request-id", response.request_id
    )
    assert emulator.requests[-1].body["input"]["messages"] == QUESTION


def test_generation_call_with_prompt_text_format(emulator: Emulator) -> None:
    response = Generation.call(model="qwen-max", prompt="1+1=", api_key=KEY)
    assert response.status_code == 200, response
    assert response.output.text == "[qwen-max] You said: 1+1="
    assert response.output.finish_reason == "stop"
    assert emulator.requests[-1].body["input"] == {"prompt": "1+1="}


@pytest.mark.parametrize("incremental", [False, True])
def test_streaming_cumulative_and_incremental(emulator: Emulator, incremental: bool) -> None:
    emulator.queue(Reply(chunks=["Spring ", "has ", "come."]))
    responses = list(
        Generation.call(
            model="qwen-plus",
            messages=QUESTION,
            api_key=KEY,
            stream=True,
            incremental_output=incremental,
            result_format="message",
        )
    )
    assert all(r.status_code == 200 for r in responses)
    texts = [message_text(r) for r in responses]
    if incremental:
        assert "".join(texts) == "Spring has come."
    else:
        assert texts[-1] == "Spring has come." and texts[:3] == [
            "Spring ",
            "Spring has ",
            "Spring has come.",
        ]
    assert responses[-1].output.choices[0].finish_reason == "stop"
    assert all(r.output.choices[0].finish_reason == "null" for r in responses[:-1])
    assert emulator.requests[-1].stream


def test_streaming_tool_call_fragments(emulator: Emulator) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]
    ask = [{"role": "user", "content": "Weather in 'Hangzhou'?"}]
    responses = list(
        Generation.call(model="qwen-plus", messages=ask, tools=tools, api_key=KEY, stream=True,
                        incremental_output=True, result_format="message")
    )  # fmt: skip
    fragments = [c for r in responses for c in r.output.choices[0].message.get("tool_calls", [])]
    assert fragments[0]["function"]["name"] == "get_weather" and fragments[0]["id"].startswith(
        "call_"
    )
    assert "".join(f["function"]["arguments"] for f in fragments) == '{"city": "Hangzhou"}'
    assert responses[-1].output.choices[0].finish_reason == "tool_calls"


async def test_aio_generation_call(emulator: Emulator) -> None:
    response = await AioGeneration.call(
        model="qwen-plus", messages=QUESTION, api_key=KEY, result_format="message"
    )
    assert response.status_code == 200, response
    assert message_text(response) == "[qwen-plus] You said: What is 1+1?"
    stream = await AioGeneration.call(
        model="qwen-plus",
        messages=QUESTION,
        api_key=KEY,
        stream=True,
        incremental_output=True,
        result_format="message",
    )
    texts = [message_text(r) async for r in stream]
    assert "".join(texts) == "[qwen-plus] You said: What is 1+1?"
    from dashscope.api_entities.aio_session import get_shared_aio_session

    await (await get_shared_aio_session()).close()  # the SDK's per-loop session


def test_invalid_key_gets_401(emulator: Emulator) -> None:
    response = Generation.call(model="qwen-plus", messages=QUESTION, api_key="sk-wrong")
    assert response.status_code == 401
    assert response.code == "InvalidApiKey" and response.message == "Invalid API-key provided."


def test_validation_error_inside_a_stream(emulator: Emulator) -> None:
    responses = list(
        Generation.call(model="no-such-model", messages=QUESTION, api_key=KEY, stream=True)
    )
    assert len(responses) == 1 and responses[0].status_code == 400
    assert responses[0].code == "InvalidParameter" and responses[0].message == "Model not exist."
