"""``DashScope``: any DashScope model as a LlamaIndex function-calling LLM, on the core client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import llama_index.core.instrumentation as instrument
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    CompletionResponse,
    LLMMetadata,
)
from llama_index.core.instrumentation.events.llm import (
    LLMStructuredPredictEndEvent,
    LLMStructuredPredictStartEvent,
)
from llama_index.core.llms.function_calling import FunctionCallingLLM
from pydantic import Field, field_validator

from dashscope_models import Chunk, GenerationRequest, GenerationResult, Message, get_spec
from dashscope_models.integration import (
    ConnectionSettings,
    GenerationSettings,
    UnknownArguments,
    merge_request,
)
from llamaindex_dashscope_models._batch import BatchMixin
from llamaindex_dashscope_models._compat import Patches
from llamaindex_dashscope_models._constants import plain_value
from llamaindex_dashscope_models._convert import (
    StreamResponses,
    completion_from_result,
    response_from_result,
    to_core,
)
from llamaindex_dashscope_models._shell import LLMShell
from llamaindex_dashscope_models._structured import program_for
from llamaindex_dashscope_models._tools import prepare_chat_with_tools, tool_calls_from_response

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Generator

    from llama_index.core.llms.llm import ToolSelection
    from llama_index.core.program.utils import FlexibleModel
    from llama_index.core.prompts.base import BasePromptTemplate
    from llama_index.core.tools.types import BaseTool
    from llama_index.core.types import Model

    from dashscope_models.integration import StreamReader

    Streamed = tuple[Chunk, StreamReader]  # a chunk and the answer so far

__all__ = ["DashScope"]

# Prompt formats that only join texts (base models): LlamaIndex should call ``complete`` there.
_PLAIN_PROMPT_FORMATS = frozenset({"moss-base"})
_PACKAGE = __name__.partition(".")[0] + "."

dispatcher = instrument.get_dispatcher(__name__)  # type: ignore[attr-defined]  # re-exported, no __all__


class DashScope(
    UnknownArguments,
    GenerationSettings,
    ConnectionSettings,
    Patches,
    BatchMixin,
    LLMShell,
    FunctionCallingLLM,
):
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

    model: str = Field(
        default="qwen-plus", alias="model_name", description="Any DashScope model id."
    )
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Extra request parameters, sent verbatim."
    )
    context_window: int | None = Field(
        default=None, gt=0, description="Overrides the catalog's context window in ``metadata``."
    )
    is_function_calling_model: bool | None = Field(
        default=None, description="Overrides the catalog's tool support in ``metadata``."
    )
    unknown_arguments_field: ClassVar[str] = "additional_kwargs"  # as in langchain-openai
    incremental_output: bool | None = Field(
        default=None,
        description="Accepted as llama-index-llms-dashscope takes it; never sent: streams are "
        "always incremental (each response's ``delta`` is new text, ``text`` the whole).",
    )

    @field_validator("model", mode="before")
    @classmethod
    def _model_id(cls, value: Any) -> Any:
        return plain_value(value)

    @property
    def model_name(self) -> str:
        """The model id (``model``), under llama-index-llms-dashscope's name for it."""
        return self.model

    @classmethod
    def class_name(cls) -> str:
        """``<name>_LLM`` of this package's nearest class, LlamaIndex's serialization key:
        ``DashScope_LLM`` (as llama-index-llms-dashscope), ``Qwen_LLM`` ...; a subclass of
        yours keeps the name of the class it extends."""
        own = next(c for c in cls.__mro__ if c.__module__.startswith(_PACKAGE))
        return f"{own.__name__}_LLM"

    @property
    def metadata(self) -> LLMMetadata:
        """From the catalog, no network (a ``context_window`` or ``is_function_calling_model``
        given to the constructor wins). ``is_chat_model`` is true for prompt-only models
        too when their catalog prompt format renders a conversation (MOSS, ChatYuan): ``chat``
        then gives LlamaIndex the model's own format, which ``complete`` would not."""
        spec = get_spec(self.model)
        tools = self.is_function_calling_model
        return LLMMetadata(
            context_window=self.context_window or spec.context_window,
            num_output=self.max_tokens or spec.default_max_tokens,
            is_chat_model=spec.is_chat_model or spec.prompt_format not in _PLAIN_PROMPT_FORMATS,
            is_function_calling_model=spec.tools if tools is None else tools,
            model_name=self.model,
        )

    # -- requests ---------------------------------------------------------------------------

    def _request(
        self, messages: list[Message] | None, kwargs: dict[str, Any], prompt: str | None = None
    ) -> GenerationRequest:
        """The core request: fields that are set, then ``additional_kwargs``, then the call's
        ``kwargs`` over them (the core's ``merge_request``)."""
        return merge_request(
            self.model,
            self.generation_parameters(),
            self.additional_kwargs,
            kwargs,
            messages=messages,
            prompt=prompt,
            chat=True,
        )

    def _chat_request(
        self, messages: Sequence[ChatMessage], kwargs: dict[str, Any]
    ) -> GenerationRequest:
        return self._request(to_core(messages), dict(kwargs))

    def _complete_request(
        self, prompt: str, formatted: bool, kwargs: dict[str, Any]
    ) -> GenerationRequest:
        kwargs = dict(kwargs)
        if not formatted and self.completion_to_prompt is not None:
            prompt = self.completion_to_prompt(prompt)  # LlamaIndex's hook (identity by default)
        if get_spec(kwargs.get("model") or self.model).input == "prompt":
            return self._request(None, kwargs, prompt=prompt)
        return self._request([Message("user", prompt)], kwargs)

    # -- the hooks of the eight methods (_shell) ---------------------------------------------

    def _send(self, request: GenerationRequest) -> GenerationResult:
        return self.client.generate(request)

    async def _asend(self, request: GenerationRequest) -> GenerationResult:
        return await self.client.agenerate(request)

    def _open(self, request: GenerationRequest) -> Callable[[], Iterator[Streamed]]:
        return lambda: self.client.stream_accumulated(request)  # opened on the first item

    def _aopen(self, request: GenerationRequest) -> Callable[[], AsyncIterator[Streamed]]:
        return lambda: self.client.astream_accumulated(request)

    def _chat_response(self, answer: GenerationResult, kwargs: dict[str, Any]) -> ChatResponse:
        return response_from_result(answer)

    def _completion_response(
        self, answer: GenerationResult, kwargs: dict[str, Any]
    ) -> CompletionResponse:
        return completion_from_result(answer)

    def _responses(self, kwargs: dict[str, Any]) -> StreamResponses:
        return StreamResponses()

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

    # Structured output: the model's native JSON output where the catalog has it (see
    # _structured.py); the bodies are LlamaIndex's own, with that program in place of its choice.

    @dispatcher.span
    def structured_predict(
        self,
        output_cls: type[Model],
        prompt: BasePromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """A ``output_cls`` instance: native JSON schema (or JSON mode) output where the model
        has it, else LlamaIndex's default program (a forced tool call on tool models)."""
        dispatcher.event(
            LLMStructuredPredictStartEvent(
                output_cls=output_cls, template=prompt, template_args=prompt_args
            )
        )
        result = program_for(self, output_cls, prompt)(llm_kwargs=llm_kwargs, **prompt_args)
        dispatcher.event(LLMStructuredPredictEndEvent(output=result))
        return result  # type: ignore[return-value]  # one model: no parallel outputs asked

    @dispatcher.span
    async def astructured_predict(
        self,
        output_cls: type[Model],
        prompt: BasePromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Async :meth:`structured_predict`."""
        dispatcher.event(
            LLMStructuredPredictStartEvent(
                output_cls=output_cls, template=prompt, template_args=prompt_args
            )
        )
        program = program_for(self, output_cls, prompt)
        result = await program.acall(llm_kwargs=llm_kwargs, **prompt_args)
        dispatcher.event(LLMStructuredPredictEndEvent(output=result))
        return result  # type: ignore[return-value]

    def _structured_stream_call(
        self,
        output_cls: type[Model],
        prompt: BasePromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Generator[Model | list[Model] | FlexibleModel | list[FlexibleModel], None, None]:
        program = program_for(self, output_cls, prompt)
        return program.stream_call(llm_kwargs=llm_kwargs, **prompt_args)

    async def _structured_astream_call(
        self,
        output_cls: type[Model],
        prompt: BasePromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> AsyncGenerator[Model | list[Model] | FlexibleModel | list[FlexibleModel], None]:
        program = program_for(self, output_cls, prompt)
        return await program.astream_call(llm_kwargs=llm_kwargs, **prompt_args)
