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

from dashscope_models import GenerationRequest, Message
from dashscope_models._settings import (
    REQUEST_PARAMETERS,
    ConnectionSettings,
    GenerationSettings,
)

__all__ = ["DashScopeFields"]


class DashScopeFields(GenerationSettings, ConnectionSettings):
    """Shared fields of the DashScope LangChain classes (see the module docstring)."""

    # defer_build: the family classes build their validators on first use, not at import.
    model_config = ConfigDict(populate_by_name=True, protected_namespaces=(), defer_build=True)

    model: str = Field(default="qwen-plus", alias="model_name")
    """Any DashScope model id; the catalog supplies what it can do."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra request parameters, sent verbatim (new service options)."""
    streaming: bool = False
    """Stream inside ``invoke`` (callbacks still see every token)."""

    # LangChain serialization: constructor kwargs, the key by its environment variable name.
    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["langchain_dashscope_models"]

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": "DASHSCOPE_API_KEY"}

    def _dict_for_compat(self) -> dict[str, Any]:
        """What langchain-core's ``asdict()`` gives (identifying params and ``_type``).

        langchain-core reads this on every call, through the deprecated ``dict()`` inside
        ``warnings.catch_warnings`` (which also resets the process's warning-filter caches);
        ``asdict()`` is the same dictionary without that (a test checks they agree).
        """
        asdict: dict[str, Any] = self.asdict()  # type: ignore[attr-defined]  # the model base's
        return asdict

    def request(
        self,
        messages: Sequence[Message] | None,
        call: dict[str, Any],
        *,
        prompt: str | None = None,
        result_format: str | None = None,
    ) -> GenerationRequest:
        """The core request: fields that are set, then ``call`` (per-call kwargs) over them."""
        params = self.generation_parameters()
        if result_format is not None:
            params["result_format"] = result_format
        extra = dict(self.model_kwargs)
        for key in [k for k in extra if k in REQUEST_PARAMETERS]:
            params[key] = extra.pop(key)
        call = dict(call)
        model = call.pop("model", None) or call.pop("model_name", None) or self.model
        call.pop("ls_structured_output_format", None)
        if "max_completion_tokens" in call:
            call["max_tokens"] = call.pop("max_completion_tokens")
        for key, value in call.items():
            if value is None or (key == "stop" and not value):
                continue
            if key in REQUEST_PARAMETERS:
                params[key] = value
            else:
                extra[key] = value
        return GenerationRequest(
            model=model, messages=messages, prompt=prompt, extra_parameters=extra, **params
        )
