"""LlamaIndex on DashScope's Batch service: ``submit_batch`` on the LLM classes.

``llm.submit_batch(list_of_message_lists)`` builds each request exactly as ``chat`` would (the
instance's fields and ``additional_kwargs``, then the call's ``kwargs``) and returns the core
:class:`~dashscope_models.BatchJob`, whose ``results()`` are ``ChatResponse`` objects (as from
``chat``) or, for a failed row, the typed error — in input order.

Example::

    llm = Qwen(model="qwen-plus")
    job = llm.submit_batch([[ChatMessage(role="user", content=q)] for q in questions])
    job.wait(poll_interval=60)
    answers = [r.message.content for r in job.results() if isinstance(r, ChatResponse)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse

from dashscope_models.integration import BatchSubmitter
from llamaindex_dashscope_models._convert import response_from_result

if TYPE_CHECKING:
    from dashscope_models import BatchJob, GenerationRequest, GenerationResult

__all__ = ["BatchMixin"]


class BatchMixin(BatchSubmitter):
    """``submit_batch`` / ``asubmit_batch`` / ``attach_batch`` for :class:`DashScope`.

    Example: ``job = Qwen().submit_batch([[ChatMessage(role="user", content="Hi")]])``
    """

    def _batch_request(self, value: Any, kwargs: dict[str, Any]) -> GenerationRequest:
        llm: Any = self
        request: GenerationRequest = llm._chat_request(value, kwargs)
        return request

    def _batch_job(self, job: BatchJob[GenerationResult]) -> BatchJob[ChatResponse]:
        converted: BatchJob[ChatResponse] = job.map(response_from_result)
        return converted

    def submit_batch(
        self, conversations: Sequence[Sequence[ChatMessage]], **kwargs: Any
    ) -> BatchJob[ChatResponse]:
        """Run one chat per message list on DashScope's Batch service (every one checked
        before any upload); ``kwargs`` are call options, as for ``chat``."""
        return self._submit(conversations, kwargs, None)

    async def asubmit_batch(
        self, conversations: Sequence[Sequence[ChatMessage]], **kwargs: Any
    ) -> BatchJob[ChatResponse]:
        """Async :meth:`submit_batch`."""
        return await self._asubmit(conversations, kwargs, None)
