"""What both frameworks' application classes share: their fields and the request they build.

:class:`AppSettings` holds an application's id, the connection settings, how the conversation
is carried (``conversation``), and the app parameters as fields; :meth:`AppSettings.app_request`
turns a framework call (its messages or prompt, its keyword arguments) into one
:class:`AppRequest`, per-call arguments over the fields.

* ``conversation="messages"`` (default): the history is sent as ``input.messages`` on every
  call (stateless, as with any chat model); a ``session_id`` is sent only when one is given.
* ``conversation="session"``: only the last user message is sent, as ``input.prompt``, with a
  ``session_id`` (the call's, else the field's); the service keeps the history. The id the
  service answers with is kept in the ``session_id`` field when the call gave none, so the next
  call continues the conversation (one object per conversation; or pass ``session_id`` per call).

Example::

    settings = AppSettings(app_id="5ccc1401...", conversation="session")
    settings.app_request([Message("user", "Hi")], {"has_thoughts": True})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import Field

from dashscope_models._app import AppRequest
from dashscope_models._arguments import pop_extra_body
from dashscope_models._errors import RequestValidationError
from dashscope_models._settings import ConnectionSettings
from dashscope_models._types import Message, flat_content

__all__ = ["APP_PARAMETERS", "AppSettings"]

APP_PARAMETERS = frozenset(
    {"session_id", "memory_id", "biz_params", "rag_options", "has_thoughts", "temperature",
     "top_p", "top_k", "seed", "incremental_output"}
)  # fmt: skip
"""The :class:`AppRequest` fields a call may set by name; other keyword arguments are sent
as parameters as they are."""


class AppSettings(ConnectionSettings):
    """An application's fields (see the module docstring); a base of the framework classes."""

    app_id: str
    """The application's id (Model Studio console: the app's card, or its API page)."""
    conversation: Literal["messages", "session"] = "messages"
    """How the conversation is carried: the history as ``messages`` on every call, or the
    service's ``session`` (only the last user message sent, with ``session_id``)."""
    session_id: str | None = None
    """The service-side conversation to continue (kept up to date in ``session`` mode)."""
    memory_id: str | None = None
    """The app's long-term memory to read and write."""
    biz_params: dict[str, Any] | None = None
    """A workflow's input variables (or plugin parameters), e.g. ``{"city": "Hangzhou"}``."""
    rag_options: dict[str, Any] | None = None
    """Retrieval options: ``pipeline_ids``, ``file_ids``, ``tags``, ``metadata_filter``,
    ``structured_filter``."""
    has_thoughts: bool | None = None
    """Return the app's steps (retrieval, memory, reasoning) as ``thoughts``."""
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    seed: int | None = None
    extra_parameters: dict[str, Any] = Field(default_factory=dict)
    """Extra parameters, sent verbatim."""

    def app_request(
        self,
        messages: Sequence[Message] | None,
        call: Mapping[str, Any],
        *,
        prompt: str | None = None,
    ) -> AppRequest:
        """The core request for ``messages`` (or ``prompt``), ``call`` over the fields."""
        call = dict(call)
        call.update(pop_extra_body(call))
        fields = {k: getattr(self, k) for k in APP_PARAMETERS if k != "incremental_output"}
        given = {k: v for k, v in call.items() if k in APP_PARAMETERS and v is not None}
        others = {k: v for k, v in call.items() if k not in APP_PARAMETERS and v is not None}
        extra = {**self.extra_parameters, **others}
        app_id = extra.pop("app_id") if "app_id" in extra else self.app_id
        params = {**{k: v for k, v in fields.items() if v is not None}, **given}
        if messages is not None and self.conversation == "session":
            prompt, messages = _last_user_text(messages), None
        elif messages is not None:
            messages = [Message(m.role, flat_content(m.content)) for m in messages]
            if "session_id" not in given:
                params.pop("session_id", None)  # the history is the conversation
        return AppRequest(
            app_id=app_id, prompt=prompt, messages=messages, extra_parameters=extra, **params
        )

    def keep_session(self, call: Mapping[str, Any], session_id: str | None) -> None:
        """In ``session`` mode, remember the service's session id for the next call (unless
        the call named its own session)."""
        if self.conversation == "session" and session_id and call.get("session_id") is None:
            self.session_id = session_id


def _last_user_text(messages: Sequence[Message]) -> str:
    if not messages or messages[-1].role != "user":
        raise RequestValidationError(
            "conversation='session' sends the last message as the prompt: it must be the "
            "user's (the service keeps the rest of the conversation)",
            code="EmptyInput",
        )
    content = flat_content(messages[-1].content)
    if not isinstance(content, str):
        raise RequestValidationError("an app takes text content only", code="InvalidContent")
    return content
