"""``ChatDashScope``: any DashScope model as a LangChain chat model, on the shared core client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.language_models.base import LangSmithParams
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from pydantic import BaseModel

from dashscope_models import Chunk, GenerationRequest, GenerationResult, get_spec

if TYPE_CHECKING:
    from langchain_core.language_models import LanguageModelInput
    from langchain_core.runnables import Runnable
    from langchain_core.tools import BaseTool
from langchain_dashscope_models._batch import BatchMixin
from langchain_dashscope_models._compat import ChatPatches
from langchain_dashscope_models._convert import (
    chat_result,
    combine_llm_outputs,
    result_message,
    stream_pieces,
    to_core,
)
from langchain_dashscope_models._fields import DashScopeFields
from langchain_dashscope_models._shell import ChatShell, Pieces
from langchain_dashscope_models._structured import bind_tools_for, structured_output

__all__ = ["ChatDashScope"]


@lru_cache(maxsize=512)
def _profile(model: str) -> ModelProfile:
    spec = get_spec(model)
    profile = ModelProfile(
        max_input_tokens=spec.max_input_tokens,
        max_output_tokens=spec.max_output_tokens,
        text_inputs=True,
        image_inputs=spec.vision,
        image_url_inputs=spec.vision,
        reasoning_output=spec.thinking != "none",
        text_outputs=True,
        tool_calling=spec.tools,
        tool_choice=spec.tools,
        tool_call_streaming=spec.tools,
        structured_output=spec.tools or spec.json_schema,
    )
    if spec.reasoning_efforts:  # the documented levels (values are sent as given)
        profile["reasoning_effort_levels"] = list(spec.reasoning_efforts)
    if not (spec.known and spec.limits_known):  # no source gives them: say nothing
        del profile["max_input_tokens"], profile["max_output_tokens"]
    return profile


class ChatDashScope(DashScopeFields, ChatPatches, BatchMixin, ChatShell, BaseChatModel):  # type: ignore[misc]  # bind()
    """Any DashScope model as a LangChain chat model (sync, async, streaming, tools).

    The model id decides the endpoint (text or multimodal), the input mode (chat messages, or a
    prompt rendered in the model's format for MOSS and ChatYuan) and what is checked before a
    request; ids the catalog does not know still work. Family classes (``ChatQwen``,
    ``ChatMoonshot`` ...) only change the default model.

    Example::

        from langchain_dashscope_models import ChatDashScope

        llm = ChatDashScope(model="qwen-plus", temperature=0.3)
        print(llm.invoke("Say hi in French").content)
        for chunk in llm.stream("Count to three"):
            print(chunk.content, end="")
    """

    stream_usage: bool | None = None
    """Usage metadata on the last streamed chunk, as langchain-openai's ``stream_usage``
    (``None``: on, DashScope always reports it). Also a per-call argument; never sent."""

    @property
    def _llm_type(self) -> str:
        return "dashscope-chat"

    def _combine_llm_outputs(self, llm_outputs: list[dict[str, Any] | None]) -> dict[str, Any]:
        return combine_llm_outputs(llm_outputs)

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, **self.identifying_parameters()}

    def _resolve_model_profile(self) -> ModelProfile | None:
        return ModelProfile(**_profile(self.model))

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="dashscope",
            ls_model_name=kwargs.get("model") or self.model,
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        if stop := stop or self.stop:
            params["ls_stop"] = stop
        return params

    # -- requests ---------------------------------------------------------------------------

    def _build(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> GenerationRequest:
        call = dict(kwargs)
        call.pop("stream_usage", None)  # read by the streaming methods, never sent
        if stop is not None:
            call["stop"] = stop
        return self.request(to_core(messages), call, chat=True)

    def _send(self, request: GenerationRequest) -> GenerationResult:
        return self.client.generate(request)

    async def _asend(self, request: GenerationRequest) -> GenerationResult:
        return await self.client.agenerate(request)

    def _open(self, request: GenerationRequest) -> Iterator[Chunk]:
        return self.client.stream(request)

    def _aopen(self, request: GenerationRequest) -> AsyncIterator[Chunk]:
        return self.client.astream(request)

    def _result(
        self, answer: GenerationResult, request: GenerationRequest, kwargs: dict[str, Any]
    ) -> ChatResult:
        return chat_result(result_message(answer))

    def _pieces(self, request: GenerationRequest, kwargs: dict[str, Any]) -> Pieces:
        usage = kwargs.get("stream_usage", self.stream_usage) is not False
        return partial(stream_pieces, request.model, usage)

    # -- tools and structured output ----------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: dict[str, Any] | str | bool | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Offer tools. ``tool_choice``: ``"auto"``, ``"none"``, a tool name, or
        ``"any"``/``"required"``/``True`` ("some tool"): with one tool it is forced by name;
        with several it is sent as ``"required"`` where the model takes it (the Qwen3.5+ and
        Qwen4 lines), elsewhere calls raise a ``ValueError`` (code ``ToolChoiceUnsupported``)
        before any request, never a silent downgrade to ``"auto"``. A forced choice on a model
        that thinks by default and refuses it while thinking is sent with
        ``enable_thinking=False`` (``response_metadata["thinking_disabled"]`` says so); with
        thinking asked for, calls raise ``ThinkingToolChoice`` before any request."""
        bound = bind_tools_for(tools, tool_choice, parallel_tool_calls, strict)
        return self.bind(**bound, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: Literal["function_calling", "json_mode", "json_schema"] = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """Answers parsed into ``schema`` by a forced tool call (default), JSON mode or JSON
        schema (where the catalog says the model supports them)."""
        if kwargs:
            raise ValueError(f"unexpected arguments: {sorted(kwargs)}")
        return structured_output(self, schema, method, include_raw, strict)
