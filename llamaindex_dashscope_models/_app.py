"""``DashScopeApp``: a Model Studio application as a LlamaIndex LLM (its query engine,
``DashScopeAppQueryEngine``, is in ``_app_engine``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, ClassVar

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    CompletionResponse,
    LLMMetadata,
    MessageRole,
    TextBlock,
)
from llama_index.core.llms.llm import LLM
from pydantic import Field

from dashscope_models import AppChunk, AppRequest, AppResult, AppUsage
from dashscope_models.integration import AppSettings, UnknownArguments
from llamaindex_dashscope_models._citations import citation_blocks
from llamaindex_dashscope_models._convert import to_core
from llamaindex_dashscope_models._shell import LLMShell

__all__ = ["DashScopeApp"]


def _extra(
    request_id: str, session_id: str | None, finish: str | None, usage: AppUsage | None
) -> dict[str, Any]:
    extra: dict[str, Any] = {"request_id": request_id, "session_id": session_id,
                             "finish_reason": finish}  # fmt: skip
    if usage is not None and usage.models:
        extra.update(prompt_tokens=usage.input_tokens, completion_tokens=usage.output_tokens,
                     total_tokens=usage.total_tokens,
                     models=[m.model_id for m in usage.models])  # fmt: skip
    return extra


def _result_extra(result: AppResult) -> dict[str, Any]:
    extra = _extra(result.request_id, result.session_id, result.finish_reason, result.usage)
    if result.thoughts:
        extra["thoughts"] = [t.raw for t in result.thoughts]
    if result.doc_references:
        extra["doc_references"] = [r.raw for r in result.doc_references]
    return extra


def _chat(result: AppResult) -> ChatResponse:
    blocks: list[Any] = [TextBlock(text=result.text), *citation_blocks(result.text, result.sources)]
    message = ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks)
    return ChatResponse(message=message, raw=result.raw, additional_kwargs=_result_extra(result))


class _Stream:
    """The growing response of a stream (the text so far; on the last chunk, the sources and,
    in ``session`` mode, the session kept for the next call)."""

    __slots__ = ("app", "kwargs", "text")

    def __init__(self, app: DashScopeApp, kwargs: dict[str, Any]) -> None:
        self.app, self.kwargs, self.text = app, kwargs, ""

    def extra(self, chunk: AppChunk) -> dict[str, Any]:
        self.text += chunk.text
        extra = _extra(chunk.request_id, chunk.session_id, chunk.finish_reason, chunk.usage)
        if chunk.finish_reason is not None:
            self.app.keep_session(self.kwargs, chunk.session_id)
            extra["doc_references"] = [r.raw for r in chunk.doc_references]
            extra["thoughts"] = [t.raw for t in chunk.thoughts]
        return extra

    def chat(self, chunk: AppChunk, /) -> ChatResponse:
        extra = self.extra(chunk)
        blocks: list[Any] = [TextBlock(text=self.text)]
        if chunk.finish_reason is not None:
            sources = AppResult(self.text, chunk.request_id, thoughts=chunk.thoughts,
                                doc_references=chunk.doc_references).sources  # fmt: skip
            blocks += citation_blocks(self.text, sources)
        message = ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks)
        return ChatResponse(message=message, delta=chunk.text, additional_kwargs=extra)

    def completion(self, chunk: AppChunk, /) -> CompletionResponse:
        extra = self.extra(chunk)
        return CompletionResponse(text=self.text, delta=chunk.text, additional_kwargs=extra)


class DashScopeApp(UnknownArguments, AppSettings, LLMShell, LLM):
    """A Model Studio application (agent, RAG app, workflow) as a LlamaIndex LLM: chat,
    complete, streaming and async.

    ``conversation="messages"`` (default) sends the chat history; ``"session"`` sends the last
    message with ``session_id`` and keeps the id the service returns (see ``AppSettings``).
    Answers carry ``session_id``, ``thoughts`` and ``doc_references`` in ``additional_kwargs``
    and the app's sources as ``CitationBlock`` blocks after the text.

    Example::

        from llamaindex_dashscope_models import DashScopeApp

        app = DashScopeApp(app_id="5ccc1401...", conversation="session")
        print(app.complete("What is in the handbook?").text)
        print(app.complete("And the second chapter?").additional_kwargs["session_id"])
    """

    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Extra request parameters, sent verbatim."
    )
    unknown_arguments_field: ClassVar[str] = "additional_kwargs"  # as the model classes

    @classmethod
    def class_name(cls) -> str:
        return "DashScopeApp_LLM"

    @property
    def metadata(self) -> LLMMetadata:
        """An app is a chat model; its context window is its own (not known here)."""
        return LLMMetadata(is_chat_model=True, model_name=self.app_id)

    def _request(
        self, messages: Sequence[ChatMessage] | None, kwargs: dict[str, Any], prompt: str = ""
    ) -> AppRequest:
        call = {**self.additional_kwargs, **kwargs}
        if messages is not None:
            return self.app_request(to_core(messages), call)
        return self.app_request(None, call, prompt=prompt)

    def call(self, prompt: str, **kwargs: Any) -> AppResult:
        """The core answer for ``prompt`` (its sources in ``.sources``)."""
        result = self._send(self._request(None, kwargs, prompt))
        self.keep_session(kwargs, result.session_id)
        return result

    async def acall(self, prompt: str, **kwargs: Any) -> AppResult:
        """Async :meth:`call`."""
        result = await self._asend(self._request(None, kwargs, prompt))
        self.keep_session(kwargs, result.session_id)
        return result

    # -- the hooks of the eight methods (_shell) ---------------------------------------------

    def _chat_request(self, messages: Sequence[ChatMessage], kwargs: dict[str, Any]) -> AppRequest:
        return self._request(messages, kwargs)

    def _complete_request(self, prompt: str, formatted: bool, kwargs: dict[str, Any]) -> AppRequest:
        return self._request(None, kwargs, prompt)

    def _send(self, request: AppRequest) -> AppResult:
        return self.client.call_app(request)

    async def _asend(self, request: AppRequest) -> AppResult:
        return await self.client.acall_app(request)

    def _open(self, request: AppRequest) -> Callable[[], Iterator[AppChunk]]:
        chunks = self.client.stream_app(request)  # bad input raised here, before any item
        return lambda: chunks

    def _aopen(self, request: AppRequest) -> Callable[[], AsyncIterator[AppChunk]]:
        chunks = self.client.astream_app(request)
        return lambda: chunks

    def _chat_response(self, answer: AppResult, kwargs: dict[str, Any]) -> ChatResponse:
        self.keep_session(kwargs, answer.session_id)
        return _chat(answer)

    def _completion_response(self, answer: AppResult, kwargs: dict[str, Any]) -> CompletionResponse:
        self.keep_session(kwargs, answer.session_id)
        return CompletionResponse(text=answer.text, raw=answer.raw,
                                  additional_kwargs=_result_extra(answer))  # fmt: skip

    def _responses(self, kwargs: dict[str, Any]) -> _Stream:
        return _Stream(self, kwargs)
