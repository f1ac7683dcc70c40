"""``DashScopeLLM``: DashScope models as LangChain completion-style LLMs (text in, text out)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models.llms import BaseLLM
from langchain_core.outputs import Generation, GenerationChunk, LLMResult

from dashscope_models import (
    Chunk,
    GenerationRequest,
    GenerationResult,
    Message,
    get_spec,
)
from langchain_dashscope_models._convert import token_usage, usage_metadata
from langchain_dashscope_models._exceptions import translated
from langchain_dashscope_models._fields import DashScopeFields

__all__ = ["DashScopeLLM"]


def _info(result: GenerationResult | Chunk, model: str) -> dict[str, Any]:
    usage = usage_metadata(result.usage)
    return {
        "finish_reason": result.finish_reason,
        "request_id": result.request_id,
        "model_name": model,
        "usage": usage,
        "token_usage": token_usage(usage),  # langchain-community Tongyi's key: flat counts
    }


def _joined(chunks: Iterable[GenerationChunk]) -> Generation:
    """A streamed completion as one generation (``streaming=True``)."""
    total = GenerationChunk(text="")
    for chunk in chunks:
        total += chunk
    return Generation(text=total.text, generation_info=total.generation_info)


async def _ajoined(chunks: AsyncIterator[GenerationChunk]) -> Generation:
    return _joined([chunk async for chunk in chunks])


class DashScopeLLM(DashScopeFields, BaseLLM):
    """Any DashScope model as a LangChain LLM: a prompt string in, the completion out.

    Prompt-only models (MOSS, ChatYuan) take the prompt as it is (write it in the model's
    format); chat models get it as one user message. Sync, async and streaming.

    Example::

        from langchain_dashscope_models import DashScopeLLM

        llm = DashScopeLLM(model="qwen-plus", max_tokens=50)
        print(llm.invoke("The capital of France is"))
    """

    @property
    def _llm_type(self) -> str:
        return "dashscope"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, "temperature": self.temperature, "max_tokens": self.max_tokens}

    def _build(
        self, prompt: str, stop: list[str] | None, kwargs: dict[str, Any]
    ) -> GenerationRequest:
        call = dict(kwargs)
        if stop is not None:
            call["stop"] = stop
        spec = get_spec(call.get("model") or self.model)
        if spec.input == "prompt":
            return self.request(None, call, prompt=prompt)
        return self.request([Message("user", prompt)], call)

    def _result(self, generations: list[Generation], kwargs: dict[str, Any]) -> LLMResult:
        usage = [(g.generation_info or {}).get("usage") or {} for g in generations]
        token_usage = {
            key: sum(u.get(key, 0) for u in usage)
            for key in ("input_tokens", "output_tokens", "total_tokens")
        }
        model = kwargs.get("model") or kwargs.get("model_name") or self.model
        return LLMResult(
            generations=[[g] for g in generations],
            llm_output={"token_usage": token_usage, "model_name": model},
        )

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        if self.streaming:
            gens = [_joined(self._stream(p, stop, run_manager, **kwargs)) for p in prompts]
            return self._result(gens, kwargs)
        results = []
        with translated:
            for prompt in prompts:
                results.append(self.client.generate(self._build(prompt, stop, kwargs)))
        gens = [Generation(text=r.text, generation_info=_info(r, r.model)) for r in results]
        return self._result(gens, kwargs)

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        if self.streaming:
            streams = [self._astream(p, stop, run_manager, **kwargs) for p in prompts]
            gens = list(await asyncio.gather(*(_ajoined(s) for s in streams)))
            return self._result(gens, kwargs)
        requests = [self._build(prompt, stop, kwargs) for prompt in prompts]
        with translated:
            results = await asyncio.gather(*(self.client.agenerate(r) for r in requests))
        gens = [Generation(text=r.text, generation_info=_info(r, r.model)) for r in results]
        return self._result(gens, kwargs)

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        request = self._build(prompt, stop, kwargs)
        with translated:
            for chunk in self.client.stream(request):
                info = _info(chunk, request.model) if chunk.finish_reason is not None else None
                out = GenerationChunk(text=chunk.text, generation_info=info)
                if run_manager is not None:
                    run_manager.on_llm_new_token(chunk.text, chunk=out)
                yield out

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        request = self._build(prompt, stop, kwargs)
        with translated:
            async for chunk in self.client.astream(request):
                info = _info(chunk, request.model) if chunk.finish_reason is not None else None
                out = GenerationChunk(text=chunk.text, generation_info=info)
                if run_manager is not None:
                    await run_manager.on_llm_new_token(chunk.text, chunk=out)
                yield out
