"""The LlamaIndex adapter's finer points over the emulator: structured output in all four forms,
tool schemas and tool_choice, media blocks, metadata per model, configuration and errors."""

# No "from __future__ import annotations": FunctionTool reads save_person's annotations at run time.

import base64
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    AudioBlock,
    ChatMessage,
    DocumentBlock,
    ImageBlock,
    TextBlock,
    VideoBlock,
)
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from llama_index.core.types import PydanticProgramMode
from pydantic import BaseModel, SecretStr

import dashscope_models as core
from dashscope_models.emulator import Emulator, Fault, Reply
from llamaindex_dashscope_models import (
    ChatYuan,
    DashScope,
    DeepSeek,
    Moss,
    Qwen,
    QwenVL,
    _structured,
)

USER = [ChatMessage(role="user", content="Hello there")]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16  # enough for the type to be recognised


class Address(BaseModel):
    city: str
    street: str


class Person(BaseModel):
    name: str
    address: Address


PROMPT = PromptTemplate("Describe the person {name} who lives in 'Paris'.")
EXPECTED = Person(name="Tom", address=Address(city="Paris", street=""))


class Events(BaseEventHandler):
    names: list[str] = []  # noqa: RUF012 - a pydantic field (given per instance)
    payloads: list[Any] = []  # noqa: RUF012

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        self.names.append(type(event).__name__)
        if hasattr(event, "model_dict"):
            self.payloads.append(event.model_dict)


@pytest.fixture
def events() -> Iterator[Events]:
    handler = Events(names=[], payloads=[])
    dispatcher = get_dispatcher()
    dispatcher.add_event_handler(handler)
    yield handler
    dispatcher.event_handlers.remove(handler)


def _person(value: Any) -> Person:
    assert isinstance(value, Person), value
    assert (value.name, value.address.city) == ("Tom", "Paris")
    return value


# -- structured output ----------------------------------------------------------------------


async def test_structured_predict_native_json_schema_with_nested_models(
    emulator: Emulator, sync: bool, events: Events
) -> None:
    llm = Qwen()
    if sync:
        _person(llm.structured_predict(Person, PROMPT, name="'Tom'"))
    else:
        _person(await llm.astructured_predict(Person, PROMPT, name="'Tom'"))
    params = emulator.requests[-1].body["parameters"]
    assert "tools" not in params
    schema = params["response_format"]["json_schema"]["schema"]
    assert params["response_format"]["type"] == "json_schema"
    assert schema["properties"]["address"] == {"$ref": "#/$defs/Address"}
    assert "Address" in schema["$defs"]
    assert {"LLMStructuredPredictStartEvent", "LLMStructuredPredictEndEvent"} <= set(events.names)


async def test_stream_structured_predict_yields_growing_objects(
    emulator: Emulator, sync: bool, events: Events
) -> None:
    llm = Qwen()
    if sync:
        outputs = list(llm.stream_structured_predict(Person, PROMPT, name="'Tom'"))
    else:
        outputs = [
            o async for o in await llm.astream_structured_predict(Person, PROMPT, name="'Tom'")
        ]
    assert len(outputs) > 2 and not isinstance(outputs[0], Person)  # partial objects first
    _person(outputs[-1])
    sent = emulator.requests[-1]
    assert sent.stream and sent.body["parameters"]["response_format"]["type"] == "json_schema"
    assert "LLMStructuredPredictInProgressEvent" in events.names


