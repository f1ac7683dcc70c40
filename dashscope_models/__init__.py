"""dashscope_models: the native DashScope client, the model catalog and the local emulator.

Example::

    from dashscope_models import DashScopeClient, GenerationRequest, Message

    client = DashScopeClient()  # DASHSCOPE_API_KEY from the environment
    result = client.generate(
        GenerationRequest(model="qwen-plus", messages=[Message("user", "Hello!")])
    )

This package imports neither LangChain nor LlamaIndex; the adapters live in
``langchain_dashscope_models`` and ``llamaindex_dashscope_models``.
"""

from typing import TYPE_CHECKING

from dashscope_models._app import AppRequest
from dashscope_models._app_result import (
    AppChunk,
    AppResult,
    AppSource,
    AppThought,
    AppUsage,
    DocReference,
    ModelUsage,
)
from dashscope_models._cache import CacheNotSupportedWarning, cache_form
from dashscope_models._catalog import (
    Interval,
    ModelSpec,
    all_specs,
    family_labels,
    generic_spec,
    get_spec,
)
from dashscope_models._config import REGIONS, ClientConfig
from dashscope_models._embedding import EmbeddingRequest, EmbeddingResult, estimate_tokens
from dashscope_models._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ContentInspectionError,
    ContextLengthError,
    DashScopeError,
    InternalServerError,
    MaxTokensError,
    ModelNotFoundError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    StreamError,
)
from dashscope_models._lazy import lazy_attributes, public_dir
from dashscope_models._prompt import render_prompt
from dashscope_models._rerank import RerankDocument, RerankHit, RerankRequest, RerankResult
from dashscope_models._types import (
    Chunk,
    ContentPart,
    GenerationRequest,
    GenerationResult,
    Message,
    ToolCall,
    ToolCallDelta,
    Usage,
)
from dashscope_models._version import __version__

if TYPE_CHECKING:
    from dashscope_models._batch import BatchJob, BatchStatus
    from dashscope_models._batch_rows import BatchError, BatchLimits
    from dashscope_models._client import DashScopeClient
    from dashscope_models._pool import aclose_pools, close_pools

__all__ = [
    "REGIONS",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AppChunk",
    "AppRequest",
    "AppResult",
    "AppSource",
    "AppThought",
    "AppUsage",
    "AuthenticationError",
    "BadRequestError",
    "BatchError",
    "BatchJob",
    "BatchLimits",
    "BatchStatus",
    "CacheNotSupportedWarning",
    "Chunk",
    "ClientConfig",
    "ConfigurationError",
    "ContentInspectionError",
    "ContentPart",
    "ContextLengthError",
    "DashScopeClient",
    "DashScopeError",
    "DocReference",
    "EmbeddingRequest",
    "EmbeddingResult",
    "GenerationRequest",
    "GenerationResult",
    "InternalServerError",
    "Interval",
    "MaxTokensError",
    "Message",
    "ModelNotFoundError",
    "ModelSpec",
    "ModelUsage",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestValidationError",
    "RerankDocument",
    "RerankHit",
    "RerankRequest",
    "RerankResult",
    "StreamError",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
    "__version__",
    "aclose_pools",
    "all_specs",
    "cache_form",
    "close_pools",
    "estimate_tokens",
    "family_labels",
    "generic_spec",
    "get_spec",
    "render_prompt",
]

# The client and its pools are imported on first use: they bring httpx, ~25 ms of import that
# `from langchain_dashscope_models import ChatQwen` need not pay before the first call.
__getattr__ = lazy_attributes(
    __name__,
    {
        "DashScopeClient": "dashscope_models._client",
        "BatchJob": "dashscope_models._batch",
        "BatchStatus": "dashscope_models._batch",
        "BatchError": "dashscope_models._batch_rows",
        "BatchLimits": "dashscope_models._batch_rows",
        "aclose_pools": "dashscope_models._pool",
        "close_pools": "dashscope_models._pool",
    },
)

__dir__ = public_dir(__all__)
