"""The native client: :class:`DashScopeClient`, sync and async in one object.

A thin face: each method hands its request to the module of its endpoint (``_generation``,
``_embedding``, ``_rerank``, ``_app_client``, ``_batch``), and every call goes out through the
client's one call loop (``_loop.Calls``: retries, sync, async, streams) and sender
(``_sender.Sender``: the shared pools, or a private transport).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator

from pydantic import SecretStr

from dashscope_models import _app_client, _generation
from dashscope_models._app import AppRequest
from dashscope_models._app_result import AppChunk, AppResult
from dashscope_models._batch import BatchJob, aattach, asubmit, attach, submit
from dashscope_models._batch_rows import BatchLimits
from dashscope_models._call import StreamReader
from dashscope_models._config import SETTINGS, ClientConfig
from dashscope_models._embedding import EmbeddingRequest, EmbeddingResult, embedding_plan
from dashscope_models._files_api import Files
from dashscope_models._lifetime import ClosingContext
from dashscope_models._loop import Calls
from dashscope_models._rerank import RerankRequest, RerankResult, rerank_plan
from dashscope_models._sender import Sender, Transport
from dashscope_models._types import Chunk, GenerationRequest, GenerationResult

__all__ = ["DashScopeClient"]


class DashScopeClient(ClosingContext):
    """The native DashScope client: generate and stream, sync and async, with retries.

    Configuration comes from the arguments or the environment (``DASHSCOPE_API_KEY``,
    ``DASHSCOPE_BASE_URL``); a missing key is reported at the first request. Clients with the
    same endpoint settings share one connection pool; ``transport`` gives this client a
    private one (e.g. the in-process emulator transport). ``proxy`` overrides the proxy that
    ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY``/``NO_PROXY`` give (see ``_connection``).

    Example::

        from dashscope_models import DashScopeClient, GenerationRequest, Message

        with DashScopeClient(region="singapore") as client:
            result = client.generate(
                GenerationRequest(model="qwen-plus", messages=[Message("user", "Hi")])
            )
            print(result.text, result.usage)
            for chunk in client.stream(GenerationRequest(model="qwen-plus", prompt="Count")):
                print(chunk.text, end="")
    """

    __slots__ = ("_calls", "config")

    def __init__(
        self,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        region: str | None = None,
        workspace: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        proxy: str | None = None,
        transport: Transport | None = None,
        config: ClientConfig | None = None,
    ) -> None:
        self.config = config or ClientConfig.resolve(
            api_key=api_key,
            base_url=base_url,
            region=region,
            workspace=workspace,
            timeout=timeout,
            max_retries=max_retries,
            proxy=proxy,
        )
        self._calls = Calls(Sender(self.config, transport), self.config.max_retries)

    @classmethod
    def from_settings(cls, settings: object) -> DashScopeClient:
        """A client configured from an object's ``api_key``, ``base_url``, ``region``,
        ``workspace``, ``timeout``, ``max_retries`` and ``proxy`` attributes (the adapters'
        fields)."""
        return cls(**{name: getattr(settings, name, None) for name in SETTINGS})

    def __repr__(self) -> str:
        return f"DashScopeClient(base_url={self.config.base_url!r})"

    # -- generation (``_generation``) ----------------------------------------------------------

    def generate(self, request: GenerationRequest) -> GenerationResult:
        """One complete answer. Stream-only thinking requests are streamed and merged; a
        refused guess for an uncatalogued id is corrected once (see ``_routing``). Documents
        and local files are uploaded first (``_uploads``)."""
        return _generation.generate(self._calls, request)

    async def agenerate(self, request: GenerationRequest) -> GenerationResult:
        """Async :meth:`generate`."""
        return await _generation.agenerate(self._calls, request)

    def stream(self, request: GenerationRequest) -> Iterator[Chunk]:
        """Stream the answer as deltas; validation errors are raised here, before any I/O."""
        return _generation.stream(self._calls, request)

    def astream(self, request: GenerationRequest) -> AsyncIterator[Chunk]:
        """Async :meth:`stream`."""
        return _generation.astream(self._calls, request)

    def stream_accumulated(
        self, request: GenerationRequest
    ) -> Iterator[tuple[Chunk, StreamReader]]:
        """:meth:`stream`, each chunk with the answer accumulated up to it (its ``text``,
        ``reasoning_content``, ``tool_calls``, ``logprobs`` so far): for frameworks whose
        streamed responses carry the whole message, so that they need not add chunks up again.
        The second item is live: read it before taking the next chunk."""
        return _generation.stream_accumulated(self._calls, request)

    def astream_accumulated(
        self, request: GenerationRequest
    ) -> AsyncIterator[tuple[Chunk, StreamReader]]:
        """Async :meth:`stream_accumulated`."""
        return _generation.astream_accumulated(self._calls, request)

    # -- embeddings and rerank: a plan of calls each -------------------------------------------

    def embed(self, request: EmbeddingRequest) -> EmbeddingResult:
        """Embed texts, one request per batch of the model's maximum size, in input order."""
        return self._calls.run(embedding_plan(request))

    async def aembed(
        self, request: EmbeddingRequest, *, max_concurrency: int = 16
    ) -> EmbeddingResult:
        """Async :meth:`embed`: batches are sent concurrently (at most ``max_concurrency``)."""
        return await self._calls.arun(embedding_plan(request), max_concurrency)

    def rerank(self, request: RerankRequest) -> RerankResult:
        """Rank documents against a query, best first; over the model's document limit the
        call is split into several requests and their answers merged by score."""
        return self._calls.run(rerank_plan(request))

    async def arerank(self, request: RerankRequest, *, max_concurrency: int = 16) -> RerankResult:
        """Async :meth:`rerank`: split requests are sent concurrently (at most
        ``max_concurrency``)."""
        return await self._calls.arun(rerank_plan(request), max_concurrency)

    # -- Model Studio applications (``_app_client``) ------------------------------------------

    def call_app(self, request: AppRequest) -> AppResult:
        """Call a Model Studio application (``/apps/{app_id}/completion``); see ``AppRequest``."""
        return _app_client.call_app(self._calls, request)

    async def acall_app(self, request: AppRequest) -> AppResult:
        """Async :meth:`call_app`."""
        return await _app_client.acall_app(self._calls, request)

    def stream_app(self, request: AppRequest) -> Iterator[AppChunk]:
        """Stream an application's answer as deltas (bad input raised here, before any I/O)."""
        return _app_client.stream_app(self._calls, request)

    def astream_app(self, request: AppRequest) -> AsyncIterator[AppChunk]:
        """Async :meth:`stream_app`."""
        return _app_client.astream_app(self._calls, request)

    # -- the account's files (``_files_api``) ---------------------------------------------------

    @property
    def files(self) -> Files:
        """The account's uploaded files: ``upload``, ``list``, ``get``, ``delete`` (and async
        ``a…`` forms); see ``dashscope_models._files_api``."""
        return Files(self._calls)

    # -- the Batch service (``_batch``) --------------------------------------------------------

    def submit_batch(
        self,
        requests: Iterable[GenerationRequest],
        *,
        completion_window: str = "24h",
        metadata: dict[str, str] | None = None,
        limits: BatchLimits | None = None,
    ) -> BatchJob[GenerationResult]:
        """Run ``requests`` on the Batch service (every one checked before any upload; split
        into several batches above the service's limits). See :class:`BatchJob`."""
        return submit(self._calls, requests, completion_window, metadata, limits)

    async def asubmit_batch(
        self,
        requests: Iterable[GenerationRequest],
        *,
        completion_window: str = "24h",
        metadata: dict[str, str] | None = None,
        limits: BatchLimits | None = None,
    ) -> BatchJob[GenerationResult]:
        """Async :meth:`submit_batch`."""
        return await asubmit(self._calls, requests, completion_window, metadata, limits)

    def batch(self, id: str) -> BatchJob[GenerationResult]:
        """Attach to a submitted job by its ``id`` (an unknown id raises ``NotFoundError``)."""
        return attach(self._calls, id)

    async def abatch(self, id: str) -> BatchJob[GenerationResult]:
        """Async :meth:`batch`."""
        return await aattach(self._calls, id)

    # -- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the sync pool this client uses (a shared pool reopens on its next use)."""
        self._calls.sender.close()

    async def aclose(self) -> None:
        """Close the async pool this client uses on the running loop, and the sync one."""
        await self._calls.sender.aclose()
