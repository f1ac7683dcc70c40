"""langchain-community's ``ChatTongyi`` examples, with one import changed, over the emulator.

Each test is an example from ChatTongyi's docstring, LangChain's "ChatTongyi" notebook or
langchain-community's ChatTongyi tests, as written there, with
``from langchain_dashscope_models import ChatQwen as ChatTongyi`` in place of the
langchain-community import. The documented differences (docs/migration.md) have their own
tests at the end: the example, its one-line fix, and our behaviour.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from langchain_core.callbacks import BaseCallbackHandler, CallbackManager
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.messages.ai import AIMessageChunk
from langchain_core.messages.tool import ToolCall, ToolMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.prompts import ChatPromptTemplate, HumanMessagePromptTemplate
from langchain_core.tools import tool
from pydantic import BaseModel, Field, SecretStr

from dashscope_models import RequestValidationError
from dashscope_models.emulator import Emulator
from langchain_dashscope_models import ChatQwen as ChatTongyi  # the one changed line

MESSAGES = [
    ("system", "你是一名专业的翻译家，可以将用户的中文翻译为英文。"),
    ("human", "我喜欢编程。"),
]


class TokenCounter(BaseCallbackHandler):
    """Counts streamed tokens (the anchor's tests use their FakeCallbackHandler so)."""

    def __init__(self) -> None:
        self.llm_streams = 0

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.llm_streams += 1


# -- the docstring ---------------------------------------------------------------------------


def test_docstring_invoke_and_response_metadata(emulator: Emulator) -> None:
    tongyi_chat = ChatTongyi(model="qwen-max")
    ai_msg = tongyi_chat.invoke(MESSAGES)
    assert isinstance(ai_msg, AIMessage) and ai_msg.content
    meta = ai_msg.response_metadata
    assert meta["model_name"] == "qwen-max"
    assert meta["finish_reason"] == "stop" and meta["request_id"]
    usage = meta["token_usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0
    assert emulator.requests[-1].body["model"] == "qwen-max"


def test_docstring_stream(emulator: Emulator) -> None:
    tongyi_chat = ChatTongyi(model="qwen-max")
    chunks = list(tongyi_chat.stream(MESSAGES))
    assert len(chunks) > 1
    assert "".join(str(c.content) for c in chunks)
    last = chunks[-1]
    assert last.response_metadata["finish_reason"] == "stop"
    assert last.response_metadata["token_usage"]["total_tokens"] > 0


async def test_docstring_async(emulator: Emulator) -> None:
    tongyi_chat = ChatTongyi(model="qwen-max")
    answer = await tongyi_chat.ainvoke(MESSAGES)
    assert answer.response_metadata["model_name"] == "qwen-max"
    streamed = [chunk async for chunk in tongyi_chat.astream(MESSAGES)]
    assert len(streamed) > 1
    batch = await tongyi_chat.abatch([MESSAGES])
    assert batch[0].content == answer.content


class GetWeather(BaseModel):
    """Get the current weather in a given location"""

    location: str = Field(..., description="The city and state, e.g. San Francisco, CA")


class GetPopulation(BaseModel):
    """Get the current population in a given location"""

    location: str = Field(..., description="The city and state, e.g. San Francisco, CA")


def test_docstring_tool_calling(emulator: Emulator) -> None:
    tongyi_chat = ChatTongyi(model="qwen-max")
    chat_with_tools = tongyi_chat.bind_tools([GetWeather, GetPopulation])
    ai_msg = chat_with_tools.invoke("Which city is hotter today and which is bigger: LA or NY?")
    assert ai_msg.tool_calls
    assert ai_msg.tool_calls[0]["name"] in ("GetWeather", "GetPopulation")
    assert "location" in ai_msg.tool_calls[0]["args"]


class Joke(BaseModel):
    """Joke to tell user."""

    setup: str = Field(description="The setup of the joke")
    punchline: str = Field(description="The punchline to the joke")
    rating: int | None = Field(description="How funny the joke is, from 1 to 10")


def test_docstring_structured_output(emulator: Emulator) -> None:
    tongyi_chat = ChatTongyi(model="qwen-max")
    structured_chat = tongyi_chat.with_structured_output(Joke)
    joke = structured_chat.invoke("Tell me a joke about cats")
    assert isinstance(joke, Joke)


# -- LangChain's ChatTongyi notebook ---------------------------------------------------------


def test_notebook_stream_with_streaming_arguments(emulator: Emulator) -> None:
    chatLLM = ChatTongyi(
        streaming=True,
    )
    res = chatLLM.stream([HumanMessage(content="hi")], streaming=True)
    chunks = list(res)
    assert len(chunks) > 1
    body = emulator.requests[-1].body
    assert "streaming" not in body["parameters"]  # the method decides, nothing is sent


def test_notebook_bind_tools(emulator: Emulator) -> None:
    @tool
    def multiply(first_int: int, second_int: int) -> int:
        """Multiply two integers together."""
        return first_int * second_int

    llm = ChatTongyi(model="qwen-turbo")
    llm_with_tools = llm.bind_tools([multiply])
    msg = llm_with_tools.invoke("What's 5 times forty two")
    assert msg.tool_calls[0]["name"] == "multiply"


def test_notebook_tools_by_bind(emulator: Emulator) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_current_time",
                "description": "当你想知道现在的时间时非常有用。",
                "parameters": {},
            },
        },
        {
            "type": "function",
            "function": {
                "name": "get_current_weather",
                "description": "当你想查询指定城市的天气时非常有用。",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "location": {
                            "type": "string",
                            "description": "城市或县区，比如北京市、杭州市、余杭区等。",
                        }
                    },
                },
                "required": ["location"],
            },
        },
    ]
    messages = [
        SystemMessage(content="You are a helpful assistant."),
        HumanMessage(content="What is the weather like in San Francisco?"),
    ]
    chatLLM = ChatTongyi()
    llm_kwargs = {"tools": tools, "result_format": "message"}
    ai_message = chatLLM.bind(**llm_kwargs).invoke(messages)
    assert ai_message.tool_calls[0]["name"] == "get_current_weather"
    assert emulator.requests[-1].body["parameters"]["result_format"] == "message"


