"""The emulator core: a pure "request → scripted response" function with a script and a log.

:class:`Emulator` holds the queue of scripted replies and faults, the received requests, the
accepted API key and a server-side delay; :meth:`Emulator.handle` turns one HTTP request into an
:class:`EmulatorResponse` that a front end (the loopback HTTP server, or the in-process httpx
transport) plays back. It is thread-safe.

Example::

    emulator = Emulator(api_key="sk-test")
    emulator.queue(Fault.rate_limit(), Reply(text="Hello!"))
    response = emulator.handle("POST", "/api/v1/services/aigc/text-generation/generation",
                               {"authorization": "Bearer sk-test"}, b'{"model": "qwen-plus", ...}')
    emulator.requests[-1].body["model"]  # "qwen-plus"
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from dashscope_models._catalog import get_spec
from dashscope_models.emulator._answers import (
    JSON,
    SSE,
    answer_response,
    apply_stream_fault,
    dumps,
    error_response,
)
from dashscope_models.emulator._apps import App, AppService
from dashscope_models.emulator._batches import COMPAT_PREFIX, BatchService
from dashscope_models.emulator._cache import TOO_MANY, ContextCache
from dashscope_models.emulator._checks import check_generation, input_tokens
from dashscope_models.emulator._documents import quote, read_documents
from dashscope_models.emulator._embeddings import embedding_answer
from dashscope_models.emulator._files import query_params
from dashscope_models.emulator._media import answer_extras, media_tokens
from dashscope_models.emulator._native_files import native_files
from dashscope_models.emulator._oss import TemporaryStorage, oss_error
from dashscope_models.emulator._replies import (
    apply_reply,
    default_answer,
    logprobs_for,
    user_text,
)
from dashscope_models.emulator._rerank import rerank_answer
from dashscope_models.emulator._response import EmulatorResponse, Frame
from dashscope_models.emulator._script import Fault, Reply, ScriptItem
from dashscope_models.emulator._upload_script import UploadScript
from dashscope_models.emulator._wire import Shape, error_body, json_body, sse_frame, stream_events

__all__ = ["Emulator", "RecordedRequest"]

API_PREFIX = "/api/v1"
# A path under neither API root (this one, or COMPAT_PREFIX of the Batch service) is the
# service's 404 InvalidURL (issue 16: a base_url without /api/v1 fails against the service),
# so offline tests catch that setting.
_NATIVE_ROOT = API_PREFIX + "/"


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the emulator received it (header names lower-case, body parsed).

    Example: ``emulator.requests[-1].body["parameters"]["incremental_output"]``
    """

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    stream: bool


class _Call:
    """One request in flight: what the route handlers need."""

    __slots__ = ("body", "fault", "headers", "reply", "request_id", "stream")

    def __init__(
        self, body: Any, stream: bool, item: ScriptItem | None, headers: dict[str, str]
    ) -> None:
        self.body = body
        self.headers = headers
        self.stream = stream
        self.request_id = str(uuid.uuid4())
        self.reply = item if isinstance(item, Reply) else None
        self.fault = item if isinstance(item, Fault) else None


