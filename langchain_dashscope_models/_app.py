"""``ChatDashScopeApp``: a Model Studio application as a LangChain chat model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models.base import LangSmithParams
from langchain_core.language_models.chat_models import (
    BaseChatModel,
    agenerate_from_stream,
    generate_from_stream,
)
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field, model_validator

from dashscope_models import AppChunk, AppRequest, AppResult, AppUsage, RequestValidationError
from dashscope_models.integration import AppSettings, field_names, move_unknown_arguments
from langchain_dashscope_models._compat import Patches
from langchain_dashscope_models._convert import to_core, token_usage
from langchain_dashscope_models._exceptions import translated

__all__ = ["ChatDashScopeApp"]


class ChatDashScopeApp(AppSettings, Patches, BaseChatModel):
    """A Model Studio application (agent, RAG app, workflow) as a LangChain chat model:
    ``invoke``, ``stream``, async, callbacks.

    The conversation is the history you pass (``conversation="messages"``, the default) or the
    service's session (``conversation="session"``: the last message is sent with
    ``session_id``, and the id the service returns is kept for the next call). Every answer
    carries ``response_metadata["session_id"]``, the app's ``thoughts`` and
    ``doc_references`` as sent, and its sources as citations in ``content_blocks``.
    ``rag_options``, ``biz_params``, ``memory_id``, ``has_thoughts`` and ``session_id`` are fields
    and per-call arguments. An app's tools are its own (configured in the console): it binds
    none.

    Example::

        from langchain_dashscope_models import ChatDashScopeApp

        app = ChatDashScopeApp(app_id="5ccc1401...", conversation="session")
        first = app.invoke("Which books are in the knowledge base?")
        second = app.invoke("Summarise the first one")   # same session
        for block in second.content_blocks:
            print(block.get("annotations"))               # the app's references
    """

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=(), defer_build=True)

    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra request parameters, sent verbatim (as ``extra_parameters``)."""
    streaming: bool = False
    """Stream inside ``invoke`` (callbacks still see every token)."""

    @model_validator(mode="before")
    @classmethod
    def _unknown_arguments_to_model_kwargs(cls, values: Any) -> Any:
        """As the model classes: an argument that is no field goes into ``model_kwargs`` and
        is sent, with a warning, so that a misspelt name does not pass silently."""
        if not isinstance(values, dict):
            return values
        return move_unknown_arguments(cls.__name__, values, field_names(cls), "model_kwargs")

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["langchain_dashscope_models"]

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": "DASHSCOPE_API_KEY"}

    @property
    def _llm_type(self) -> str:
        return "dashscope-app"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"app_id": self.app_id, "conversation": self.conversation}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        app_id = kwargs.get("app_id") or self.app_id  # an app is called by its id
        return LangSmithParams(ls_provider="dashscope", ls_model_name=app_id, ls_model_type="chat")

    def _build(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> AppRequest:
        if stop:
            raise RequestValidationError(
                "an application takes no stop sequences (its model is set in the console)",
                code="InvalidParameter",
            )
        call = {**self.model_kwargs, **kwargs}
        return self.app_request(to_core(messages), call)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))
        request = self._build(messages, stop, kwargs)
        with translated:
            result = self.client.call_app(request)
        self.keep_session(kwargs, result.session_id)
        return _chat_result(result, request.app_id)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            return await agenerate_from_stream(self._astream(messages, stop, run_manager, **kwargs))
        request = self._build(messages, stop, kwargs)
        with translated:
            result = await self.client.acall_app(request)
        self.keep_session(kwargs, result.session_id)
        return _chat_result(result, request.app_id)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request = self._build(messages, stop, kwargs)
        with translated:
            for chunk in self.client.stream_app(request):
                out = _generation_chunk(chunk, request.app_id)
                if chunk.finish_reason is not None:
                    self.keep_session(kwargs, chunk.session_id)
                if run_manager is not None:
                    run_manager.on_llm_new_token(out.text, chunk=out)
                yield out

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        request = self._build(messages, stop, kwargs)
        with translated:
            async for chunk in self.client.astream_app(request):
                out = _generation_chunk(chunk, request.app_id)
                if chunk.finish_reason is not None:
                    self.keep_session(kwargs, chunk.session_id)
                if run_manager is not None:
                    await run_manager.on_llm_new_token(out.text, chunk=out)
                yield out

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        """Not available: an application's tools (plugins, workflow nodes) are configured in
        the Model Studio console. For tool calling use ``ChatQwen`` (or ``ChatDashScope``)."""
        raise NotImplementedError(
            "ChatDashScopeApp cannot bind tools: an application's tools (plugins, workflow "
            "nodes) are configured in the Model Studio console. For tool calling use ChatQwen "
            "or ChatDashScope with a model id."
        )

    def with_structured_output(self, *args: Any, **kwargs: Any) -> Any:
        """Not available (it needs tool calling or a JSON mode the app does not offer)."""
        raise NotImplementedError(
            "ChatDashScopeApp has no structured output: an application's answer format is set "
            "in the console. Use ChatQwen(...).with_structured_output for that."
        )


def _metadata(
    app_id: str,
    request_id: str,
    session_id: str | None,
    finish: str | None,
    thoughts: list[Any],
    refs: list[Any],
    usage: AppUsage | None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"model_provider": "dashscope", "model_name": app_id,
                            "app_id": app_id, "session_id": session_id, "finish_reason": finish,
                            "request_id": request_id}  # fmt: skip
    if thoughts:
        meta["thoughts"] = [t.raw for t in thoughts]
    if refs:
        meta["doc_references"] = [r.raw for r in refs]
    if usage is not None and usage.models:
        meta["models"] = [
            {"model_id": m.model_id, "input_tokens": m.input_tokens,
             "output_tokens": m.output_tokens} for m in usage.models
        ]  # fmt: skip
    return meta


def _usage(usage: AppUsage | None) -> Any:
    if usage is None or not usage.models:
        return None
    return {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
            "total_tokens": usage.total_tokens}  # fmt: skip


def _chat_result(result: AppResult, app_id: str) -> ChatResult:
    meta = _metadata(app_id, result.request_id, result.session_id, result.finish_reason,
                     result.thoughts, result.doc_references, result.usage)  # fmt: skip
    message = AIMessage(
        content=result.text,
        response_metadata=meta,
        usage_metadata=_usage(result.usage),
        id=result.request_id or None,
    )
    info = {"finish_reason": result.finish_reason, "model_name": app_id}
    generation = ChatGeneration(message=message, generation_info=info)
    llm_output = {"token_usage": token_usage(message.usage_metadata), "model_name": app_id,
                  "request_id": result.request_id, "session_id": result.session_id}  # fmt: skip
    return ChatResult(generations=[generation], llm_output=llm_output)


def _generation_chunk(chunk: AppChunk, app_id: str) -> ChatGenerationChunk:
    if chunk.finish_reason is None:
        message = AIMessageChunk(
            content=chunk.text,
            response_metadata={"model_provider": "dashscope"},
            id=chunk.request_id or None,
        )
        return ChatGenerationChunk(message=message)
    meta = _metadata(app_id, chunk.request_id, chunk.session_id, chunk.finish_reason,
                     chunk.thoughts, chunk.doc_references, chunk.usage)  # fmt: skip
    last = AIMessageChunk(
        content=chunk.text,
        response_metadata=meta,
        usage_metadata=_usage(chunk.usage),
        id=chunk.request_id or None,
        chunk_position="last",
    )
    info = {"finish_reason": chunk.finish_reason, "model_name": app_id}
    return ChatGenerationChunk(message=last, generation_info=info)
