"""``ChatDashScopeApp``: a Model Studio application as a LangChain chat model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, ClassVar

from langchain_core.language_models.base import LangSmithParams
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field

from dashscope_models import AppChunk, AppRequest, AppResult, Chunk, RequestValidationError
from dashscope_models.integration import AppSettings, UnknownArguments
from langchain_dashscope_models._compat import Patches
from langchain_dashscope_models._convert import (
    chunk_message,
    generation_chunk,
    to_core,
    token_usage,
)
from langchain_dashscope_models._shell import ChatShell, Pieces

__all__ = ["ChatDashScopeApp"]


class ChatDashScopeApp(UnknownArguments, AppSettings, Patches, ChatShell, BaseChatModel):
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
    _token_logprobs: ClassVar[bool] = False  # an app's stream has none

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

    def _send(self, request: AppRequest) -> AppResult:
        return self.client.call_app(request)

    async def _asend(self, request: AppRequest) -> AppResult:
        return await self.client.acall_app(request)

    def _open(self, request: AppRequest) -> Iterator[AppChunk]:
        return self.client.stream_app(request)

    def _aopen(self, request: AppRequest) -> AsyncIterator[AppChunk]:
        return self.client.astream_app(request)

    def _result(self, answer: AppResult, request: AppRequest, kwargs: dict[str, Any]) -> ChatResult:
        self.keep_session(kwargs, answer.session_id)
        return _chat_result(answer, request.app_id)

    def _pieces(self, request: AppRequest, kwargs: dict[str, Any]) -> Pieces:
        app_id = request.app_id

        def pieces(chunk: AppChunk) -> tuple[ChatGenerationChunk]:
            out = _generation_chunk(chunk, app_id)
            if chunk.finish_reason is not None:
                self.keep_session(kwargs, chunk.session_id)
            return (out,)

        return pieces

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


def _message_fields(answer: AppResult | AppChunk, app_id: str) -> dict[str, Any]:
    """An answer's (or a stream's last chunk's) message: its text, ``response_metadata``
    (session, finish reason, request id, the app's thoughts, references and models as sent),
    usage and id."""
    meta: dict[str, Any] = {"model_provider": "dashscope", "model_name": app_id,
                            "app_id": app_id, "session_id": answer.session_id,
                            "finish_reason": answer.finish_reason,
                            "request_id": answer.request_id}  # fmt: skip
    if answer.thoughts:
        meta["thoughts"] = [t.raw for t in answer.thoughts]
    if answer.doc_references:
        meta["doc_references"] = [r.raw for r in answer.doc_references]
    usage, counts = answer.usage, None
    if usage is not None and usage.models:
        meta["models"] = [
            {"model_id": m.model_id, "input_tokens": m.input_tokens,
             "output_tokens": m.output_tokens} for m in usage.models
        ]  # fmt: skip
        counts = {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
                  "total_tokens": usage.total_tokens}  # fmt: skip
    return {"content": answer.text, "response_metadata": meta, "usage_metadata": counts,
            "id": answer.request_id or None}  # fmt: skip


def _chat_result(result: AppResult, app_id: str) -> ChatResult:
    message = AIMessage(**_message_fields(result, app_id))
    info = {"finish_reason": result.finish_reason, "model_name": app_id}
    generation = ChatGeneration(message=message, generation_info=info)
    llm_output = {"token_usage": token_usage(message.usage_metadata), "model_name": app_id,
                  "request_id": result.request_id, "session_id": result.session_id}  # fmt: skip
    return ChatResult(generations=[generation], llm_output=llm_output)


def _generation_chunk(chunk: AppChunk, app_id: str) -> ChatGenerationChunk:
    if chunk.finish_reason is None:  # a text delta, built as the chat models' (no validation)
        delta = Chunk(text=chunk.text, request_id=chunk.request_id)
        return generation_chunk(chunk_message(delta, app_id))
    last = AIMessageChunk(**_message_fields(chunk, app_id), chunk_position="last")
    info = {"finish_reason": chunk.finish_reason, "model_name": app_id}
    return ChatGenerationChunk(message=last, generation_info=info)
