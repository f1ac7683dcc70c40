"""The endpoint table: every HTTP endpoint the client calls, named once, in one low module.

A row gives the path below its root (``{name}`` parts filled from the call's ``path``
arguments), the method, and the root: ``native`` is the ``base_url`` (``…/api/v1``),
``compatible`` the same host's ``/compatible-mode/v1`` (the Files and Batches API), ``outside``
a host of another service, the whole URL in the call's ``path`` (the temporary storage's upload
host, named by its upload policy: it gets no API key). A call's ``query`` is its query string.

The one request builder (``_http.http_request``) reads the table; an endpoint module
(``_generation``, ``_embedding``, ``_rerank``, ``_batch_api`` ...) says what to send as a
:class:`Call` or a :class:`Plan` of calls, and the one call loop (``_loop``) sends them, sync
or async, with retries.

A new endpoint is one row here and one module that builds its calls and reads its answers::

    "multimodal-embedding": Endpoint(
        "/services/embeddings/multimodal-embedding/multimodal-embedding"),

Example::

    ENDPOINTS["text-rerank"].path  # '/services/rerank/text-rerank/text-rerank'
    Plan([Call("text-embedding", body, read)], merge)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

__all__ = [
    "ENDPOINTS",
    "GENERATION_ENDPOINTS",
    "OTHER_ENDPOINT",
    "Call",
    "Endpoint",
    "Plan",
    "Reader",
]

T = TypeVar("T")
R = TypeVar("R")

Reader = Callable[[int, Mapping[str, str], bytes], T]
"""Reads one answer: ``(status, headers, body) -> value``; raises the typed error of a
failed one (``_call.read_json`` for JSON answers)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One row of the table (see the module docstring).

    Example: ``Endpoint("/batches/{id}", "GET", "compatible")``
    """

    path: str
    method: str = "POST"
    root: Literal["native", "compatible", "outside"] = "native"


ENDPOINTS: dict[str, Endpoint] = {
    # The native API (protocol: ``/services/<group>/<task>/<function>``).
    "text-generation": Endpoint("/services/aigc/text-generation/generation"),
    "multimodal-generation": Endpoint("/services/aigc/multimodal-generation/generation"),
    "text-embedding": Endpoint("/services/embeddings/text-embedding/text-embedding"),
    "text-rerank": Endpoint("/services/rerank/text-rerank/text-rerank"),
    # Model Studio applications (agents, workflows, RAG apps): ``_app_client``.
    "app-completion": Endpoint("/apps/{app_id}/completion"),
    # The temporary storage of local media (``_uploads``): a policy, then the policy's host.
    "upload-policy": Endpoint("/uploads", "GET"),
    "oss-upload": Endpoint("{upload_host}", "POST", "outside"),
    # The compatible mode's Files API (documents, ``client.files``, Batch input) and Batches.
    "file-upload": Endpoint("/files", "POST", "compatible"),
    "file-list": Endpoint("/files", "GET", "compatible"),
    "file-get": Endpoint("/files/{id}", "GET", "compatible"),
    "file-content": Endpoint("/files/{id}/content", "GET", "compatible"),
    "file-delete": Endpoint("/files/{id}", "DELETE", "compatible"),
    "batch-create": Endpoint("/batches", "POST", "compatible"),
    "batch-get": Endpoint("/batches/{id}", "GET", "compatible"),
    "batch-cancel": Endpoint("/batches/{id}/cancel", "POST", "compatible"),
}

OTHER_ENDPOINT = {
    "text-generation": "multimodal-generation",
    "multimodal-generation": "text-generation",
}
"""A generation endpoint's twin, where a refused guess is sent again (see ``_routing``)."""
GENERATION_ENDPOINTS = frozenset(OTHER_ENDPOINT)


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One request to send and how to read its answer: ``body`` is JSON (``None``: no body),
    ``path`` fills the row's ``{name}`` parts, ``query`` is the query string, ``upload`` a
    streamed body (a batch file, a document, local media).

    Example: ``Call("batch-get", None, read_json, path={"id": batch_id})``
    """

    endpoint: str
    body: Any
    read: Reader[T]
    path: Mapping[str, str] = field(default_factory=dict)
    upload: Any = None
    query: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Plan(Generic[T, R]):
    """Calls whose answers make one result: sent in turn (sync) or concurrently (async),
    answers in call order, merged by ``merge``.

    Example: ``Plan([Call("text-embedding", body, read) for body in bodies], merge_batches)``
    """

    calls: Sequence[Call[T]]
    merge: Callable[[list[T]], R]