def test_notebook_partial_mode(emulator: Emulator) -> None:
    messages = [
        HumanMessage(
            content="""Please continue the sentence "Spring has arrived, and the earth" to express the beauty of spring and the author's joy."""
        ),
        AIMessage(content="Spring has arrived, and the earth", additional_kwargs={"partial": True}),
    ]
    chatLLM = ChatTongyi()
    ai_message = chatLLM.invoke(messages)
    assert ai_message.content
    assert emulator.requests[-1].body["input"]["messages"][-1]["partial"] is True


# -- langchain-community's ChatTongyi tests ---------------------------------------------------

_FUNCTIONS: Any = [
    {
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "description": "Get the current weather in a given location",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {
                        "type": "string",
                        "description": "The city and state, e.g. San Francisco, CA",
                    },
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                },
                "required": ["location"],
            },
        },
    }
]


def test_initialization() -> None:
    """Test chat model initialization."""
    for model in [
        ChatTongyi(model_name="qwen-turbo", api_key="xyz"),
        ChatTongyi(model="qwen-turbo", dashscope_api_key="xyz"),
    ]:
        assert model.model_name == "qwen-turbo"
        assert cast(SecretStr, model.dashscope_api_key).get_secret_value() == "xyz"


def test_api_key_is_string() -> None:
    llm = ChatTongyi(dashscope_api_key="secret-api-key")
    assert isinstance(llm.dashscope_api_key, SecretStr)


def test_api_key_masked_when_passed_via_constructor(capsys: pytest.CaptureFixture[str]) -> None:
    llm = ChatTongyi(dashscope_api_key="secret-api-key")
    print(llm.dashscope_api_key, end="")  # noqa: T201
    captured = capsys.readouterr()

    assert captured.out == "**********"


