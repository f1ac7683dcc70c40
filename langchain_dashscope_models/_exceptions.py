"""Errors raised by the LangChain classes: our core error *and* LangChain's model error.

Each class inherits from the matching ``dashscope_models`` error (so ``code``, ``message``,
``request_id`` and ``status_code`` are there) and from the matching
``langchain_core.exceptions`` error (so framework code that catches ``ModelRateLimitError`` and
friends works). :func:`translate` converts a core error; the adapters run every core call
inside ``with translated:``, which raises the twin ``from`` the original.

Example::

    try:
        ChatQwen().invoke("hi")
    except ModelRateLimitError as err:      # LangChain's class ...
        print(err.code, err.request_id)      # ... with DashScope's details
"""

from __future__ import annotations

from types import TracebackType

from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

import dashscope_models as core

__all__ = [
    "DashScopeAPIError",
    "DashScopeAuthenticationError",
    "DashScopeBadRequestError",
    "DashScopeConnectionError",
    "DashScopeContentInspectionError",
    "DashScopeContextLengthError",
    "DashScopeMaxTokensError",
    "DashScopeModelNotFoundError",
    "DashScopeNotFoundError",
    "DashScopePermissionDeniedError",
    "DashScopeRateLimitError",
    "DashScopeStreamError",
    "DashScopeTimeoutError",
    "translate",
    "translated",
]


class DashScopeAuthenticationError(core.AuthenticationError, ModelAuthenticationError):
    """401 ``InvalidApiKey``: the key is wrong, or belongs to another region.

    Example: ``except DashScopeAuthenticationError as err: print(err.code, err.request_id)``
    """


class DashScopePermissionDeniedError(core.PermissionDeniedError, ModelPermissionDeniedError):
    """403: the account may not use this model (not activated, overdue, not approved).

    Example: ``except DashScopePermissionDeniedError as err: print(err.code, err.request_id)``
    """


class DashScopeBadRequestError(core.BadRequestError, ModelInvalidRequestError):
    """400: the service rejected a parameter or the input.

    Example: ``except DashScopeBadRequestError as err: print(err.code, err.request_id)``
    """


class DashScopeContentInspectionError(core.ContentInspectionError, ModelInvalidRequestError):
    """400 ``DataInspectionFailed``: content moderation rejected the input or output.

    Example: ``except DashScopeContentInspectionError as err: print(err.code, err.request_id)``
    """


class DashScopeContextLengthError(core.ContextLengthError, ContextOverflowError):
    """400: the input (plus ``max_tokens``) does not fit the model's context.

    Example: ``except DashScopeContextLengthError as err: print(err.code, err.request_id)``
    """


class DashScopeMaxTokensError(core.MaxTokensError, ModelInvalidRequestError):
    """400 "Range of max_tokens should be [1, N]": :attr:`limit` is N.

    Example: ``except DashScopeMaxTokensError as err: llm.invoke(q, max_tokens=err.limit)``
    """


class DashScopeModelNotFoundError(core.ModelNotFoundError, ModelNotFoundError):
    """400 ``Model not exist.``: unknown model id.

    Example: ``except DashScopeModelNotFoundError as err: print(err.code, err.request_id)``
    """


class DashScopeNotFoundError(core.NotFoundError, ModelNotFoundError):
    """404: unknown endpoint or resource.

    Example: ``except DashScopeNotFoundError as err: print(err.code, err.request_id)``
    """


class DashScopeRateLimitError(core.RateLimitError, ModelRateLimitError):
    """429: throttled or out of quota (already retried ``max_retries`` times).

    Example: ``except DashScopeRateLimitError as err: print(err.code, err.request_id)``
    """


class DashScopeAPIError(core.InternalServerError, ModelAPIError):
    """5xx: the service failed (already retried ``max_retries`` times).

    Example: ``except DashScopeAPIError as err: print(err.code, err.request_id)``
    """


class DashScopeConnectionError(core.APIConnectionError, ModelConnectionError):
    """The service could not be reached.

    Example: ``except DashScopeConnectionError as err: print(err.code, err.request_id)``
    """


class DashScopeTimeoutError(core.APITimeoutError, ModelTimeoutError):
    """The request timed out.

    Example: ``except DashScopeTimeoutError as err: print(err.code, err.request_id)``
    """


class DashScopeStreamError(core.StreamError, ModelAPIError):
    """The answer was malformed or the stream broke part way.

    Example: ``except DashScopeStreamError as err: print(err.code, err.request_id)``
    """


class DashScopeStatusError(core.APIStatusError, ModelAPIError):
    """Any other HTTP error status.

    Example: ``except DashScopeStatusError as err: print(err.code, err.request_id)``
    """


# Most specific first: the first core class the error is an instance of wins.
_TABLE: tuple[tuple[type[core.DashScopeError], type[core.DashScopeError]], ...] = (
    (core.AuthenticationError, DashScopeAuthenticationError),
    (core.PermissionDeniedError, DashScopePermissionDeniedError),
    (core.ContentInspectionError, DashScopeContentInspectionError),
    (core.ContextLengthError, DashScopeContextLengthError),
    (core.ModelNotFoundError, DashScopeModelNotFoundError),
    (core.MaxTokensError, DashScopeMaxTokensError),
    (core.BadRequestError, DashScopeBadRequestError),
    (core.NotFoundError, DashScopeNotFoundError),
    (core.RateLimitError, DashScopeRateLimitError),
    (core.InternalServerError, DashScopeAPIError),
    (core.APITimeoutError, DashScopeTimeoutError),
    (core.APIConnectionError, DashScopeConnectionError),
    (core.StreamError, DashScopeStreamError),
    (core.APIStatusError, DashScopeStatusError),
)


def translate(err: core.DashScopeError) -> core.DashScopeError:
    """The LangChain-flavoured twin of a core error (the same error when there is none:
    input validation and configuration errors stay ``ValueError`` subclasses)."""
    if isinstance(err, ModelError):
        return err
    for core_class, twin in _TABLE:
        if isinstance(err, core_class):
            new = twin(
                err.message,
                code=err.code,
                status_code=err.status_code,
                request_id=err.request_id,
                body=err.body,
                hint=err.hint,
            )
            new.headers = err.headers
            return new
    return err


class _Translated:
    """``with translated: ...`` re-raises a core error from inside as its LangChain twin
    (``raise twin from err``); errors without a twin (input validation, configuration) pass
    unchanged. Stateless, so one instance serves every call, generators included."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        err: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:  # never swallows: the error goes on as it is, or as its twin
        if isinstance(err, core.DashScopeError):
            twin = translate(err)
            if twin is not err:
                raise twin from err


translated = _Translated()
