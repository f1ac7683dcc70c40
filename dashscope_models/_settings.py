"""The settings every framework class shares: connection (and the core client made from it)
and generation parameters.

LangChain's and LlamaIndex's classes are pydantic models; each mixes these in, so the settings
have one definition (names, aliases, the key read from ``DASHSCOPE_API_KEY``, never dumped or
shown). :class:`ConnectionSettings` gives one way to reach the core client: made on first use,
on the process-wide connection pool, and made again when a setting changed since (by assignment
or ``model_copy``). :class:`GenerationSettings` gives the generation parameters that are set.

Example::

    class DashScopeEmbeddings(ConnectionSettings, Embeddings): ...

    DashScopeEmbeddings(region="singapore").client  # a DashScopeClient for that region
"""

from __future__ import annotations

import os
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr

from dashscope_models._errors import RequestValidationError
from dashscope_models._types import GenerationRequest

if TYPE_CHECKING:  # imported on first use: the client module brings httpx (~25 ms of import)
    from dashscope_models._client import DashScopeClient

__all__ = ["REQUEST_PARAMETERS", "ConnectionSettings", "GenerationSettings", "pop_extra_body"]

# The request's parameters a caller may pass by name (per call, or in model_kwargs).
REQUEST_PARAMETERS = frozenset(GenerationRequest.__dataclass_fields__) - {
    "model",
    "messages",
    "prompt",
    "extra_parameters",
}
_GENERATION = ("temperature", "top_p", "top_k", "max_tokens", "stop", "seed",
               "repetition_penalty", "presence_penalty", "frequency_penalty", "enable_thinking",
               "thinking_budget", "enable_search", "logprobs", "top_logprobs")  # fmt: skip


def pop_extra_body(values: dict[str, Any]) -> dict[str, Any]:
    """Remove ``values["extra_body"]`` and return its entries (``{}`` when there is none).

    ``extra_body`` is the OpenAI SDK's way to send parameters it does not know (code written
    for DashScope's OpenAI-compatible mode passes ``enable_thinking`` so); that SDK merges it
    into the top level of the body, so the adapters send its entries as parameters themselves.
    """
    body = values.pop("extra_body", None)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise RequestValidationError(
            f"extra_body must be a dict of request parameters, got {type(body).__name__}",
            code="InvalidParameter",
        )
    return body


_NAMES = ("api_key", "region", "base_url", "workspace", "timeout", "max_retries")
_read_settings = attrgetter(*_NAMES)


def _key_from_environment() -> SecretStr | None:
    key = os.environ.get("DASHSCOPE_API_KEY")
    return SecretStr(key) if key else None


class ConnectionSettings(BaseModel):
    """Connection settings and the lazily made core client (see the module docstring)."""

    model_config = ConfigDict(populate_by_name=True)

    api_key: SecretStr | None = Field(
        default_factory=_key_from_environment,
        alias="dashscope_api_key",
        exclude=True,
        repr=False,
    )
    """The API key; read from ``DASHSCOPE_API_KEY`` when not given. Never dumped or shown."""
    region: str | None = None
    """``"beijing"`` (default), ``"singapore"`` ... (see ``dashscope_models.REGIONS``)."""
    base_url: str | None = None
    """API root including ``/api/v1``; wins over ``region``; also ``DASHSCOPE_BASE_URL``."""
    workspace: str | None = None
    """Sent as ``X-DashScope-WorkSpace``."""
    timeout: float | None = Field(default=None, alias="request_timeout")
    """Seconds per request (connect: at most 10)."""
    max_retries: int | None = None
    """Retries of 429s, 5xx and dropped connections (default 2)."""

    # (the settings the client was made from, the client)
    _client: tuple[tuple[Any, ...], DashScopeClient] | None = PrivateAttr(default=None)

    @property
    def client(self) -> DashScopeClient:
        """The core client (made on first use; shares the process-wide connection pool)."""
        settings = _read_settings(self)
        # Read the private attribute from its dict: every call comes here, and pydantic's
        # attribute lookup for private names costs a raised AttributeError each time.
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]
        cached = private["_client"]
        if cached is None or cached[0] != settings:
            from dashscope_models._client import DashScopeClient

            cached = private["_client"] = (settings, DashScopeClient.from_settings(self))
        client: DashScopeClient = cached[1]
        return client


class GenerationSettings(BaseModel):
    """Generation parameters as constructor fields; ``None`` means the service's default."""

    model_config = ConfigDict(populate_by_name=True)

    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    max_tokens: int | None = Field(default=None, alias="max_completion_tokens")
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    seed: int | None = None
    repetition_penalty: float | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    enable_thinking: bool | None = None
    """Thinking on/off for hybrid models (Qwen3, DeepSeek v3.1+ ...)."""
    thinking_budget: int | None = None
    enable_search: bool | None = None
    logprobs: bool | None = None
    """Log probabilities of the output tokens (``choices[0].logprobs.content``)."""
    top_logprobs: int | None = None
    """Alternatives listed per output token (≥ 0); needs ``logprobs=True``."""

    def generation_parameters(self) -> dict[str, Any]:
        """The parameters that are set (an empty ``stop`` list means none: nothing is sent)."""
        fields = self.__dict__  # pydantic keeps field values here: one lookup per name
        params = {k: fields[k] for k in _GENERATION if fields[k] is not None}
        if params.get("stop") == []:
            del params["stop"]
        return params
