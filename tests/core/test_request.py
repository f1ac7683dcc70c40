"""The request builder: bodies carry only set parameters; bad input fails before any I/O."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dashscope_models import (
    ClientConfig,
    GenerationRequest,
    Message,
    RequestValidationError,
    ToolCall,
)
from dashscope_models._request import build_body, build_http_request

CONFIG = ClientConfig.resolve(api_key="sk-test", base_url="http://h/api/v1", workspace="ws_9")
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def body(stream: bool = False, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("model", "qwen-plus")
    if "messages" not in kwargs and "prompt" not in kwargs:
        kwargs["messages"] = [Message("user", "hi")]
    return build_body(GenerationRequest(**kwargs), stream=stream).body


def test_only_set_parameters_are_sent() -> None:
    assert body()["parameters"] == {}
    sent = body(temperature=0.5, seed=7, stop=["x"], enable_search=False)["parameters"]
    assert sent == {"temperature": 0.5, "seed": 7, "stop": ["x"], "enable_search": False}


def test_stream_always_asks_for_increments_unless_caller_insists() -> None:
    assert body(stream=True)["parameters"] == {"incremental_output": True}
    assert body(stream=True, incremental_output=False)["parameters"] == {
        "incremental_output": False
    }


def test_messages_and_prompt_modes() -> None:
    b = body(messages=[Message("system", "s"), Message("user", "u")])
    assert b["input"] == {
        "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    }
    assert body(prompt="1+1=")["input"] == {"prompt": "1+1="}


def test_tool_history_in_dashscope_format() -> None:
    call = ToolCall(id="call_1", name="get_weather", arguments='{"city":"Hangzhou"}')
    b = body(
        tools=[WEATHER],
        tool_choice="get_weather",
        parallel_tool_calls=True,
        messages=[
            Message("user", "weather?"),
            Message("assistant", "", tool_calls=[call]),
            Message("tool", "sunny", tool_call_id="call_1", name="get_weather"),
        ],
    )
    assert b["input"]["messages"][1] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "index": 0,
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"Hangzhou"}'},
            }
        ],
    }
    assert b["input"]["messages"][2] == {
        "role": "tool",
        "content": "sunny",
        "tool_call_id": "call_1",
        "name": "get_weather",
    }
    assert b["parameters"]["tool_choice"] == {
        "type": "function",
        "function": {"name": "get_weather"},
    }
    assert b["parameters"]["tools"] == [WEATHER]


def test_vision_model_gets_multimodal_parts() -> None:
    b = body(
        model="qwen-vl-plus",
        messages=[
            Message("system", "Be brief."),
            Message("user", [{"image": "https://x/cat.png"}, {"text": "What?"}]),
        ],
    )
    assert b["input"]["messages"] == [
        {"role": "system", "content": [{"text": "Be brief."}]},
        {"role": "user", "content": [{"image": "https://x/cat.png"}, {"text": "What?"}]},
    ]


def test_prompt_only_models_get_their_prompt_format() -> None:
    moss = body(model="moss-moon-003-sft", messages=[Message("user", "你好")])
    assert moss["input"]["prompt"].endswith("<|Human|>: 你好<eoh>\n<|MOSS|>:")
    yuan = body(model="chatyuan-large-v2", messages=[Message("user", "写个请假条")])
    assert yuan["input"] == {"prompt": "用户：写个请假条\n小元："}


def test_partial_mode() -> None:
    b = body(messages=[Message("user", "continue"), Message("assistant", "Spring", partial=True)])
    assert b["input"]["messages"][-1] == {"role": "assistant", "content": "Spring", "partial": True}


def test_http_request_headers() -> None:
    prepared = build_body(GenerationRequest(model="qwen-plus", prompt="hi"), stream=True)
    req = build_http_request(CONFIG, prepared)
    assert str(req.url) == "http://h/api/v1/services/aigc/text-generation/generation"
    assert req.headers["authorization"] == "Bearer sk-test"
    assert req.headers["x-dashscope-sse"] == "enable"
    assert req.headers["accept"] == "text/event-stream"
    assert req.headers["x-dashscope-workspace"] == "ws_9"
    assert json.loads(req.content)["model"] == "qwen-plus"
    vl = build_body(GenerationRequest(model="qwen-vl-plus", prompt="hi"), stream=False)
    assert build_http_request(CONFIG, vl).url.path.endswith("/multimodal-generation/generation")
    assert "x-dashscope-sse" not in build_http_request(CONFIG, vl).headers


BAD: list[tuple[dict[str, Any], str]] = [
    ({"messages": []}, "empty"),
    ({"messages": [Message("robot", "x")]}, "unknown role 'robot'"),
    ({"messages": [Message("user", "")]}, "empty content"),
    ({"messages": [Message("user", "x"), Message("tool", "r", tool_call_id="c9")]}, "no preceding"),
    ({"prompt": "x", "messages": [Message("user", "x")]}, "not both"),
    ({"model": "moonshot-v1-8k", "temperature": 1.5}, r"outside \[0, 1\]"),
    ({"model": "qwen1.5-7b-chat", "temperature": 2.0}, r"outside \[0, 2\)"),
    ({"model": "qwen1.5-7b-chat", "top_p": 1.0}, r"top_p=1.0 is outside \(0, 1\)"),
    ({"model": "qwen1.5-7b-chat", "max_tokens": 1501}, "maximum output of 1500"),
    ({"model": "moonshot-v1-8k", "stop": ["a", "b", "c", "d", "e", "f"]}, "at most 5"),
    ({"model": "moonshot-v1-8k", "stop": ["x" * 33]}, "longer than 32 bytes"),
    ({"stop": ["a", 1]}, "mixes strings and token ids"),
    ({"model": "qwen-plus", "thinking_budget": 10**6}, "thinking_budget"),
    ({"model": "qwen-max", "enable_thinking": True}, "has no thinking mode"),
    ({"model": "moonshot-v1-8k", "tools": [WEATHER]}, "has no tool calling"),
    (
        {"tools": [WEATHER], "tool_choice": "required"},
        "can force one named function but not .any of these.",
    ),
    ({"tools": [WEATHER], "tool_choice": "other_tool"}, "not among the tools"),
    ({"messages": [Message("user", [{"image": "u"}])]}, "has no image input"),
    (
        {"model": "qwen1.5-7b-chat", "messages": [Message("user", "x"), Message("system", "s")]},
        "only as the first message",
    ),
    ({"messages": [Message("user", "x", partial=True)]}, "partial=True"),
    ({"model": ""}, "model is empty"),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD)
def test_bad_input_is_rejected_before_any_request(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(RequestValidationError, match=message) as info:
        body(**kwargs)
    assert isinstance(info.value, ValueError)  # catchable as a plain ValueError too


def test_unknown_models_are_not_second_guessed() -> None:
    b = body(model="brand-new-model", tools=[WEATHER], enable_thinking=True)
    assert b["parameters"]["enable_thinking"] is True and b["parameters"]["tools"] == [WEATHER]
