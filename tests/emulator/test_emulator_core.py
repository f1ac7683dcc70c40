"""The emulator core (``Emulator.handle``) directly: wire shapes, validation, scripts, replies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from dashscope_models.emulator import Emulator, EmulatorResponse, Fault, Reply

RECORDED = Path(__file__).parent.parent / "data" / "recorded"
TEXT = "/api/v1/services/aigc/text-generation/generation"
VISION = "/api/v1/services/aigc/multimodal-generation/generation"
AUTH = {"authorization": "Bearer sk-x"}
SSE = {**AUTH, "x-dashscope-sse": "enable"}
# Detail objects that only some models/years report.
OPTIONAL = {
    "index",
    "prompt_tokens_details",
    "input_tokens_details",
    "output_tokens_details",
    "total_tokens",
    "reasoning_content",
    "tool_calls",
}


def load(name: str, part: str) -> str:
    return (RECORDED / f"{name}.{part}").read_text("utf-8").lstrip("\ufeff")


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys and types, not contents."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items()) if k not in OPTIONAL}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return (
        "number"
        if isinstance(value, int | float) and not isinstance(value, bool)
        else type(value).__name__
    )


def events(response: EmulatorResponse) -> list[tuple[str, int, dict[str, Any]]]:
    out = []
    for frame in response.frames:
        lines = frame.data.decode().split("\n")
        assert lines[0].startswith("id:") and lines[-2:] == ["", ""]
        kind, status, data = (
            lines[1][6:],
            int(lines[2].removeprefix(":HTTP_STATUS/")),
            json.loads(lines[3][5:]),
        )
        out.append((kind, status, data))
    return out


def body(response: EmulatorResponse) -> Any:
    return json.loads(b"".join(f.data for f in response.frames))


SUCCESSES = sorted(
    p.name.removesuffix(".response.body.txt")
    for p in RECORDED.glob("*generation*.response.body.txt")
    if not p.name.startswith("application-")  # apps: tests/emulator/test_apps.py
)


@pytest.mark.parametrize("name", SUCCESSES)
def test_answers_have_the_recorded_shape(name: str) -> None:
    first = load(name, "request.header.txt").splitlines()[0]
    if first.startswith("POST "):
        path = urlsplit(first.split(" ")[1]).path
    else:  # some recordings keep only the headers: the name says the endpoint
        path = VISION if name.startswith("multimodal") else TEXT
    sent = json.loads(load(name, "request.body.json"))
    streaming = name.endswith("-sse")
    response = Emulator().handle(
        "POST", path, SSE if streaming else AUTH, json.dumps(sent).encode()
    )
    assert response.status == 200 and response.streamed == streaming
    recorded = load(name, "response.body.txt")
    if not streaming:
        assert shape(body(response)) == shape(json.loads(recorded))
        return
    want = [json.loads(line[5:]) for line in recorded.splitlines() if line.startswith("data:")]
    got = events(response)
    assert [k for k, _, _ in got] == ["result"] * len(got) and {s for _, s, _ in got} == {200}
    assert shape(got[0][2]) == shape(want[0]) and shape(got[-1][2]) == shape(want[-1])
    finishes = [json.dumps(d["output"]).count('"finish_reason": "null"') for _, _, d in got]
    assert all(finishes[:-1]) and not finishes[-1]  # "null" (the string) until the last event
    assert len({d["request_id"] for _, _, d in got}) == 1
    assert got[0][2]["request_id"] == dict(response.headers)["x-request-id"]


def ask(
    emulator: Emulator,
    model: str = "qwen-plus",
    stream: bool = False,
    path: str = TEXT,
    **params: Any,
) -> EmulatorResponse:
    messages = params.pop("messages", [{"role": "user", "content": params.pop("text", "Hi there")}])
    params.setdefault("result_format", "message")
    payload = {"model": model, "input": {"messages": messages}, "parameters": params}
    return emulator.handle("POST", path, SSE if stream else AUTH, json.dumps(payload).encode())


@pytest.mark.parametrize(
    ("model", "params", "message"),
    [
        ("no-such-model", {}, "Model not exist."),
        ("moonshot-v1-8k", {"temperature": 1.5}, "Temperature should be in [0, 1]"),
        ("qwen1.5-7b-chat", {"top_p": 1.0}, "Top_p should be in (0, 1)"),
        ("moonshot-v1-8k", {"stop": ["a", "b", "c", "d", "e", "f"]}, "At most 5 stop strings"),
        ("qwen-plus", {"enable_thinking": True}, "parameter.enable_thinking must be set to false for non-streaming calls"),
        ("qwen-vl-plus", {}, "url error, please check url!"),
        ("qwen-plus", {"messages": []}, "Role must be user or assistant and Content length must be greater than 0"),
        ("qwen-plus", {"messages": [{"role": "robot", "content": "x"}]}, "Role must be user or assistant"),
    ],
)  # fmt: skip
def test_validation_like_the_service(model: str, params: dict[str, Any], message: str) -> None:
    response = ask(Emulator(), model, **params)
    assert response.status == 400
    assert body(response)["code"] in {"InvalidParameter", "InvalidURL"} and body(response)[
        "message"
    ].startswith(message)
    streamed = ask(
        Emulator(), model, stream=True, **params
    )  # a stream gets a 200 with one error event
    if "non-streaming" not in message:
        assert streamed.status == 200 and events(streamed)[0][:2] == ("error", 400)


def test_auth() -> None:
    emulator = Emulator(api_key="sk-right")
    response = emulator.handle("POST", TEXT, {"authorization": "Bearer sk-wrong"}, b"{}")
    assert (response.status, body(response)["code"]) == (401, "InvalidApiKey")
    assert emulator.handle("POST", TEXT, {}, b"{}").status == 401
    assert len(emulator.requests) == 2


def test_script_order_times_and_clear() -> None:
    emulator = Emulator()
    emulator.queue(Fault.server_error(times=2), Reply(text="scripted"))
    assert [ask(emulator).status for _ in range(2)] == [500, 500]
    assert body(ask(emulator))["output"]["choices"][0]["message"]["content"] == "scripted"
    assert (
        body(ask(emulator))["output"]["choices"][0]["message"]["content"]
        == "[qwen-plus] You said: Hi there"
    )
    emulator.queue(Reply(text="x"))
    emulator.clear()
    assert emulator.requests == [] and "You said" in json.dumps(body(ask(emulator)))


def test_rate_limit_headers() -> None:
    emulator = Emulator()
    emulator.queue(Fault.rate_limit(retry_after=0.5))
    response = ask(emulator)
    headers = dict(response.headers)
    assert (
        response.status == 429
        and headers["Retry-After"] == "0.5"
        and headers["retry-after-ms"] == "500"
    )


def test_cumulative_and_incremental_streams() -> None:
    emulator = Emulator()
    emulator.queue(Reply(chunks=["a ", "b ", "c"]), Reply(chunks=["a ", "b ", "c"]))
    inc = [
        e[2]["output"]["choices"][0]["message"]["content"]
        for e in events(ask(emulator, stream=True, incremental_output=True))
    ]
    cum = [
        e[2]["output"]["choices"][0]["message"]["content"]
        for e in events(ask(emulator, stream=True))
    ]
    assert inc == ["a ", "b ", "c", ""] and cum == ["a ", "a b ", "a b c", "a b c"]


def test_default_tool_call_from_schema_with_refs() -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "book_trip",
            "description": "Book a trip",
            "parameters": {
                "type": "object",
                "$defs": {"Place": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
                "properties": {"to": {"$ref": "#/$defs/Place"}, "nights": {"type": "integer"},
                               "kind": {"enum": ["hotel", "hostel"]}},
                "required": ["to", "nights", "kind"],
            },
        },
    }  # fmt: skip
    data = body(
        ask(
            Emulator(),
            text="Book a hostel in 'Paris' for 3 nights",
            tools=[tool],
            result_format="message",
        )
    )
    choice = data["output"]["choices"][0]
    call = choice["message"]["tool_calls"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] == ""
    assert json.loads(call["function"]["arguments"]) == {
        "to": {"city": "Paris"},
        "nights": 3,
        "kind": "hostel",
    }
    none = body(ask(Emulator(), text="hi", tools=[tool], tool_choice="none"))
    assert "tool_calls" not in json.dumps(none)


def test_answers_after_tool_results_and_json_schema() -> None:
    messages = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "w", "arguments": "{}"}}]},
        {"role": "tool", "content": "sunny, 22 C", "tool_call_id": "call_1"},
    ]  # fmt: skip
    data = body(ask(Emulator(), messages=messages, result_format="message"))
    assert "sunny, 22 C" in data["output"]["choices"][0]["message"]["content"]
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "p", "schema": schema}}
    data = body(ask(Emulator(), text="'Ann' is 31", response_format=fmt, result_format="message"))
    assert json.loads(data["output"]["choices"][0]["message"]["content"]) == {
        "name": "Ann",
        "age": 31,
    }


def test_thinking_streams_reasoning_first() -> None:
    got = events(
        ask(Emulator(), "qwen-plus", stream=True, enable_thinking=True, incremental_output=True)
    )
    messages = [e[2]["output"]["choices"][0]["message"] for e in got]
    first_text = next(i for i, m in enumerate(messages) if m["content"])
    assert first_text > 0 and all(m.get("reasoning_content") for m in messages[:first_text])
    assert got[-1][2]["usage"]["output_tokens_details"]["reasoning_tokens"] == first_text


def test_prompt_only_quirks() -> None:
    emulator = Emulator()
    prompt = "<|Human|>: 你好<eoh>\n<|MOSS|>:"
    raw = emulator.handle(
        "POST",
        TEXT,
        AUTH,
        json.dumps({"model": "moss-moon-003-sft", "input": {"prompt": prompt}}).encode(),
    )
    text = body(raw)["output"]["text"]
    assert (
        text.startswith("<|Human|>: 你好 <eoh> \n<|MOSS|>:")
        and text.endswith(" <eom>")
        and "你好" in text
    )
    yuan = emulator.handle(
        "POST",
        TEXT,
        AUTH,
        json.dumps(
            {"model": "chatyuan-large-v2", "input": {"prompt": "用户：你好\n小元："}}
        ).encode(),
    )
    assert set(body(yuan)) == {"output", "request_id"} and "你好" in body(yuan)["output"]["text"]
    chat = ask(emulator, "chatyuan-large-v2")
    assert chat.status == 400  # prompt-only: messages are rejected


def test_vision_usage_and_content_list() -> None:
    parts = [{"image": "https://example.com/a.png"}, {"text": "What is this?"}]
    data = body(
        ask(Emulator(), "qwen-vl-plus", path=VISION, messages=[{"role": "user", "content": parts}])
    )
    assert data["output"]["choices"][0]["message"]["content"] == [
        {"text": "[qwen-vl-plus] You said: What is this?"}
    ]
    assert data["usage"]["image_tokens"] == 1000


def test_logprobs_on_request_and_recorded() -> None:
    emulator = Emulator()
    plain = body(ask(emulator, text="Spring has come", logprobs=True, top_logprobs=3))
    choice = plain["output"]["choices"][0]
    content = choice["logprobs"]["content"]
    assert "".join(e["token"] for e in content) == choice["message"]["content"]
    assert all(len(e["top_logprobs"]) == 3 and e["top_logprobs"][0]["token"] == e["token"]
               for e in content)  # fmt: skip
    assert emulator.requests[-1].body["parameters"]["top_logprobs"] == 3
    # Streamed: each event its piece's entry (cumulative output: all so far); the same values.
    inc = events(ask(emulator, text="Spring has come", stream=True, logprobs=True,
                     top_logprobs=3, incremental_output=True))  # fmt: skip
    per_event = [d["output"]["choices"][0]["logprobs"]["content"] for _, _, d in inc]
    assert [e for entries in per_event for e in entries] == content and per_event[-1] == []
    cum = events(ask(emulator, text="Spring has come", stream=True, logprobs=True,
                     top_logprobs=3))  # fmt: skip
    assert cum[-1][2]["output"]["choices"][0]["logprobs"]["content"] == content
    recorded = [r.body["parameters"] for r in emulator.requests]
    assert all(p["logprobs"] is True and p["top_logprobs"] == 3 for p in recorded)
    # Not asked for, or the text format: no logprobs member at all.
    assert "logprobs" not in body(ask(emulator))["output"]["choices"][0]
    assert "logprobs" not in json.dumps(body(ask(emulator, logprobs=True, result_format="text")))
    emulator.queue(Reply(text="ok", logprobs=[{"token": "ok", "logprob": -1.0}]))
    scripted = body(ask(emulator))["output"]["choices"][0]["logprobs"]
    assert scripted == {"content": [{"token": "ok", "logprob": -1.0}]}
