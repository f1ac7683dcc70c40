"""The constructor fields every LangChain class here shares, and the request they build.

Connection settings and the lazily made core client come from the core's
``ConnectionSettings`` (shared with the embeddings and the LlamaIndex classes); generation
parameters reach the request only when set (``None`` means "the service default").

Example::

    class ChatDashScope(DashScopeFields, BaseChatModel): ...
    ChatDashScope(model="qwen-plus", temperature=0.2).request([Message("user", "hi")], {})
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ConfigDict, Field

from dashscope_models import GenerationRequest, Message, estimate_tokens
from dashscope_models.integration import (
    ConnectionSettings,
    GenerationSettings,
    UnknownArguments,
    merge_request,
)
from langchain_dashscope_models._compat import Patches

__all__ = ["DashScopeFields"]


def _stop_as_list(values: dict[str, Any]) -> dict[str, Any]:
    """``stop`` as langchain-openai takes it: one string is a list of one."""
    stop_key = next((k for k in ("stop", "stop_sequences") if k in values), None)
    if stop_key and isinstance(values[stop_key], str):
        values = {**values, stop_key: [values[stop_key]]}
    return values


# Per-call names that are no request parameter: LangChain's tracing hint, and whether to
# stream, which the method called decides (LangChain passes ``stream=True`` on to ``_stream``;
# langchain-community's ChatTongyi examples pass ``streaming=True`` per call).
_NOT_SENT = frozenset({"ls_structured_output_format", "stream", "streaming"})


class DashScopeFields(UnknownArguments, Patches, GenerationSettings, ConnectionSettings):
    """Shared fields of the DashScope LangChain classes (see the module docstring)."""

    # defer_build: the family classes build their validators on first use, not at import.
    model_config = ConfigDict(populate_by_name=True, protected_namespaces=(), defer_build=True)

    model: str = Field(default="qwen-plus", alias="model_name")
    """Any DashScope model id; the catalog supplies what it can do."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra request parameters, sent verbatim (new service options)."""
    streaming: bool = False
    """Stream inside ``invoke`` (callbacks still see every token)."""

    @classmethod
    def _arguments(cls, values: dict[str, Any]) -> dict[str, Any]:
        """As in langchain-openai: unknown arguments go into ``model_kwargs`` (see
        ``UnknownArguments``), and one ``stop`` string is a list of one."""
        return _stop_as_list(values)

    @property
    def model_name(self) -> str:
        """The model id (``model``), under langchain-openai's attribute name."""
        return self.model

    def get_num_tokens(self, text: str) -> int:
        """Tokens in ``text``, estimated offline (one per CJK character, one per four other
        characters: the core's ``estimate_tokens``); the exact count needs DashScope's
        tokenizer. A ``custom_get_token_ids`` given to the model wins. Also what
        ``get_num_tokens_from_messages`` and ``trim_messages(token_counter=model)`` use."""
        custom = getattr(self, "custom_get_token_ids", None)
        if custom is not None:
            return len(custom(text))
        return estimate_tokens(text)

    def request(
        self,
        messages: Sequence[Message] | None,
        call: dict[str, Any],
        *,
        prompt: str | None = None,
        chat: bool = False,
    ) -> GenerationRequest:
        """The core request: fields that are set, then ``model_kwargs``, then ``call``
        (per-call kwargs, less ``stream``/``streaming``) over them (the core's
        ``merge_request``; ``chat``: a chat request)."""
        params = self.generation_parameters()
        if not _NOT_SENT.isdisjoint(call):
            call = {k: v for k, v in call.items() if k not in _NOT_SENT}
        return merge_request(
            self.model, params, self.model_kwargs, call, messages=messages, prompt=prompt, chat=chat
        )
