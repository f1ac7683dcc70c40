"""The four call methods of every LangChain chat model here, written once over a few hooks.

``_generate``, ``_agenerate``, ``_stream`` and ``_astream`` build the request, send it (sync,
async, streamed), translate the core's errors to LangChain's (``_exceptions.translated``) and
report each streamed piece to the callbacks (``on_llm_new_token`` with the chunk); a class
supplies only what differs (``ChatDashScope``: a model's generation; ``ChatDashScopeApp``: an
application's answer). ``streaming=True`` makes ``invoke`` stream (callbacks still see every
token), as langchain-openai's ``streaming`` does.

Hooks: ``_build(messages, stop, kwargs)`` the request; ``_send`` / ``_asend`` one answer;
``_open`` / ``_aopen`` the stream of chunks; ``_result(answer, request, kwargs)`` the
``ChatResult``; ``_pieces(request, kwargs)`` a function, made once a stream, from one chunk
to its ``ChatGenerationChunk`` s. ``_token_logprobs``: the callbacks also get
``logprobs=`` (the chunk's log probabilities, ``None`` when it has none).

Example::

    class ChatEcho(ChatShell, BaseChatModel):
        def _build(self, messages, stop, kwargs): return messages[-1].text
        def _send(self, request): return request
        ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, ClassVar

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import agenerate_from_stream, generate_from_stream
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from langchain_dashscope_models._compat import precompute_signatures
from langchain_dashscope_models._exceptions import translated

__all__ = ["ChatShell", "Pieces"]

Pieces = Callable[[Any], Iterable[ChatGenerationChunk]]
"""One streamed chunk of the core → the ``ChatGenerationChunk`` s LangChain gets for it."""


class ChatShell:
    """``_generate``/``_agenerate``/``_stream``/``_astream`` over the hooks (a mixin of the
    chat model classes, before ``BaseChatModel``; see the module docstring)."""

    streaming: bool  # a field of each class
    _token_logprobs: ClassVar[bool] = True

    # -- hooks ----------------------------------------------------------------------------------

    def _build(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> Any:
        raise NotImplementedError

    def _send(self, request: Any) -> Any:
        raise NotImplementedError

    async def _asend(self, request: Any) -> Any:
        raise NotImplementedError

    def _open(self, request: Any) -> Iterator[Any]:
        raise NotImplementedError

    def _aopen(self, request: Any) -> AsyncIterator[Any]:
        raise NotImplementedError

    def _result(self, answer: Any, request: Any, kwargs: dict[str, Any]) -> ChatResult:
        raise NotImplementedError

    def _pieces(self, request: Any, kwargs: dict[str, Any]) -> Pieces:
        raise NotImplementedError

    # -- the four methods -----------------------------------------------------------------------

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
            answer = self._send(request)
        return self._result(answer, request, kwargs)

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
            answer = await self._asend(request)
        return self._result(answer, request, kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request = self._build(messages, stop, kwargs)
        pieces, logprobs = self._pieces(request, kwargs), self._token_logprobs
        with translated:
            for chunk in self._open(request):
                for out in pieces(chunk):
                    if run_manager is not None and logprobs:
                        meta = out.message.response_metadata
                        run_manager.on_llm_new_token(
                            out.text, chunk=out, logprobs=meta.get("logprobs")
                        )
                    elif run_manager is not None:
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
        pieces, logprobs = self._pieces(request, kwargs), self._token_logprobs
        with translated:
            async for chunk in self._aopen(request):
                for out in pieces(chunk):
                    if run_manager is not None and logprobs:
                        meta = out.message.response_metadata
                        await run_manager.on_llm_new_token(
                            out.text, chunk=out, logprobs=meta.get("logprobs")
                        )
                    elif run_manager is not None:
                        await run_manager.on_llm_new_token(out.text, chunk=out)
                    yield out


precompute_signatures(ChatShell._generate, ChatShell._agenerate)  # see _compat