class Emulator:
    """A scriptable DashScope service in memory (see the module docstring).

    ``api_key``: accept only this key (any other gets the service's 401 ``InvalidApiKey``);
    ``None`` accepts any. ``delay``: seconds before each answer (latency benchmarks).
    ``batch_seconds``: how long a Batch-service job takes (``/compatible-mode/v1``, see
    ``_batches``); ``emulator.batches`` holds its files and batches. ``emulator.cache`` is the
    explicit context cache (``_cache``); ``cache_clock``: its clock (default: monotonic time,
    which ``emulator.cache.advance(seconds)`` moves on). ``emulator.uploads`` scripts faults
    for uploads and counts them (``_upload_script``).

    Example::

        emulator = Emulator(api_key="sk-test")
        emulator.queue(Reply(text="Hi!"))
        client = DashScopeClient(api_key="sk-test", base_url="http://emulator/api/v1",
                                 transport=EmulatorTransport(emulator))
    """

    def __init__(
        self,
        api_key: str | None = None,
        delay: float = 0.0,
        batch_seconds: float = 1.0,
        apps: list[App] | None = None,
        cache_clock: Callable[[], float] | None = None,
    ) -> None:
        self.api_key = api_key
        self.delay = delay
        self.batches = BatchService(self, batch_seconds)
        self.apps = AppService(apps)
        self.storage = TemporaryStorage()  # upload policies, the upload host, oss:// files
        self.cache = ContextCache(cache_clock)
        self.uploads = UploadScript()  # faults for uploads, and their count (_upload_script)
        self._lock = threading.Lock()
        self._queue: deque[ScriptItem] = deque()
        self._requests: list[RecordedRequest] = []
        self.extra_models: dict[str, tuple[str | None, bool]] = {}
        self._routes: dict[str, Callable[[_Call], EmulatorResponse]] = {
            "/services/aigc/text-generation/generation": self._text_generation,
            "/services/aigc/multimodal-generation/generation": self._multimodal_generation,
            "/services/embeddings/text-embedding/text-embedding": self._embedding,
            "/services/rerank/text-rerank/text-rerank": self._rerank,
        }

    # -- script and log -------------------------------------------------------------------

    def queue(self, *items: ScriptItem) -> None:
        """Queue replies/faults for the next requests, in order (a fault with ``times=n``
        answers ``n`` requests)."""
        with self._lock:
            for item in items:
                self._queue.extend([item] * (item.times if isinstance(item, Fault) else 1))

    def add_model(
        self, *names: str, endpoint: str | None = None, stream_only: bool = False
    ) -> None:
        """Accept model ids the catalog does not list (they get the generic behaviour):
        on ``endpoint`` only ("url error" on the other; ``None``: on both), and only streamed
        when ``stream_only``."""
        self.extra_models.update(dict.fromkeys(names, (endpoint, stream_only)))

    def add_app(self, *apps: App) -> None:
        """Serve these Model Studio applications too (see ``_apps``)."""
        self.apps.add(*apps)

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def last_request(self) -> RecordedRequest | None:
        """The most recent request, if any."""
        with self._lock:
            return self._requests[-1] if self._requests else None

    def clear(self) -> None:
        """Forget the queued script, the recorded requests, the Batch service's files and
        batches, and the context cache's entries."""
        with self._lock:
            self._queue.clear()
            self._requests.clear()
        self.batches.clear()
        self.apps.clear()
        self.storage = TemporaryStorage()
        self.cache.clear()
        self.uploads.clear()

    # -- handling -------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> EmulatorResponse:
        """Answer one HTTP request."""
        lower = {k.lower(): v for k, v in headers.items()}
        multipart = lower.get("content-type", "").startswith("multipart/form-data")
        if method.upper() == "POST" and path.split("?", 1)[0] == "/" and multipart:  # _oss host
            return self.uploads.answer(
                lambda: _xml(*self.storage.upload(lower.get("content-type", ""), body)),
                lambda status, code, message: _xml(*oss_error(status, code, message)),
            )
        if path.startswith(COMPAT_PREFIX):  # the Batch service's Files and Batches API
            if method.upper() == "POST" and path.split("?", 1)[0] == COMPAT_PREFIX + "/files":
                return self.uploads.answer(
                    partial(self.batches.handle, method, path, lower, body), self.batches.refuse
                )
            return self.batches.handle(method, path, lower, body)
        stream = lower.get("x-dashscope-sse", "").lower() == "enable" or (
            "text/event-stream" in lower.get("accept", "")
        )
        route = path.split("?", 1)[0].rstrip("/")
        route = route[len(API_PREFIX) :] if route.startswith(API_PREFIX) else route
        try:
            parsed: Any = json.loads(body) if body else None
        except ValueError:
            parsed = None
        with self._lock:
            self._requests.append(RecordedRequest(method, path, lower, parsed, stream))
        request_id = str(uuid.uuid4())
        if not path.startswith(_NATIVE_ROOT):
            return error_response(
                404, "InvalidURL", "Invalid URL provided in your request.", request_id
            )
        if not self._authorized(lower.get("authorization", "")):
            return error_response(401, "InvalidApiKey", "Invalid API-key provided.", request_id)
        if route == "/uploads" or route == "/files" or route.startswith("/files/"):
            return self._storage_route(method.upper(), route, path, lower, body, request_id)
        handler = self._routes.get(route) or self._app_route(route)
        if method.upper() != "POST" or handler is None:
            return error_response(404, "NotFound", f"No such endpoint: {method} {path}", request_id)
        with self._lock:
            item = self._queue.popleft() if self._queue else None
        call = _Call(parsed, stream, item, lower)
        fault = call.fault
        if fault is not None and fault.kind == "http_error":
            extra = list(fault.headers.items())
            return error_response(fault.status, fault.code, fault.message, call.request_id, extra)
        if parsed is None:
            return error_response(
                400, "InvalidParameter", "The request body is not valid JSON.", call.request_id
            )
        response = handler(call)
        response.delay += self.delay + (fault.first_byte_delay if fault is not None else 0.0)
        return response

    def _storage_route(
        self, method: str, route: str, path: str, headers: dict[str, str], body: bytes, rid: str
    ) -> EmulatorResponse:
        """The upload policy (``_oss``) and the native Files API (``_native_files``)."""
        host = headers.get("host", "127.0.0.1")
        if route == "/uploads" and method == "GET":
            status, data = self.storage.policy(query_params(path), host)
        else:
            status, data = native_files(self.batches.files, method, path[len(API_PREFIX) :],
                                        headers, body, host)  # fmt: skip
        if "error" not in data:
            data = {**data, "request_id": data.get("request_id", rid)}
        return answer_response(status, JSON, rid, [Frame(json.dumps(data).encode())])

    def _authorized(self, authorization: str) -> bool:
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return False
        return self.api_key is None or key.strip() == self.api_key

    # -- routes ---------------------------------------------------------------------------

    def _app_route(self, route: str) -> Callable[[_Call], EmulatorResponse] | None:
        """``/apps/{app_id}/completion``: a Model Studio application (``_apps``)."""
        app_id = route.removeprefix("/apps/").removesuffix("/completion")
        if not route.startswith("/apps/") or not route.endswith("/completion") or "/" in app_id:
            return None
        return partial(self._application, app_id)

    def _application(self, app_id: str, call: _Call) -> EmulatorResponse:
        status, streamed, data = self.apps.answer(app_id, call.body, call.stream, call.request_id)
        if status != 200:
            error = data[0]
            if call.stream:  # as generation: the service reports it inside a 200 SSE answer
                frame = sse_frame(1, json.dumps(error, ensure_ascii=False), error_status=status)
                return answer_response(200, SSE, call.request_id, [Frame(frame)])
            return error_response(status, error["code"], error["message"], call.request_id)
        fault = call.fault
        if not streamed:
            return _json_route(call, lambda _body, _rid: (200, dumps(data[0])))
        frames = [Frame(sse_frame(i + 1, event)) for i, event in enumerate(data)]
        response = answer_response(200, SSE, call.request_id, frames)
        if fault is not None:
            apply_stream_fault(response, fault, call.request_id)
        return response

    def _text_generation(self, call: _Call) -> EmulatorResponse:
        return self._generation(call, "text-generation")

    def _multimodal_generation(self, call: _Call) -> EmulatorResponse:
        return self._generation(call, "multimodal-generation")

    def _generation(self, call: _Call, endpoint: str) -> EmulatorResponse:
        body = call.body
        problem = check_generation(
            body, endpoint, stream=call.stream, extra_models=dict(self.extra_models)
        )
        if problem is None and ContextCache.too_many(body):
            problem = (400, "InvalidParameter", TOO_MANY)
        if problem is not None:
            status, code, message = problem
            if call.stream:  # the service reports it inside a 200 SSE answer
                frame = sse_frame(
                    1, error_body(code, message, call.request_id).decode(), error_status=status
                )
                return answer_response(200, SSE, call.request_id, [Frame(frame)])
            return error_response(status, code, message, call.request_id)
        problem, documents = read_documents(body, self.batches.files)
        problem = problem or self.storage.check(body, call.headers)
        if problem is not None:
            return error_response(*problem, call.request_id)
        spec = get_spec(body["model"])
        params = body.get("parameters") or {}
        answer = default_answer(body, spec)
        if documents:  # a document question: answered from the documents' text
            answer.text = quote(user_text(body), documents)
        if call.reply is not None:
            answer = apply_reply(answer, call.reply, body)
        if answer.logprobs is None and params.get("logprobs") is True:
            answer.logprobs = logprobs_for(answer, params.get("top_logprobs"))
        multimodal = endpoint == "multimodal-generation"
        media = media_tokens(body) if multimodal else {}
        if spec.documents == "doc-url":  # its usage counts cached tokens at the top (recorded
            media["cached_tokens"] = 0  # conversation-generation-message-with-doc-url-sse)
        image_tokens = media.pop("image_tokens", 0)
        content_extras, output_extras, usage_extras = answer_extras(body, user_text(body))
        prompt_tokens = input_tokens(body) + image_tokens + sum(media.values())
        counts: list[tuple[str, Any]] = list(media.items())
        cached = self.cache.apply(body, call.headers.get("authorization", ""))
        if cached is not None:
            counts.append(("prompt_tokens_details", cached))
        shape = Shape(
            message=multimodal or (params.get("result_format") or spec.result_format) == "message",
            multimodal=multimodal,
            usage=spec.usage,
            input_tokens=prompt_tokens,
            image_tokens=image_tokens,
            usage_extras=tuple(counts),
            answer_usage=tuple(usage_extras.items()),
            content_extras=content_extras,
            output_extras=output_extras,
        )
        fault = call.fault
        if not call.stream:
            if fault is not None and fault.kind == "error_event":
                return error_response(fault.status, fault.code, fault.message, call.request_id)
            data = (
                b'{"output": {"text": "unterminated'
                if fault and fault.kind == "malformed"
                else json_body(answer, shape, call.request_id)
            )
            response = answer_response(200, JSON, call.request_id, [Frame(data)])
            if fault is not None and fault.kind == "drop":
                response.drop_after = 0
            return response
        incremental = params.get("incremental_output") is True
        events: list[Any] = list(
            stream_events(answer, shape, call.request_id, incremental=incremental)
        )
        frames = [Frame(sse_frame(i + 1, data)) for i, data in enumerate(events)]
        response = answer_response(200, SSE, call.request_id, frames)
        if fault is not None:
            apply_stream_fault(response, fault, call.request_id)
        return response

    def _embedding(self, call: _Call) -> EmulatorResponse:
        return _json_route(call, embedding_answer)

    def _rerank(self, call: _Call) -> EmulatorResponse:
        return _json_route(call, rerank_answer)


def _json_route(call: _Call, answer: Callable[[Any, str], tuple[int, bytes]]) -> EmulatorResponse:
    """A plain JSON endpoint (embedding, rerank): its answer, or the scripted fault."""
    fault = call.fault
    if fault is not None and fault.kind == "error_event":
        return error_response(fault.status, fault.code, fault.message, call.request_id)
    status, data = answer(call.body, call.request_id)
    if fault is not None and fault.kind == "malformed":
        data = data[: len(data) // 2]
    response = answer_response(status, JSON, call.request_id, [Frame(data)])
    if fault is not None and fault.kind == "drop":
        response.drop_after = 0
    return response


def _xml(status: int, data: bytes) -> EmulatorResponse:
    """An answer of the temporary storage's upload host (empty, or OSS's error document)."""
    return EmulatorResponse(status, [("content-type", "application/xml")], [Frame(data)])