def test_default_call(emulator: Emulator) -> None:
    """Test default model call."""
    chat = ChatTongyi()
    response = chat.invoke([HumanMessage(content="Hello")])
    assert isinstance(response, BaseMessage)
    assert isinstance(response.content, str)


def test_model(emulator: Emulator) -> None:
    """Test model kwarg works."""
    chat = ChatTongyi(model="qwen-plus")
    response = chat.invoke([HumanMessage(content="Hello")])
    assert isinstance(response, BaseMessage)
    assert isinstance(response.content, str)


def test_multiple_history(emulator: Emulator) -> None:
    """Tests multiple history works."""
    chat = ChatTongyi()

    response = chat.invoke(
        [
            HumanMessage(content="Hello."),
            AIMessage(content="Hello!"),
            HumanMessage(content="How are you doing?"),
        ]
    )
    assert isinstance(response, BaseMessage)
    assert isinstance(response.content, str)


def test_stream(emulator: Emulator) -> None:
    """Test that stream works."""
    chat = ChatTongyi(streaming=True)
    callback_handler = TokenCounter()
    callback_manager = CallbackManager([callback_handler])
    response = chat.invoke(
        [
            HumanMessage(content="Hello."),
            AIMessage(content="Hello!"),
            HumanMessage(content="Who are you?"),
        ],
        stream=True,
        config={"callbacks": callback_manager},
    )
    assert callback_handler.llm_streams > 0
    assert isinstance(response.content, str)


def test_multiple_messages(emulator: Emulator) -> None:
    """Tests multiple messages works."""
    chat = ChatTongyi()
    message = HumanMessage(content="Hi, how are you.")
    response = chat.generate([[message], [message]])

    assert isinstance(response, LLMResult)
    assert len(response.generations) == 2
    for generations in response.generations:
        assert len(generations) == 1
        for generation in generations:
            assert isinstance(generation, ChatGeneration)
            assert isinstance(generation.text, str)
            assert generation.text == generation.message.content


class GenerateUsername(BaseModel):
    "Get a username based on someone's name and hair color."

    name: str
    hair_color: str


def test_tool_use(emulator: Emulator) -> None:
    llm = ChatTongyi(model="qwen-turbo", temperature=0)
    llm_with_tool = llm.bind_tools(tools=[GenerateUsername])
    msgs: list[Any] = [HumanMessage(content="Sally has green hair, what would her username be?")]
    ai_msg = llm_with_tool.invoke(msgs)

    assert isinstance(ai_msg, AIMessage)
    assert isinstance(ai_msg.tool_calls, list)
    assert len(ai_msg.tool_calls) == 1
    tool_call = ai_msg.tool_calls[0]
    assert "args" in tool_call

    tool_msg = ToolMessage(
        content="sally_green_hair",
        tool_call_id=ai_msg.tool_calls[0]["id"],
        name=ai_msg.tool_calls[0]["name"],
    )
    msgs.extend([ai_msg, tool_msg])
    llm_with_tool.invoke(msgs)

    # Test streaming
    ai_messages = llm_with_tool.stream(msgs)
    first = True
    for message in ai_messages:
        if first:
            gathered = message
            first = False
        else:
            gathered = gathered + message
    assert isinstance(gathered, AIMessageChunk)

    streaming_tool_msg = ToolMessage(
        content="sally_green_hair",
        name=tool_call["name"],
        tool_call_id=tool_call["id"] if tool_call["id"] else " ",
    )
    msgs.extend([gathered, streaming_tool_msg])
    llm_with_tool.invoke(msgs)


def test_manual_tool_call_msg(emulator: Emulator) -> None:
    """Test passing in manually construct tool call message."""
    llm = ChatTongyi(model="qwen-turbo", temperature=0)
    llm_with_tool = llm.bind_tools(tools=[GenerateUsername])
    msgs: list[Any] = [
        HumanMessage(content="Sally has green hair, what would her username be?"),
        AIMessage(
            content=" ",
            tool_calls=[
                ToolCall(
                    name="GenerateUsername",
                    args={"name": "Sally", "hair_color": "green"},
                    id="foo",
                )
            ],
        ),
        ToolMessage(content="sally_green_hair", tool_call_id="foo"),
    ]
    output: AIMessage = cast(AIMessage, llm_with_tool.invoke(msgs))
    assert output.content
    # Should not have called the tool again.
    assert not output.tool_calls and not output.invalid_tool_calls