async def test_structured_predict_falls_back_to_a_forced_tool(
    emulator: Emulator, sync: bool
) -> None:
    llm = DeepSeek()  # tools, no JSON output in the catalog
    value = (
        llm.structured_predict(Person, PROMPT, name="'Tom'")
        if sync
        else await llm.astructured_predict(Person, PROMPT, name="'Tom'")
    )
    _person(value)
    params = emulator.requests[-1].body["parameters"]
    assert params["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
    assert "response_format" not in params


def test_program_mode_chosen_by_the_user_is_respected(emulator: Emulator) -> None:
    llm = Qwen(pydantic_program_mode=PydanticProgramMode.FUNCTION)
    _person(llm.structured_predict(Person, PROMPT, name="'Tom'"))
    assert emulator.requests[-1].body["parameters"]["tool_choice"]["function"]["name"] == "Person"


def test_json_mode_states_the_schema_in_the_system_message(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No catalog model has JSON mode without JSON schema today: make qwen-max look like one.
    spec = replace(core.get_spec("qwen-max"), json_schema=False)
    monkeypatch.setattr(_structured, "get_spec", lambda model: spec)
    emulator.queue(
        Reply(text='Sure: {"name": "Tom", "address": {"city": "Paris", "street": "Rue"}}')
    )
    llm = DashScope(model="qwen-max", system_prompt="Be exact.")
    assert llm.structured_predict(Person, PROMPT, name="'Tom'").address.street == "Rue"
    body = emulator.requests[-1].body
    assert body["parameters"]["response_format"] == {"type": "json_object"}
    system = body["input"]["messages"][0]
    assert system["role"] == "system" and system["content"].startswith("Be exact.\n\n")
    assert "JSON schema" in system["content"] and '"Address"' in system["content"]
    assert [m["role"] for m in body["input"]["messages"]] == ["system", "user"]


# -- tools ----------------------------------------------------------------------------------


def save_person(person: Person, note: str = "") -> str:
    """Save a person record."""
    return f"saved {person.name}"


def test_tool_schemas_in_dashscope_format_with_nested_definitions(emulator: Emulator) -> None:
    tool = FunctionTool.from_defaults(save_person)
    response = Qwen().chat_with_tools([tool], "save_person 'Tom' in 'Paris'")
    (sent,) = emulator.requests[-1].body["parameters"]["tools"]
    assert sent["type"] == "function" and set(sent["function"]) == {
        "name",
        "description",
        "parameters",
    }
    parameters = sent["function"]["parameters"]
    assert parameters["properties"]["person"] == {"$ref": "#/$defs/Person"}
    assert parameters["$defs"]["Person"]["properties"]["address"] == {"$ref": "#/$defs/Address"}
    assert parameters["required"] == ["person"]
    (call,) = Qwen().get_tool_calls_from_response(response)
    assert call.tool_name == "save_person" and call.tool_kwargs["person"]["name"] == "Tom"


def test_tool_choice_words(emulator: Emulator) -> None:
    weather = FunctionTool.from_defaults(save_person, name="one")
    other = FunctionTool.from_defaults(save_person, name="two")
    llm = Qwen()
    llm.chat_with_tools([weather], "hi", tool_choice="required")
    assert emulator.requests[-1].body["parameters"]["tool_choice"]["function"]["name"] == "one"
    llm.chat_with_tools([weather, other], "hi", tool_choice="two")
    assert emulator.requests[-1].body["parameters"]["tool_choice"]["function"]["name"] == "two"
    llm.chat_with_tools([weather, other], "hi", tool_choice="none")
    assert emulator.requests[-1].body["parameters"]["tool_choice"] == "none"
    with pytest.raises(core.RequestValidationError, match="any of these"):
        llm.chat_with_tools([weather, other], "hi", tool_choice="any")


def test_tool_history_from_additional_kwargs(emulator: Emulator) -> None:
    # llama-index-llms-openai's shape: calls in additional_kwargs["tool_calls"], no blocks.
    call = {"id": "call_1", "type": "function",
            "function": {"name": "save_person", "arguments": '{"note": "x"}'}}  # fmt: skip
    history = [
        ChatMessage(role="user", content="save it"),
        ChatMessage(role="assistant", content="", additional_kwargs={"tool_calls": [call]}),
        ChatMessage(role="tool", content="saved", additional_kwargs={"tool_call_id": "call_1"}),
    ]
    assert "saved" in (Qwen().chat(history).message.content or "")
    sent = emulator.requests[-1].body["input"]["messages"]
    assert sent[1]["tool_calls"][0]["function"] == call["function"]
    assert sent[2] == {"role": "tool", "content": "saved", "tool_call_id": "call_1"}


# -- media ----------------------------------------------------------------------------------


def test_media_blocks(emulator: Emulator, tmp_path: Path) -> None:
    image = tmp_path / "cat"  # no suffix: the type comes from the bytes
    image.write_bytes(PNG)
    message = ChatMessage(role="user", blocks=[
        ImageBlock(path=image),
        ImageBlock(url=f"file://{image}"),
        ImageBlock(image=PNG),
        VideoBlock(url="https://example.com/clip.mp4"),
        TextBlock(text="What is this?"),
    ])  # fmt: skip
    QwenVL().chat([message])
    content = emulator.requests[-1].body["input"]["messages"][0]["content"]
    inline = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert content == [
        {"image": inline}, {"image": inline}, {"image": inline},
        {"video": "https://example.com/clip.mp4"}, {"text": "What is this?"},
    ]  # fmt: skip


def test_unusable_media_fails_before_any_request(emulator: Emulator) -> None:
    unknown = ChatMessage(
        role="user", blocks=[ImageBlock(image=b"not an image"), TextBlock(text="?")]
    )
    with pytest.raises(core.RequestValidationError, match="image_mimetype"):
        QwenVL().chat([unknown])
    document = ChatMessage(role="user", blocks=[DocumentBlock(data=b"%PDF-1.4", title="d")])
    with pytest.raises(core.RequestValidationError, match="reads no documents"):
        QwenVL().chat([document])
    audio = ChatMessage(
        role="user", blocks=[AudioBlock(url="https://x/a.mp3"), TextBlock(text="?")]
    )
    with pytest.raises(core.RequestValidationError, match="images"):  # not a vision model
        Qwen().chat([audio])
    assert emulator.requests == []


# -- metadata, configuration, completions ---------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "kwargs", "window", "output", "chat", "tools"),
    [
        (Qwen, {}, 131072, 8192, True, True),
        (Qwen, {"model": "qwen-max", "max_tokens": 100}, 32768, 100, True, True),
        (QwenVL, {}, 131072, 8192, True, True),
        (DashScope, {"model": "qwen2-7b-instruct"}, 131072, 6144, True, False),
        (Moss, {}, 2048, 512, True, False),  # chat renders MOSS's own format
        (Moss, {"model": "moss-moon-003-base"}, 2048, 512, False, False),  # a base model
        (ChatYuan, {}, 4096, 1024, True, False),
    ],
    ids=["qwen-plus", "qwen-max", "qwen-vl-plus", "qwen2", "moss", "moss-base", "chatyuan"],
)
def test_metadata_per_model(
    cls: type[DashScope], kwargs: dict[str, Any], window: int, output: int, chat: bool, tools: bool
) -> None:
    llm = cls(**kwargs)
    meta = llm.metadata
    assert (meta.model_name, meta.context_window, meta.num_output) == (llm.model, window, output)
    assert (meta.is_chat_model, meta.is_function_calling_model) == (chat, tools)


def test_payload_and_dict_never_hold_the_key(emulator: Emulator, events: Events) -> None:
    llm = Qwen(api_key="sk-test-emulator-key", max_tokens=64)
    llm.chat(USER)
    assert events.payloads and events.payloads[-1]["model_name"] == "qwen-plus"
    assert events.payloads[-1]["num_output"] == 64
    assert "sk-test" not in str(events.payloads) + str(llm.to_dict()) + repr(llm)


def test_completion_to_prompt_hook_and_formatted(emulator: Emulator) -> None:
    llm = Moss(completion_to_prompt=lambda p: f"<|Human|>: {p}<eoh>\n<|MOSS|>:")
    assert llm.complete("hi").text == "[moss-moon-003-sft] You said: hi"
    assert emulator.requests[-1].body["input"] == {"prompt": "<|Human|>: hi<eoh>\n<|MOSS|>:"}
    llm.complete("as written", formatted=True)
    assert emulator.requests[-1].body["input"] == {"prompt": "as written"}


async def test_reasoning_on_completions(emulator: Emulator) -> None:
    llm = DeepSeek(model="deepseek-r1")
    done = await llm.acomplete("why?")
    assert done.text and done.additional_kwargs["reasoning_content"]
    streamed = list(llm.stream_complete("why?"))
    assert any(r.additional_kwargs.get("thinking_delta") for r in streamed)
    assert streamed[-1].text == done.text


def test_client_made_lazily_and_remade_when_settings_change(
    emulator: Emulator, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DASHSCOPE_API_KEY")
    # A remote URL (a loopback one with no key gets a placeholder key); nothing is sent there.
    llm = Qwen(base_url="https://dashscope-intl.aliyuncs.com/api/v1")
    with pytest.raises(core.ConfigurationError, match="API key"):  # no key, no I/O until now
        llm.chat(USER)
    assert emulator.requests == []
    first = llm.client
    assert llm.client is first
    llm.api_key = SecretStr("sk-test-emulator-key")
    assert llm.client is not first
    first = llm.client
    llm.base_url = base_url
    assert llm.client is not first
    assert llm.chat(USER).message.content


# -- errors on the other paths --------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "cls"),
    [
        (
            Fault.http_error(401, "InvalidApiKey", "Invalid API-key provided."),
            core.AuthenticationError,
        ),
        (Fault.http_error(400, "InvalidParameter", "Bad."), core.BadRequestError),
    ],
)
async def test_typed_errors_from_completion_and_sync_stream(
    emulator: Emulator, fault: Fault, cls: type[Exception]
) -> None:
    llm = Qwen(max_retries=0)
    emulator.queue(fault)
    with pytest.raises(cls):
        list(llm.stream_chat(USER))
    emulator.queue(fault)
    with pytest.raises(cls):
        llm.complete("x")
    emulator.queue(fault)
    with pytest.raises(cls):
        [r async for r in await llm.astream_complete("x")]
    emulator.queue(fault)
    with pytest.raises(cls):
        await llm.astructured_predict(Person, PROMPT, name="'Tom'")


def test_generation_constants_name_catalogued_models() -> None:
    """``DashScopeGenerationModels`` as llama-index-llms-dashscope has it (its five members,
    plain model-id strings) plus today's lineup, each a model the catalog knows."""
    from llamaindex_dashscope_models import DashScopeGenerationModels as Models

    anchor = {"QWEN_TURBO": "qwen-turbo", "QWEN_PLUS": "qwen-plus", "QWEN_MAX": "qwen-max",
              "QWEN_MAX_1201": "qwen-max-1201", "QWEN_MAX_LONGCONTEXT": "qwen-max-longcontext"}  # fmt: skip
    members = {k: v for k, v in vars(Models).items() if k.isupper()}
    assert anchor.items() <= members.items()
    assert all(type(v) is str for v in members.values())
    for name, model_id in members.items():
        if name not in anchor:
            assert core.get_spec(model_id).known, model_id


def test_dashscope_api_key_on_llamaindex_classes() -> None:
    from llamaindex_dashscope_models import DashScope, DashScopeEmbedding, DashScopeRerank

    for cls in (DashScope, DashScopeEmbedding, DashScopeRerank):
        model = cls(dashscope_api_key="sk-hidden-456")
        assert isinstance(model.dashscope_api_key, SecretStr)
        assert "sk-hidden-456" not in repr(model) + str(model.to_dict())
