"""The uploads a request's documents and local media need, sync or async, each file once.

:func:`attach` / :func:`aattach` take a request, check it (``_attachments.plan``: every limit,
and the request as it will be sent, before any upload) and return it as sent, after:

* **documents** → ``POST {root}/compatible-mode/v1/files`` (multipart, ``purpose=file-extract``),
  as the recorded ``upload-file-compatible-nosse``; the file id is remembered by content hash
  for the account (base URL, workspace, key), so the next turn's history uploads nothing;
* **local media above the inline limit** → the temporary storage, as the official SDK does it:
  ``GET /api/v1/uploads?action=getPolicy&model=…`` (``get-upload-policy-nosse``; the policy is
  kept per model until it expires), then a multipart ``POST`` to its ``upload_host``
  (``upload-temporary-file-nosse``: the policy's fields, ``key`` = ``{upload_dir}/{name}``, the
  file last; no API key is sent there), the model reading ``oss://{key}``. Its URL is
  remembered by content for 48 hours, as long as the service keeps the file.

**Each upload once, even at once.** Two calls sending the same new file together (threads,
asyncio tasks, or both) upload it once: the first makes the upload, the others wait for it
and use its file id or URL (:func:`_once`; a policy is fetched once per model likewise). The
first one's failure is also the error of those waiting for it, and nothing is remembered: the
next call tries again. (A sync call made inside a running event loop does not wait, since it
would block the loop: it uploads the file itself.)

The steps are written once, as a generator of :class:`~dashscope_models._endpoints.Call` (built
by the one request builder, ``_http``, from the endpoint table) and :class:`_Wait` steps; a sync
and an async driver run them through the client's call loop (``_loop.Calls``: its sender and
retries) and wait where a step says.

Example::

    request = attach(calls, request)   # uploads, then the request to send
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from dashscope_models._attachments import Local, Plan, plan
from dashscope_models._endpoints import Call
from dashscope_models._errors import RequestValidationError, StreamError
from dashscope_models._loop import Calls
from dashscope_models._reply import read_json
from dashscope_models._request import build_body
from dashscope_models._types import GenerationRequest

if TYPE_CHECKING:
    from dashscope_models._config import ClientConfig

__all__ = [
    "FormBody",
    "Steps",
    "aattach",
    "adrive",
    "attach",
    "document_steps",
    "drive",
    "forget_uploads",
    "prepare",
]

_PIECE = 64 * 1024
_KEEP_OSS = 47 * 3600  # the service keeps a temporary file 48 hours (get-temporary-file-url)
_POLICY_MARGIN = 30.0  # seconds: a policy this close to its end is fetched anew
T = TypeVar("T")


class FormBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A ``multipart/form-data`` body: text ``fields``, then one file (a path or bytes) read
    piece by piece; iterable again for each retry."""

    def __init__(self, fields: dict[str, str], file: Local, *, name: str = "file") -> None:
        self._file = file
        boundary = uuid.uuid4().hex
        self.content_type = f"multipart/form-data; boundary={boundary}"
        head = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in fields.items()
        )
        filename = file.name.replace('"', "_")
        head += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                 f'filename="{filename}"\r\nContent-Type: {file.mime}\r\n\r\n')  # fmt: skip
        self._head = head.encode()
        self._tail = f"\r\n--{boundary}--\r\n".encode()

    def headers(self) -> dict[str, str]:
        size = len(self._head) + self._file.size + len(self._tail)
        return {"Content-Type": self.content_type, "Content-Length": str(size)}

    def __iter__(self) -> Iterator[bytes]:
        yield self._head
        if self._file.data is not None:
            yield self._file.data
        else:
            assert self._file.path is not None
            with open(self._file.path, "rb") as f:
                while piece := f.read(_PIECE):
                    yield piece
        yield self._tail

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self:  # local disk reads of 64 KiB: not worth a thread hop each
            yield piece


@dataclass(slots=True)
class _Account:
    """What one account uploaded: file ids and ``oss://`` URLs by content, policies by model."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    file_ids: dict[str, str] = field(default_factory=dict)
    oss: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)
    policies: dict[str, tuple[dict[str, Any], float]] = field(default_factory=dict)
    flights: dict[tuple[str, ...], Future[None]] = field(default_factory=dict)
    """Uploads (and policy fetches) under way, by what they make; done when it is stored."""


_accounts: dict[tuple[str, str | None, str], _Account] = {}
_accounts_lock = threading.Lock()


def account(config: ClientConfig) -> _Account:
    """The upload memory of ``config``'s account (keyed by a hash of the key, never the key)."""
    secret = config.api_key.get_secret_value() if config.api_key is not None else ""
    key = (config.base_url, config.workspace, hashlib.sha256(secret.encode()).hexdigest())
    with _accounts_lock:
        return _accounts.setdefault(key, _Account())


