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

The steps are written once, as a generator of ``(request, reader)`` calls; a sync and an async
driver send them through the client's call loop (``_loop.Calls``: its sender and retries).

Example::

    request = attach(calls, request)   # uploads, then the request to send
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from dashscope_models._attachments import Local, Plan, plan
from dashscope_models._errors import RequestValidationError, StreamError
from dashscope_models._http import USER_AGENT, _timeout_extension, _url
from dashscope_models._loop import Calls
from dashscope_models._reply import read_json
from dashscope_models._request import build_body
from dashscope_models._types import GenerationRequest

if TYPE_CHECKING:
    from dashscope_models._config import ClientConfig

__all__ = ["FormBody", "aattach", "attach", "compatible_root", "forget_uploads", "prepare"]

_PIECE = 64 * 1024
_KEEP_OSS = 47 * 3600  # the service keeps a temporary file 48 hours (get-temporary-file-url)
_POLICY_MARGIN = 30.0  # seconds: a policy this close to its end is fetched anew
Call = tuple[httpx.Request, Callable[[int, Mapping[str, str], bytes], Any]]


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


def compatible_root(config: ClientConfig) -> str:
    """``…/compatible-mode/v1`` on the same host as the native API root."""
    base = config.base_url
    root = base[: -len("/api/v1")] if base.endswith("/api/v1") else base
    return root + "/compatible-mode/v1"


def _request(
    config: ClientConfig, method: str, url: str, *, body: FormBody | None = None, auth: bool = True
) -> httpx.Request:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if auth:
        headers["Authorization"] = config.bearer()
        if config.workspace:
            headers["X-DashScope-WorkSpace"] = config.workspace
    target = _url(url)
    if body is not None:  # httpx sets no default header on a request given a stream
        headers.update(body.headers(), Host=target.netloc.decode("ascii"))
    out = httpx.Request(method, target, headers=headers, stream=body)
    out.extensions["timeout"] = _timeout_extension(config.timeout)
    return out


@dataclass(slots=True)
class _Account:
    """What one account uploaded: file ids and ``oss://`` URLs by content, policies by model."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    file_ids: dict[str, str] = field(default_factory=dict)
    oss: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)
    policies: dict[str, tuple[dict[str, Any], float]] = field(default_factory=dict)


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


def _steps(
    config: ClientConfig, todo: Plan
) -> Generator[Call, Any, tuple[dict[str, str], dict[str, str]]]:
    """The uploads of ``todo`` not done before; returns (file ids, oss URLs) by digest."""
    state = account(config)
    ids: dict[str, str] = {}
    for doc in todo.documents:
        known = state.file_ids.get(doc.digest)
        if known is None:
            form = FormBody({"purpose": "file-extract"}, doc)
            url = compatible_root(config) + "/files"
            known = yield _request(config, "POST", url, body=form), _file_id
            with state.lock:
                state.file_ids[doc.digest] = known
        ids[doc.digest] = known
    urls: dict[str, str] = {}
    model = todo.request.model
    for media in todo.media:
        now = time.monotonic()
        kept = state.oss.get((model, media.digest))
        if kept is not None and kept[1] > now:
            urls[media.digest] = kept[0]
            continue
        cached = state.policies.get(model)
        if cached is None or cached[1] <= now:
            url = f"{config.base_url}/uploads?action=getPolicy&model={model}"
            fetched: dict[str, Any] = yield _request(config, "GET", url), _policy
            life = float(fetched.get("expire_in_seconds") or 300) - _POLICY_MARGIN
            cached = state.policies[model] = (fetched, time.monotonic() + max(life, 0.0))
        policy = cached[0]
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
        yield _request(config, "POST", str(policy["upload_host"]), body=form, auth=False), _stored
        urls[media.digest] = "oss://" + key
        with state.lock:
            state.oss[(model, media.digest)] = (urls[media.digest], time.monotonic() + _KEEP_OSS)
    return ids, urls


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
    steps = _steps(calls.sender.config, todo)
    try:
        call = next(steps)
        while True:
            call = steps.send(calls.call(*call))
    except StopIteration as done:
        ids, urls = done.value
    return todo.apply(ids, urls)


async def aattach(calls: Calls, todo: Plan) -> GenerationRequest:
    """Async :func:`attach`, for a request :func:`prepare` planned."""
    steps = _steps(calls.sender.config, todo)
    try:
        call = next(steps)
        while True:
            call = steps.send(await calls.acall(*call))
    except StopIteration as done:
        ids, urls = done.value
    return todo.apply(ids, urls)
