"""LangChain v1 agent middleware for DashScope's explicit context cache.

Requires ``langchain`` (``pip install langchain``): its ``create_agent`` runs the middleware.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal
from warnings import warn

from langchain_core.messages import BaseMessage, SystemMessage

from dashscope_models import estimate_tokens
from dashscope_models.integration import MARKER_KEYS, cache_form, ephemeral
from langchain_dashscope_models._chat_model import ChatDashScope

try:
    from langchain.agents.middleware.types import (
        AgentMiddleware,
        ModelCallResult,
        ModelRequest,
        ModelResponse,
    )
except ImportError as e:  # pragma: no cover - langchain is an optional dependency
    raise ImportError(
        "DashScopePromptCachingMiddleware runs in LangChain agents: pip install langchain"
    ) from e

__all__ = ["DashScopePromptCachingMiddleware"]

_MAX_MARKERS = 4


def _markers(message: BaseMessage) -> int:
    content = message.content
    if isinstance(content, str):
        return 0
    return sum(1 for b in content if isinstance(b, dict) and any(k in b for k in MARKER_KEYS))


def _marked_system(message: SystemMessage, marker: dict[str, Any]) -> SystemMessage:
    """The system message with ``marker`` on its last text block (a string becomes one)."""
    content = message.content
    if isinstance(content, str):
        blocks: list[Any] = [{"type": "text", "text": content, "cache_control": marker}]
    else:
        blocks = list(content)
        for i in range(len(blocks) - 1, -1, -1):
            block = blocks[i]
            if isinstance(block, str):
                blocks[i] = {"type": "text", "text": block, "cache_control": marker}
                break
            if isinstance(block, dict) and block.get("type") == "text":
                blocks[i] = {**block, "cache_control": marker}
                break
    return message.model_copy(update={"content": blocks})


class DashScopePromptCachingMiddleware(AgentMiddleware):
    """Marks the system prompt and the conversation tail for DashScope's explicit context cache
    on every model call of an agent, so that each turn reads the prefix the turn before wrote
    (a cache hit is billed at 10% of the input price, the tokens written at 125%).

    Settings: ``ttl`` (``"5m"``; ``"1h"`` on models of the Qwen4 form), ``min_tokens_to_cache``
    (a prefix shorter than this is not marked: the service caches 1,024 tokens or more),
    ``min_messages_to_cache`` (as langchain-anthropic's middleware) and
    ``unsupported_model_behavior``: on a model without explicit cache (not a DashScope chat
    model, or one the catalog lists without it) ``"ignore"`` calls it unmarked, ``"warn"``
    warns and calls it unmarked, ``"raise"`` raises ``ValueError``.

    Example::

        from langchain.agents import create_agent
        from langchain_dashscope_models import ChatQwen
        from langchain_dashscope_models.middleware import DashScopePromptCachingMiddleware

        agent = create_agent(ChatQwen(model="qwen-plus"), tools=[...],
                             system_prompt=long_instructions,
                             middleware=[DashScopePromptCachingMiddleware()])
    """

    def __init__(
        self,
        ttl: Literal["5m", "1h"] = "5m",
        min_tokens_to_cache: int = 1024,
        min_messages_to_cache: int = 0,
        unsupported_model_behavior: Literal["ignore", "warn", "raise"] = "warn",
    ) -> None:
        super().__init__()
        if ttl not in ("5m", "1h"):
            raise ValueError(f"ttl must be '5m' or '1h', not {ttl!r}")
        self.ttl = ttl
        self.min_tokens_to_cache = min_tokens_to_cache
        self.min_messages_to_cache = min_messages_to_cache
        self.unsupported_model_behavior = unsupported_model_behavior

    def _supported(self, request: ModelRequest) -> bool:
        model = request.model
        name = model.model if isinstance(model, ChatDashScope) else None
        if name is not None and cache_form(name) is not None:
            return True
        what = f"model {name!r}" if name else f"{type(model).__name__} (not a DashScope model)"
        message = (
            f"DashScopePromptCachingMiddleware: {what} has no explicit context cache; "
            "called without cache markers"
        )
        if self.unsupported_model_behavior == "raise":
            raise ValueError(message)
        if self.unsupported_model_behavior == "warn":
            warn(message, stacklevel=3)
        return False

    def _marked(self, request: ModelRequest) -> ModelRequest:
        """The request with its markers (unchanged when caching does not apply)."""
        system = request.system_message
        count = len(request.messages) + (1 if system is not None else 0)
        if count < self.min_messages_to_cache or not self._supported(request):
            return request
        marker = ephemeral(self.ttl if self.ttl == "1h" else None)
        room = _MAX_MARKERS - sum(_markers(m) for m in request.messages)
        overrides: dict[str, Any] = {}
        size = 0
        if system is not None:
            size = estimate_tokens(system.text)
            room -= _markers(system)
            if size >= self.min_tokens_to_cache and room > 0:
                overrides["system_message"] = _marked_system(system, marker)
                room -= 1
        size += sum(estimate_tokens(m.text) for m in request.messages)
        if request.messages and size >= self.min_tokens_to_cache and room > 0:
            overrides["model_settings"] = {**request.model_settings, "cache_control": marker}
        return request.override(**overrides) if overrides else request

    def wrap_model_call(
        self,
        request: ModelRequest,
        handler: Callable[[ModelRequest], ModelResponse],
    ) -> ModelCallResult:
        """Call the model with the system prompt and the conversation tail marked."""
        return handler(self._marked(request))

    async def awrap_model_call(
        self,
        request: ModelRequest,
        handler: Callable[[ModelRequest], Awaitable[ModelResponse]],
    ) -> ModelCallResult:
        """Call the model with the system prompt and the conversation tail marked (async)."""
        return await handler(self._marked(request))