def forget_uploads() -> None:
    """Forget every remembered upload (a test's fresh start; a deleted file's id)."""
    with _accounts_lock:
        _accounts.clear()


def _file_id(status: int, headers: Mapping[str, str], body: bytes) -> str:
    answer = read_json(status, headers, body)
    value = answer.get("id") if isinstance(answer, dict) else None
    if not isinstance(value, str):
        raise StreamError(f"the Files API answered without a file id: {body[:200]!r}",
                          code="MalformedResponse", status_code=status)  # fmt: skip
    return value


def _policy(status: int, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    answer = read_json(status, headers, body)
    data = answer.get("data") if isinstance(answer, dict) else None
    needed = ("policy", "signature", "upload_dir", "upload_host", "oss_access_key_id")
    if not isinstance(data, dict) or any(k not in data for k in needed):
        raise StreamError(f"the upload policy answer lacks {needed}: {body[:200]!r}",
                          code="MalformedResponse", status_code=status)  # fmt: skip
    return data


def _stored(status: int, headers: Mapping[str, str], body: bytes) -> None:
    if status not in (200, 204):  # OSS answers an error document (XML); keep its text
        read_json(status, headers, body)


@dataclass(frozen=True, slots=True)
class _Wait:
    """A step: another call is making what this one needs; wait until it is done."""

    flight: Future[None]


Step = Call[Any] | _Wait
Steps = Generator[Step, Any, T]


def _once(
    state: _Account,
    key: tuple[str, ...],
    known: Callable[[], T | None],
    make: Callable[[], Steps[T]],
) -> Steps[T]:
    """``known()`` (read under the account's lock), else what ``make()`` makes and stores:
    one caller makes it at a time per ``key``; the others wait, then read what it stored. Its
    failure is raised to them too and stores nothing; a caller cancelled or interrupted while
    making it leaves it to one of the waiters."""
    while True:
        with state.lock:
            value = known()
            if value is not None:
                return value
            flight = state.flights.get(key)
            leading = flight is None
            if flight is None:
                flight = state.flights[key] = Future()
        if not leading:
            if (yield _Wait(flight)):
                continue  # done (or given up by its maker): look again
            return (yield from make())  # this caller cannot wait (see the module docstring)
        try:
            value = yield from make()
        except BaseException as exc:
            with state.lock:
                del state.flights[key]
            if isinstance(exc, Exception):
                flight.set_exception(exc)
            else:  # cancelled or interrupted: a waiter makes it instead
                flight.set_result(None)
            raise
        with state.lock:
            del state.flights[key]
        flight.set_result(None)
        return value


def _kept(table: Mapping[Any, tuple[T, float]], key: Any) -> T | None:
    entry = table.get(key)
    return entry[0] if entry is not None and entry[1] > time.monotonic() else None


def _upload_document(state: _Account, doc: Local) -> Steps[str]:
    form = FormBody({"purpose": "file-extract"}, doc)
    file_id: str = yield Call("file-upload", None, _file_id, upload=form)
    with state.lock:
        state.file_ids[doc.digest] = file_id
    return file_id


def _fetch_policy(state: _Account, model: str) -> Steps[dict[str, Any]]:
    query = {"action": "getPolicy", "model": model}
    fetched: dict[str, Any] = yield Call("upload-policy", None, _policy, query=query)
    life = float(fetched.get("expire_in_seconds") or 300) - _POLICY_MARGIN
    with state.lock:
        state.policies[model] = (fetched, time.monotonic() + max(life, 0.0))
    return fetched


def _upload_media(state: _Account, model: str, media: Local) -> Steps[str]:
    policy = yield from _once(
        state, ("policy", model), partial(_kept, state.policies, model),
        partial(_fetch_policy, state, model),
    )  # fmt: skip
    cap = policy.get("max_file_size_mb")
    if isinstance(cap, int | float) and media.size > cap * 1024 * 1024:
        raise RequestValidationError(
            f"{media.kind} {media.name!r} is {media.size} bytes; the temporary storage "
            f"takes at most {cap} MB for {model}",
            code="FileTooLarge",
        )
    key = f"{policy['upload_dir']}/{media.digest[:16]}-{media.name}"
    form = FormBody({
        "OSSAccessKeyId": str(policy["oss_access_key_id"]),
        "Signature": str(policy["signature"]),
        "policy": str(policy["policy"]),
        "key": key,
        "x-oss-object-acl": str(policy.get("x_oss_object_acl") or "private"),
        "x-oss-forbid-overwrite": str(policy.get("x_oss_forbid_overwrite") or "true"),
        "success_action_status": "200",
        "x-oss-content-type": media.mime or mimetypes.guess_type(media.name)[0] or "",
    }, media)  # fmt: skip
    host = {"upload_host": str(policy["upload_host"])}
    yield Call("oss-upload", None, _stored, path=host, upload=form)
    url = "oss://" + key
    with state.lock:
        state.oss[(model, media.digest)] = (url, time.monotonic() + _KEEP_OSS)
    return url


def document_steps(config: ClientConfig, documents: Iterable[Local]) -> Steps[dict[str, str]]:
    """Upload the ``documents`` not uploaded before (purpose ``file-extract``); their file
    ids by digest (the Batch service's rows use them too: ``_batch``)."""
    state = account(config)
    ids: dict[str, str] = {}
    for doc in documents:
        ids[doc.digest] = yield from _once(
            state, ("file", doc.digest), partial(state.file_ids.get, doc.digest),
            partial(_upload_document, state, doc),
        )  # fmt: skip
    return ids


def _steps(config: ClientConfig, todo: Plan) -> Steps[tuple[dict[str, str], dict[str, str]]]:
    """The uploads of ``todo`` not done before; returns (file ids, oss URLs) by digest."""
    state = account(config)
    ids = yield from document_steps(config, todo.documents)
    urls: dict[str, str] = {}
    model = todo.request.model
    for media in todo.media:
        urls[media.digest] = yield from _once(
            state, ("oss", model, media.digest), partial(_kept, state.oss, (model, media.digest)),
            partial(_upload_media, state, model, media),
        )  # fmt: skip
    return ids, urls


def _wait(flight: Future[None]) -> bool:
    """Wait for another call's upload; ``False`` in a thread running an event loop, which a
    wait would block (perhaps the very task making the upload)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        flight.result()  # its failure is raised here
        return True
    return False


async def _await(flight: Future[None]) -> bool:
    """Async :func:`_wait`: a cancelled waiter leaves the upload alone (``shield``)."""
    waited = asyncio.wrap_future(flight)
    waited.add_done_callback(_retrieved)
    await asyncio.shield(waited)
    return True


def _retrieved(done: asyncio.Future[None]) -> None:
    if not done.cancelled():
        done.exception()  # read: asyncio logs a failure nobody read


def drive(calls: Calls, steps: Steps[T]) -> T:
    """Run ``steps`` on the sync path: each call sent, each wait waited, failures thrown in."""
    answer: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = steps.send(answer) if error is None else steps.throw(error)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        answer, error = None, None
        try:
            answer = _wait(step.flight) if isinstance(step, _Wait) else calls.send(step)
        except BaseException as exc:  # thrown into the steps, which raise it again
            error = exc


async def adrive(calls: Calls, steps: Steps[T]) -> T:
    """Async :func:`drive`."""
    answer: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = steps.send(answer) if error is None else steps.throw(error)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        answer, error = None, None
        try:
            if isinstance(step, _Wait):
                answer = await _await(step.flight)
            else:
                answer = await calls.asend(step)
        except BaseException as exc:  # thrown into the steps, which raise it again
            error = exc


def prepare(request: GenerationRequest) -> Plan | None:
    """The uploads ``request`` needs (``None``: none), every limit checked and the request as
    it will be sent validated first: nothing is sent for a request that would be refused."""
    todo = plan(request)
    if todo is not None:
        build_body(todo.placeholder(), stream=False)
    return todo


def attach(calls: Calls, request: GenerationRequest) -> GenerationRequest:
    """``request`` as sent, its documents and local media uploaded first (see the module)."""
    todo = prepare(request)
    if todo is None:
        return request
    ids, urls = drive(calls, _steps(calls.sender.config, todo))
    return todo.apply(ids, urls)


async def aattach(calls: Calls, todo: Plan) -> GenerationRequest:
    """Async :func:`attach`, for a request :func:`prepare` planned."""
    ids, urls = await adrive(calls, _steps(calls.sender.config, todo))
    return todo.apply(ids, urls)
