"""LangChain on DashScope's Batch service: ``submit_batch`` on the chat classes.

``llm.submit_batch(inputs)`` takes what ``llm.batch(inputs)`` takes (strings, message lists,
prompt values), builds each request exactly as ``invoke`` would (the instance's parameters,
plus tools and options bound with ``bind_tools`` / ``bind``), and returns the core
:class:`~dashscope_models.BatchJob` whose ``results()`` are ``AIMessage`` objects (tool calls,
usage, response metadata as from ``invoke``) or, for a failed row, the LangChain-flavoured
error. A binding keeps ``submit_batch``: :class:`BatchBinding` passes its bound arguments on.

Example::

    llm = ChatQwen(model="qwen-plus", temperature=0)
    job = llm.bind_tools([get_weather]).submit_batch(["Weather in Paris?", "In Rome?"])
    job.wait(poll_interval=60)
    for message in job.results():
        print(message.tool_calls if isinstance(message, AIMessage) else message)
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableBinding, RunnableConfig
from langchain_core.runnables.config import merge_configs

from dashscope_models.integration import BatchSubmitter
from langchain_dashscope_models._convert import chat_result, result_message
from langchain_dashscope_models._exceptions import translate, translated

if TYPE_CHECKING:
    from dashscope_models import BatchJob, GenerationRequest, GenerationResult

__all__ = ["BatchBinding", "BatchMixin"]


def _metadata(config: RunnableConfig | None) -> dict[str, str] | None:
    """A run name becomes the batch's ``ds_name`` (its name in the DashScope console)."""
    name = (config or {}).get("run_name")
    return {"ds_name": str(name)} if name else None


class BatchMixin(BatchSubmitter):
    """``submit_batch`` / ``asubmit_batch`` / ``attach_batch`` for :class:`ChatDashScope`.

    Example: ``job = ChatQwen().submit_batch(["Hi", "Bye"]); job.wait(); job.results()``
    """

    def _batch_request(self, value: Any, kwargs: dict[str, Any]) -> GenerationRequest:
        chat: Any = self
        request: GenerationRequest = chat._build(
            chat._convert_input(value).to_messages(), None, dict(kwargs)
        )
        return request

    def _batch_job(self, job: BatchJob[GenerationResult]) -> BatchJob[AIMessage]:
        converted: BatchJob[AIMessage] = job.map(batch_message, translate)
        return converted

    def _batch_errors(self) -> AbstractContextManager[Any]:
        return translated

    def submit_batch(
        self,
        inputs: Sequence[LanguageModelInput],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> BatchJob[AIMessage]:
        """Run ``inputs`` on DashScope's Batch service (every input checked before any
        upload); ``results()`` are ``AIMessage`` objects or exceptions, in input order.
        ``kwargs`` are call options, as for ``invoke`` (``tools=``, ``temperature=`` ...)."""
        return self._submit(inputs, kwargs, _metadata(config))

    async def asubmit_batch(
        self,
        inputs: Sequence[LanguageModelInput],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> BatchJob[AIMessage]:
        """Async :meth:`submit_batch`."""
        return await self._asubmit(inputs, kwargs, _metadata(config))

    def bind(self, **kwargs: Any) -> BatchBinding:
        """As ``Runnable.bind`` (a :class:`BatchBinding`); the binding keeps
        :meth:`submit_batch`, with these arguments."""
        return BatchBinding(bound=self, kwargs=kwargs, config={})


def batch_message(result: GenerationResult) -> AIMessage:
    """A row's answer as the ``AIMessage`` that ``invoke`` returns: its response metadata
    merged from ``llm_output`` and ``generation_info`` the way langchain-core merges them."""
    message = result_message(result)
    chat = chat_result(message)
    info = chat.generations[0].generation_info or {}
    message.response_metadata = {**(chat.llm_output or {}), **info, **message.response_metadata}
    return message


class BatchBinding(RunnableBinding[LanguageModelInput, AIMessage]):  # type: ignore[no-redef]
    """A chat model with bound arguments (``bind_tools``, ``bind``) that can still submit a
    batch: ``submit_batch`` sends the bound arguments with each request, as ``invoke`` does.

    Example: ``ChatQwen().bind_tools([get_weather]).submit_batch(["Weather in Paris?"])``
    """

    def submit_batch(
        self,
        inputs: Sequence[LanguageModelInput],
        config: RunnableConfig | None = None,
        **options: Any,
    ) -> BatchJob[AIMessage]:
        """See :meth:`BatchMixin.submit_batch`."""
        chat: Any = self.bound
        options = {**self.kwargs, **options}
        job: BatchJob[AIMessage] = chat.submit_batch(
            inputs, merge_configs(self.config, config), **options
        )
        return job

    async def asubmit_batch(
        self,
        inputs: Sequence[LanguageModelInput],
        config: RunnableConfig | None = None,
        **options: Any,
    ) -> BatchJob[AIMessage]:
        """See :meth:`BatchMixin.asubmit_batch`."""
        chat: Any = self.bound
        options = {**self.kwargs, **options}
        job: BatchJob[AIMessage] = await chat.asubmit_batch(
            inputs, merge_configs(self.config, config), **options
        )
        return job
