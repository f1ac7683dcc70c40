"""The eight call methods of every LlamaIndex LLM here, written once over a few hooks.

``chat``, ``achat``, ``stream_chat``, ``astream_chat``, ``complete``, ``acomplete``,
``stream_complete`` and ``astream_complete`` build the request, send it (sync, async,
streamed) and turn the answer or each streamed item into LlamaIndex's response, under
LlamaIndex's callbacks (``llm_chat_callback``, ``llm_completion_callback``) and one
instrumentation span each, as llama-index-core gives the methods of its subclasses. A class
supplies only what differs (``DashScope``: a model's generation; ``DashScopeApp``: an
application's answer).

Hooks: ``_chat_request(messages, kwargs)`` and ``_complete_request(prompt, formatted,
kwargs)`` the request; ``_send`` / ``_asend`` one answer; ``_open`` / ``_aopen`` a function
that gives the stream's items (a class opens its stream when asked, or on the first item);
``_chat_response`` / ``_completion_response`` (answer, kwargs) the response; ``_responses``
(kwargs) a stream's :class:`Responses`, made on its first item.

Example::

    class Echo(LLMShell, LLM):
        def _chat_request(self, messages, kwargs): return messages[-1].content
        def _send(self, request): return request
        ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, Protocol

import llama_index.core.instrumentation as instrument
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback

from llamaindex_dashscope_models._compat import precompute_signatures

__all__ = ["METHODS", "LLMShell", "Responses"]

METHODS = ("chat", "achat", "stream_chat", "astream_chat", "complete", "acomplete",
           "stream_complete", "astream_complete")  # fmt: skip

dispatcher = instrument.get_dispatcher(__name__)  # type: ignore[attr-defined]  # re-exported, no __all__


class Responses(Protocol):
    """The growing responses of one stream: one per item the stream gives."""

    def chat(self, item: Any, /) -> ChatResponse: ...

    def completion(self, item: Any, /) -> CompletionResponse: ...


class LLMShell:
    """The eight methods over the hooks (a mixin of the LLM classes, before llama-index's
    ``LLM``; see the module docstring)."""

    # -- hooks ----------------------------------------------------------------------------------

    def _chat_request(self, messages: Sequence[ChatMessage], kwargs: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _complete_request(self, prompt: str, formatted: bool, kwargs: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _send(self, request: Any) -> Any:
        raise NotImplementedError

    async def _asend(self, request: Any) -> Any:
        raise NotImplementedError

    def _open(self, request: Any) -> Callable[[], Iterator[Any]]:
        raise NotImplementedError

    def _aopen(self, request: Any) -> Callable[[], AsyncIterator[Any]]:
        raise NotImplementedError

    def _chat_response(self, answer: Any, kwargs: dict[str, Any]) -> ChatResponse:
        raise NotImplementedError

    def _completion_response(self, answer: Any, kwargs: dict[str, Any]) -> CompletionResponse:
        raise NotImplementedError

    def _responses(self, kwargs: dict[str, Any]) -> Responses:
        raise NotImplementedError

    # -- the eight methods ----------------------------------------------------------------------

    @dispatcher.span
    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return self._chat_response(self._send(self._chat_request(messages, kwargs)), kwargs)

    @dispatcher.span
    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        answer = await self._asend(self._chat_request(messages, kwargs))
        return self._chat_response(answer, kwargs)

    @dispatcher.span
    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        items = self._open(self._chat_request(messages, kwargs))

        def gen() -> ChatResponseGen:
            respond = self._responses(kwargs).chat
            for item in items():
                yield respond(item)

        return gen()

    @dispatcher.span
    @llm_chat_callback()
    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        items = self._aopen(self._chat_request(messages, kwargs))

        async def gen() -> ChatResponseAsyncGen:
            respond = self._responses(kwargs).chat
            async for item in items():
                yield respond(item)

        return gen()

    @dispatcher.span
    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        answer = self._send(self._complete_request(prompt, formatted, kwargs))
        return self._completion_response(answer, kwargs)

    @dispatcher.span
    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        answer = await self._asend(self._complete_request(prompt, formatted, kwargs))
        return self._completion_response(answer, kwargs)

    @dispatcher.span
    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        items = self._open(self._complete_request(prompt, formatted, kwargs))

        def gen() -> CompletionResponseGen:
            respond = self._responses(kwargs).completion
            for item in items():
                yield respond(item)

        return gen()

    @dispatcher.span
    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        items = self._aopen(self._complete_request(prompt, formatted, kwargs))

        async def gen() -> CompletionResponseAsyncGen:
            respond = self._responses(kwargs).completion
            async for item in items():
                yield respond(item)

        return gen()


precompute_signatures(LLMShell, METHODS)  # see _compat
