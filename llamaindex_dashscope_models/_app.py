"""``DashScopeApp``: a Model Studio application as a LlamaIndex LLM (its query engine,
``DashScopeAppQueryEngine``, is in ``_app_engine``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
    TextBlock,
)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.llm import LLM
from pydantic import Field, model_validator

from dashscope_models import AppChunk, AppRequest, AppResult, AppUsage
from dashscope_models.integration import AppSettings, field_names, move_unknown_arguments
from llamaindex_dashscope_models._citations import citation_blocks
from llamaindex_dashscope_models._convert import to_core

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
    """The growing response of a stream (the text so far; on the last chunk, the sources)."""

    def __init__(self) -> None:
        self.text = ""

    def extra(self, chunk: AppChunk) -> dict[str, Any]:
        self.text += chunk.text
        extra = _extra(chunk.request_id, chunk.session_id, chunk.finish_reason, chunk.usage)
        if chunk.finish_reason is not None:
            extra["doc_references"] = [r.raw for r in chunk.doc_references]
            extra["thoughts"] = [t.raw for t in chunk.thoughts]
        return extra

    def chat(self, chunk: AppChunk) -> ChatResponse:
        extra = self.extra(chunk)
        blocks: list[Any] = [TextBlock(text=self.text)]
        if chunk.finish_reason is not None:
            sources = AppResult(self.text, chunk.request_id, thoughts=chunk.thoughts,
                                doc_references=chunk.doc_references).sources  # fmt: skip
            blocks += citation_blocks(self.text, sources)
        message = ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks)
        return ChatResponse(message=message, delta=chunk.text, additional_kwargs=extra)

    def completion(self, chunk: AppChunk) -> CompletionResponse:
        extra = self.extra(chunk)
        return CompletionResponse(text=self.text, delta=chunk.text, additional_kwargs=extra)


class DashScopeApp(AppSettings, LLM):
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

    @model_validator(mode="before")
    @classmethod
    def _unknown_arguments_to_additional_kwargs(cls, values: Any) -> Any:
        """As the model classes: an argument that is no field goes into ``additional_kwargs``
        and is sent, with a warning; ``extra_body`` entries too."""
        if not isinstance(values, dict):
            return values
        known = field_names(cls)
        return move_unknown_arguments(cls.__name__, values, known, "additional_kwargs")

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
        result = self.client.call_app(self._request(None, kwargs, prompt))
        self.keep_session(kwargs, result.session_id)
        return result

    async def acall(self, prompt: str, **kwargs: Any) -> AppResult:
        """Async :meth:`call`."""
        result = await self.client.acall_app(self._request(None, kwargs, prompt))
        self.keep_session(kwargs, result.session_id)
        return result

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        result = self.client.call_app(self._request(messages, kwargs))
        self.keep_session(kwargs, result.session_id)
        return _chat(result)

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        result = await self.client.acall_app(self._request(messages, kwargs))
        self.keep_session(kwargs, result.session_id)
        return _chat(result)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        result = self.call(prompt, **kwargs)
        return CompletionResponse(text=result.text, raw=result.raw,
                                  additional_kwargs=_result_extra(result))  # fmt: skip

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        result = await self.acall(prompt, **kwargs)
        return CompletionResponse(text=result.text, raw=result.raw,
                                  additional_kwargs=_result_extra(result))  # fmt: skip

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        chunks = self.client.stream_app(self._request(messages, kwargs))

        def gen() -> ChatResponseGen:
            stream = _Stream()
            for chunk in chunks:
                if chunk.finish_reason is not None:
                    self.keep_session(kwargs, chunk.session_id)
                yield stream.chat(chunk)

        return gen()

    @llm_chat_callback()
    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        chunks = self.client.astream_app(self._request(messages, kwargs))

        async def gen() -> ChatResponseAsyncGen:
            stream = _Stream()
            async for chunk in chunks:
                if chunk.finish_reason is not None:
                    self.keep_session(kwargs, chunk.session_id)
                yield stream.chat(chunk)

        return gen()

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        chunks = self.client.stream_app(self._request(None, kwargs, prompt))

        def gen() -> CompletionResponseGen:
            stream = _Stream()
            for chunk in chunks:
                if chunk.finish_reason is not None:
                    self.keep_session(kwargs, chunk.session_id)
                yield stream.completion(chunk)

        return gen()

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        chunks = self.client.astream_app(self._request(None, kwargs, prompt))

        async def gen() -> CompletionResponseAsyncGen:
            stream = _Stream()
            async for chunk in chunks:
                if chunk.finish_reason is not None:
                    self.keep_session(kwargs, chunk.session_id)
                yield stream.completion(chunk)

        return gen()
