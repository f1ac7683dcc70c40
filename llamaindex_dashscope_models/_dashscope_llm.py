"""``DashScope``: any DashScope model as a LlamaIndex function-calling LLM, on the core client."""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from pydantic import Field, PrivateAttr, SecretStr

from dashscope_models import DashScopeClient, GenerationRequest, Message, get_spec
from llamaindex_dashscope_models._convert import (
    StreamAccumulator,
    response_from_result,
    to_core,
    usage_kwargs,
)
from llamaindex_dashscope_models._tools import (
    prepare_chat_with_tools,
    structured_response_format,
    tool_calls_from_response,
)

if TYPE_CHECKING:
    from llama_index.core.llms.llm import ToolSelection
    from llama_index.core.tools.types import BaseTool

__all__ = ["DashScope"]

_GENERATION = (
    "temperature", "top_p", "top_k", "max_tokens", "seed", "stop", "repetition_penalty",
    "presence_penalty", "frequency_penalty", "enable_thinking", "thinking_budget", "enable_search",
)  # fmt: skip
_REQUEST_KEYS = frozenset(GenerationRequest.__dataclass_fields__) - {"model", "messages", "prompt"}


class DashScope(FunctionCallingLLM):
    """Any DashScope model as a LlamaIndex LLM: chat, complete, streaming, async, tools.

    Every method has true async I/O on the shared connection pool; ``metadata`` comes from the
    model catalog (no network). Prompt-only models (MOSS, ChatYuan) chat through their prompt
    formats and ``complete`` takes the prompt as written. Only parameters you set are sent.

    Example::

        from llama_index.core.llms import ChatMessage
        from llamaindex_dashscope_models import DashScope

        llm = DashScope(model="qwen-plus", temperature=0.2)
        print(llm.chat([ChatMessage(role="user", content="Hi!")]).message.content)
        for r in llm.stream_complete("Count to three:"):
            print(r.delta, end="")
    """

    model: str = Field(default="qwen-plus", description="Any DashScope model id.")
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    max_tokens: int | None = None
    seed: int | None = None
    stop: list[str] | None = None
    repetition_penalty: float | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    enable_thinking: bool | None = None
    thinking_budget: int | None = None
    enable_search: bool | None = None
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Extra request parameters, sent verbatim."
    )
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    region: str | None = None
    base_url: str | None = None
    workspace: str | None = None
    timeout: float | None = None
    max_retries: int | None = None

    _client: DashScopeClient | None = PrivateAttr(default=None)

    def __init__(self, **data: Any) -> None:
        if data.get("api_key") is None and os.environ.get("DASHSCOPE_API_KEY"):
            data["api_key"] = os.environ["DASHSCOPE_API_KEY"]
        super().__init__(**data)

    @classmethod
    def class_name(cls) -> str:
        return "DashScope_LLM"

    @property
    def client(self) -> DashScopeClient:
        """The core client (made on first use; shares the process-wide connection pool)."""
        if self._client is None:
            self._client = DashScopeClient.from_settings(self)
        return self._client

    @property
    def metadata(self) -> LLMMetadata:
        spec = get_spec(self.model)
        return LLMMetadata(
            context_window=spec.context_window,
            num_output=self.max_tokens or spec.default_max_tokens,
            is_chat_model=True,
            is_function_calling_model=spec.tools,
            model_name=self.model,
        )

    # -- requests ---------------------------------------------------------------------------

    def _request(
        self, messages: list[Message] | None, kwargs: dict[str, Any], prompt: str | None = None
    ) -> GenerationRequest:
        params = {k: getattr(self, k) for k in _GENERATION if getattr(self, k) is not None}
        extra = dict(self.additional_kwargs)
        model = kwargs.pop("model", None) or self.model
        for key, value in {**extra, **kwargs}.items():
            if value is None:
                continue
            if key in _REQUEST_KEYS:
                params[key] = value
                extra.pop(key, None)
            else:
                extra[key] = value
        params["extra_parameters"] = {k: v for k, v in extra.items() if k not in _REQUEST_KEYS}
        spec = get_spec(model)
        if messages is not None and spec.endpoint == "text-generation" and spec.input == "messages":
            params.setdefault("result_format", "message")  # tool calls need the message format
        return GenerationRequest(model=model, messages=messages, prompt=prompt, **params)

    def _chat_request(
        self, messages: Sequence[ChatMessage], kwargs: dict[str, Any]
    ) -> GenerationRequest:
        return self._request(to_core(messages), dict(kwargs))

    def _complete_request(self, prompt: str, kwargs: dict[str, Any]) -> GenerationRequest:
        kwargs = dict(kwargs)
        if get_spec(kwargs.get("model") or self.model).input == "prompt":
            return self._request(None, kwargs, prompt=prompt)
        return self._request([Message("user", prompt)], kwargs)

    # -- the eight methods --------------------------------------------------------------------

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return response_from_result(self.client.generate(self._chat_request(messages, kwargs)))

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        result = await self.client.agenerate(self._chat_request(messages, kwargs))
        return response_from_result(result)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        request = self._chat_request(messages, kwargs)

        def gen() -> ChatResponseGen:
            acc = StreamAccumulator()
            for chunk in self.client.stream(request):
                yield acc.add(chunk)

        return gen()

    @llm_chat_callback()
    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        request = self._chat_request(messages, kwargs)

        async def gen() -> ChatResponseAsyncGen:
            acc = StreamAccumulator()
            async for chunk in self.client.astream(request):
                yield acc.add(chunk)

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        result = self.client.generate(self._complete_request(prompt, kwargs))
        return CompletionResponse(
            text=result.text, raw=result.raw, additional_kwargs=usage_kwargs(result.usage)
        )

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        result = await self.client.agenerate(self._complete_request(prompt, kwargs))
        return CompletionResponse(
            text=result.text, raw=result.raw, additional_kwargs=usage_kwargs(result.usage)
        )

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        request = self._complete_request(prompt, kwargs)

        def gen() -> CompletionResponseGen:
            text = ""
            for chunk in self.client.stream(request):
                text += chunk.text
                yield CompletionResponse(
                    text=text, delta=chunk.text, additional_kwargs=usage_kwargs(chunk.usage)
                )

        return gen()

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        request = self._complete_request(prompt, kwargs)

        async def gen() -> CompletionResponseAsyncGen:
            text = ""
            async for chunk in self.client.astream(request):
                text += chunk.text
                yield CompletionResponse(
                    text=text, delta=chunk.text, additional_kwargs=usage_kwargs(chunk.usage)
                )

        return gen()

    # -- tools and structured output ----------------------------------------------------------

    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        **kwargs: Any,
    ) -> dict[str, Any]:
        return prepare_chat_with_tools(
            tools, user_msg, chat_history, allow_parallel_tool_calls, tool_required, kwargs
        )

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        if not allow_parallel_tool_calls:
            calls = response.message.additional_kwargs.get("tool_calls") or []
            if len(calls) > 1:
                response.message.additional_kwargs["tool_calls"] = calls[:1]
                first = [b for b in response.message.blocks if b.block_type == "tool_call"][:1]
                response.message.blocks = [
                    b for b in response.message.blocks if b.block_type != "tool_call"
                ] + first
        return response

    def get_tool_calls_from_response(
        self, response: ChatResponse, error_on_no_tool_call: bool = True, **kwargs: Any
    ) -> list[ToolSelection]:
        return tool_calls_from_response(response, error_on_no_tool_call)

    def structured_predict(
        self,
        output_cls: Any,
        prompt: Any,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Any:
        """Native JSON-schema output where the catalog says the model has it; else the
        default (a forced tool call)."""
        response_format = structured_response_format(self.model, output_cls)
        if response_format is None:
            return super().structured_predict(output_cls, prompt, llm_kwargs, **prompt_args)
        messages = prompt.format_messages(llm=self, **prompt_args)
        response = self.chat(messages, response_format=response_format, **(llm_kwargs or {}))
        return output_cls.model_validate_json(response.message.content or "")

    async def astructured_predict(
        self,
        output_cls: Any,
        prompt: Any,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Any:
        """Async :meth:`structured_predict`."""
        response_format = structured_response_format(self.model, output_cls)
        if response_format is None:
            return await super().astructured_predict(output_cls, prompt, llm_kwargs, **prompt_args)
        messages = prompt.format_messages(llm=self, **prompt_args)
        response = await self.achat(messages, response_format=response_format, **(llm_kwargs or {}))
        return output_cls.model_validate_json(response.message.content or "")


def _precompute_signatures() -> None:
    """llama-index's dispatcher binds each call's arguments with ``inspect.signature`` of the
    decorated method, which unwraps to ours and recomputes it every call; a precomputed
    ``__signature__`` on our function makes that a lookup (see bench_llamaindex.py)."""
    names = ("chat", "achat", "stream_chat", "astream_chat", "complete", "acomplete",
             "stream_complete", "astream_complete")  # fmt: skip
    for name in names:
        function: Any = getattr(DashScope, name)
        while hasattr(function, "__wrapped__"):
            function = function.__wrapped__
        function.__signature__ = inspect.signature(function)


_precompute_signatures()
