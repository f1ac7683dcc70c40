"""The Batch service on a framework class: the one base of both adapters' ``BatchMixin``
(re-exported by ``integration``).

A framework class says how one of its inputs becomes a core request (``_batch_request``), how
a job's results become its answers (``_batch_job``: ``BatchJob.map``) and, if it has its own
errors, how ours become them (``_batch_errors``); submitting, its async twin and attaching to a
job are written here once.

Example::

    class BatchMixin(BatchSubmitter):
        def _batch_request(self, value, kwargs): return self._chat_request(value, kwargs)
        def _batch_job(self, job): return job.map(response_from_result)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dashscope_models._batch import BatchJob
    from dashscope_models._types import GenerationRequest, GenerationResult

__all__ = ["BatchSubmitter"]


class BatchSubmitter:
    """``_submit`` / ``_asubmit`` and ``attach_batch`` for a class with a core ``client``.

    Example: ``job = Qwen().submit_batch([[ChatMessage(role="user", content="Hi")]])``
    """

    def _batch_request(self, value: Any, kwargs: dict[str, Any]) -> GenerationRequest:
        """The core request of one input, with the call's options ``kwargs``."""
        raise NotImplementedError

    def _batch_job(self, job: BatchJob[GenerationResult]) -> BatchJob[Any]:
        """The job, its results converted to the framework's answers."""
        raise NotImplementedError

    def _batch_errors(self) -> AbstractContextManager[Any]:
        """Around each call of the service: our errors as the framework's (default: as they
        are)."""
        return contextlib.nullcontext()

    def _batch_requests(self, inputs: Iterable[Any], kwargs: dict[str, Any]) -> Iterator[Any]:
        for value in inputs:
            yield self._batch_request(value, kwargs)

    def _submit(
        self, inputs: Iterable[Any], kwargs: dict[str, Any], metadata: dict[str, str] | None
    ) -> BatchJob[Any]:
        client: Any = getattr(self, "client")  # noqa: B009 - the host class's field
        with self._batch_errors():
            job = client.submit_batch(self._batch_requests(inputs, kwargs), metadata=metadata)
        return self._batch_job(job)

    async def _asubmit(
        self, inputs: Iterable[Any], kwargs: dict[str, Any], metadata: dict[str, str] | None
    ) -> BatchJob[Any]:
        client: Any = getattr(self, "client")  # noqa: B009
        with self._batch_errors():
            requests = self._batch_requests(inputs, kwargs)
            job = await client.asubmit_batch(requests, metadata=metadata)
        return self._batch_job(job)

    def attach_batch(self, job_id: str) -> BatchJob[Any]:
        """A job submitted earlier (``job.id``), its results as the framework's answers."""
        client: Any = getattr(self, "client")  # noqa: B009
        with self._batch_errors():
            return self._batch_job(client.batch(job_id))