class AnswerWithJustification(BaseModel):
    """An answer to the user question along with justification for the answer."""

    answer: str
    justification: str


def test_chat_tongyi_with_structured_output(emulator: Emulator) -> None:
    """Test ChatTongyi with structured output."""
    llm = ChatTongyi()
    structured_llm = llm.with_structured_output(AnswerWithJustification)
    response = structured_llm.invoke("What weighs more a pound of bricks or a pound of feathers")
    assert isinstance(response, AnswerWithJustification)


def test_chat_tongyi_with_structured_output_include_raw(emulator: Emulator) -> None:
    """Test ChatTongyi with structured output."""
    llm = ChatTongyi()
    structured_llm = llm.with_structured_output(AnswerWithJustification, include_raw=True)
    response = structured_llm.invoke("What weighs more a pound of bricks or a pound of feathers")
    assert isinstance(response, dict)
    assert isinstance(response.get("raw"), AIMessage)
    assert isinstance(response.get("parsed"), AnswerWithJustification)


def test_functions_call_thoughts_with_tools(emulator: Emulator) -> None:
    """The anchor's test bound ``functions=`` (OpenAI's retired name, which the dashscope SDK
    passes through untouched and no DashScope document describes); bound as ``tools=`` (or
    with ``bind_tools``) the same chain calls the tool."""
    chat = ChatTongyi(model="qwen-plus")

    prompt_tmpl = "Use the given functions to answer following question: {input}"
    prompt_msgs = [
        HumanMessagePromptTemplate.from_template(prompt_tmpl),
    ]
    prompt = ChatPromptTemplate(messages=prompt_msgs)

    chain = prompt | chat.bind(tools=_FUNCTIONS)

    message = HumanMessage(content="What's the weather like in Shanghai today?")
    response = chain.batch([{"input": message}])
    assert isinstance(response[0], AIMessage)
    assert response[0].tool_calls[0]["name"] == "get_current_weather"


# -- the documented differences (docs/migration.md) -----------------------------------------

VISION = [
    HumanMessage(
        content=[
            {"image": "https://example.com/run_details.png"},
            {"text": "Summarize the image"},
        ]
    )
]


def test_difference_vision_answer_is_a_string(emulator: Emulator) -> None:
    """ChatTongyi's test_vision_model asserted ``isinstance(response.content, list)``: its
    vision answers were DashScope's part list. Ours is the text, as every LangChain chat
    model gives it; the fix for code that indexed the list is to read ``response.content``
    (or ``response.text``) directly."""
    chat = ChatTongyi(model="qwen-vl-max")
    response = chat.invoke(VISION)
    assert isinstance(response, BaseMessage)
    assert isinstance(response.content, str) and response.content == response.text
    sent = emulator.requests[-1]
    assert sent.path.endswith("/multimodal-generation/generation")
    assert sent.body["input"]["messages"][0]["content"][0] == {
        "image": "https://example.com/run_details.png"
    }


def test_difference_max_tokens_over_the_limit_is_refused_early(emulator: Emulator) -> None:
    """ChatTongyi sent any ``max_tokens`` (the service then refused it); ours refuses a value
    over the model's output limit before sending, naming the limit."""
    chat = ChatTongyi(model="qwen-max", max_tokens=1_000_000)
    with pytest.raises(RequestValidationError) as info:
        chat.invoke("Hello")
    assert isinstance(info.value, ValueError)  # what ChatTongyi raised for a refused request
    assert info.value.code == "ParameterOutOfRange" and "8192" in str(info.value)
    assert emulator.requests == []
    # the one-line fix: a max_tokens within the limit the message names
    assert ChatTongyi(model="qwen-max", max_tokens=8192).invoke("Hello").content
