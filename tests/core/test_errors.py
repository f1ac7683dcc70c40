"""Error paths of the native client: no API key in an error's chain, Retry-After beyond the
client's limit, request ids on stream errors, plain-text error events, embedding error bodies.

Each test runs for the sync and async paths. Wire shapes the emulator cannot produce (a
gateway's plain-text error event, a garbled answer, a pause mid-stream, error bodies of the
embedding endpoint) come from :class:`RawServer`, a tiny socket server on 127.0.0.1.
"""

from __future__ import annotations

import email.utils
import pickle
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

import pytest

from dashscope_models import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    Chunk,
    DashScopeClient,
    DashScopeError,
    EmbeddingRequest,
    EmbeddingResult,
    GenerationRequest,
    InternalServerError,
    MaxTokensError,
    Message,
    RateLimitError,
    StreamError,
)
from dashscope_models._retry import should_retry
from dashscope_models.emulator import Emulator, Fault

EMULATOR_KEY = "sk-test-emulator-key"  # the key tests/conftest.py gives the emulator
SECRET = "sk-SECRET-never-in-an-error-0123456789"
OK_EVENT = (
    b'id:1\nevent:result\n:HTTP_STATUS/200\ndata:{"output":{"choices":[{"message":'
    b'{"role":"assistant","content":"ok"},"finish_reason":"stop"}]},"request_id":"rid-ok"}\n\n'
)
GATEWAY_ERROR = b"id:1\nevent:error\n:HTTP_STATUS/503\ndata:upstream connect error\n\n"
SSE = {"content-type": "text/event-stream", "x-request-id": "rid-9"}
Part = bytes | float  # bytes to send, or seconds to pause


def head(status: int, headers: dict[str, str], length: int | None = None) -> bytes:
    """A response head; without ``length`` the body runs until the connection closes."""
    lines = [f"HTTP/1.1 {status} X", *(f"{k}: {v}" for k, v in headers.items())]
    lines += [f"content-length: {length}"] if length is not None else []
    return ("\r\n".join([*lines, "connection: close"]) + "\r\n\r\n").encode()


def whole(status: int, headers: dict[str, str], body: bytes) -> list[Part]:
    return [head(status, headers, len(body)) + body]


class RawServer:
    """Answers each request with the next queued list of parts, then closes the connection."""

    def __init__(self) -> None:
        self.answers: deque[list[Part]] = deque()
        self.requests = 0
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/api/v1"
        threading.Thread(target=self._accept, daemon=True).start()

    def queue(self, *answers: list[Part]) -> None:
        self.answers.extend(answers)

    def close(self) -> None:
        self._sock.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536) or b"\r\n\r\n"
                header, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    (int(v) for k, _, v in (ln.partition(b":") for ln in header.split(b"\r\n"))
                     if k.strip().lower() == b"content-length"),
                    0,
                )  # fmt: skip
                while len(body) < length:
                    body += conn.recv(65536) or b"x" * length
                self.requests += 1
                for part in self.answers.popleft() if self.answers else []:
                    if isinstance(part, float):
                        time.sleep(part)
                    else:
                        conn.sendall(part)
            except OSError:
                pass  # the client gave up (a timeout test): nothing to do


@pytest.fixture
def raw() -> Iterator[RawServer]:
    server = RawServer()
    yield server
    server.close()


def ask(text: str = "What is 1+1?") -> GenerationRequest:
    return GenerationRequest(model="qwen-plus", messages=[Message("user", text)])


async def generate(client: DashScopeClient, sync: bool) -> None:
    if sync:
        client.generate(ask())
    else:
        await client.agenerate(ask())


async def stream(client: DashScopeClient, sync: bool, got: list[Chunk] | None = None) -> None:
    """Stream an answer, keeping in ``got`` the chunks that came before an error."""
    got = [] if got is None else got
    if sync:
        for chunk in client.stream(ask("a long answer please")):
            got.append(chunk)
    else:
        async for chunk in client.astream(ask("a long answer please")):
            got.append(chunk)


async def embed(client: DashScopeClient, sync: bool) -> EmbeddingResult:
    request = EmbeddingRequest(model="text-embedding-v3", texts=["a", "b"])
    return client.embed(request) if sync else await client.aembed(request)


def _chain(err: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [err]
    while todo:
        exc = todo.pop()
        if exc is not None and all(exc is not s for s in seen):
            seen.append(exc)
            todo += [exc.__cause__, exc.__context__]
    return seen


def assert_key_unreachable(err: BaseException, key: str) -> None:
    """The key appears nowhere in the error's chain: texts, fields, requests' headers."""
    for exc in _chain(err):
        texts = [repr(exc), str(exc), repr(exc.args), repr(getattr(exc, "__dict__", {}))]
        for name in ("request", "request_info"):
            try:
                value = getattr(exc, name, None)
            except RuntimeError:  # httpx: "The .request property has not been set."
                value = None
            headers: Any = getattr(value, "headers", None)
            if headers is not None:
                texts.append(repr(list(headers.items())))
        assert all(key not in text for text in texts), f"API key reachable from {exc!r}"


# -- 1. the API key never reachable from an error ----------------------------------------


# On the async path aiohttp's exceptions hold no httpx request, but a garbled answer's
# ClientResponseError holds the request's headers (request_info): the last test covers both.


def test_sync_connection_refused_error_chain_holds_no_key() -> None:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]  # closed when the block ends: nothing listens there
    client = DashScopeClient(
        api_key=SECRET, base_url=f"http://127.0.0.1:{port}/api/v1", max_retries=0
    )
    for call in (lambda: client.generate(ask()), lambda: list(client.stream(ask()))):
        with pytest.raises(APIConnectionError) as info:
            call()
        assert "ConnectError" in info.value.message  # the failure's type stays in our message
        assert_key_unreachable(info.value, SECRET)


def test_sync_timeout_and_drop_error_chains_hold_no_key(base_url: str, emulator: Emulator) -> None:
    client = DashScopeClient(api_key=EMULATOR_KEY, base_url=base_url, timeout=0.2, max_retries=0)
    emulator.queue(Fault.slow(chunk_delay=0.0, first_byte_delay=1.0))
    with pytest.raises(APIConnectionError) as timeout:
        client.generate(ask())
    assert timeout.value.code == "Timeout" and "ReadTimeout" in timeout.value.message
    assert_key_unreachable(timeout.value, EMULATOR_KEY)
    emulator.queue(Fault.drop(after=2))
    with pytest.raises(StreamError) as drop:
        list(client.stream(ask("a long answer please")))
    assert "RemoteProtocolError" in drop.value.message
    assert_key_unreachable(drop.value, EMULATOR_KEY)


async def test_garbled_answer_error_chain_holds_no_key(raw: RawServer, sync: bool) -> None:
    client = DashScopeClient(api_key=SECRET, base_url=raw.base_url, max_retries=1)
    raw.queue(*[[b"NOT HTTP AT ALL\r\n\r\n"]] * 4)
    for call in (generate, stream):
        with pytest.raises(APIConnectionError) as info:
            await call(client, sync)
        assert_key_unreachable(info.value, SECRET)
    assert raw.requests == 4  # each retried (the same request object, key and all), then raised


# -- 2. Retry-After beyond the client's maximum wait -------------------------------------


async def test_retry_after_beyond_max_wait_is_raised_at_once(
    base_url: str, emulator: Emulator, sync: bool
) -> None:
    client = DashScopeClient(base_url=base_url, max_retries=2)
    emulator.queue(Fault.rate_limit(retry_after=120))
    with pytest.raises(RateLimitError) as info:
        await generate(client, sync)
    assert info.value.status_code == 429 and len(emulator.requests) == 1
    emulator.clear()
    date = email.utils.formatdate(time.time() + 3600, usegmt=True)
    emulator.queue(
        Fault("http_error", 503, "ServiceUnavailable", "busy", headers={"Retry-After": date})
    )
    with pytest.raises(InternalServerError) as busy:
        await stream(client, sync)
    assert busy.value.status_code == 503 and len(emulator.requests) == 1


def test_should_retry_refuses_waits_beyond_the_limit() -> None:
    err = RateLimitError("slow down", status_code=429)
    err.headers = {"retry-after-ms": "61000"}
    assert not should_retry(err)
    err.headers = {"retry-after": "59"}
    assert should_retry(err)


# -- 3. request ids on errors after a stream started -------------------------------------


async def test_dropped_stream_error_keeps_request_id(
    base_url: str, emulator: Emulator, sync: bool
) -> None:
    client = DashScopeClient(base_url=base_url, max_retries=2)
    emulator.queue(Fault.drop(after=2))
    got: list[Chunk] = []
    with pytest.raises(StreamError) as info:
        await stream(client, sync, got)
    assert got and info.value.code == "TruncatedStream"
    assert info.value.request_id is not None and info.value.request_id == got[0].request_id


async def test_stream_timeouts_keep_request_id_of_the_header(raw: RawServer, sync: bool) -> None:
    client = DashScopeClient(api_key=SECRET, base_url=raw.base_url, timeout=0.3, max_retries=0)
    event = OK_EVENT.replace(b',"request_id":"rid-ok"', b"").replace(b'"stop"', b'"null"')
    raw.queue([head(200, SSE), event, 1.0], [head(200, SSE), 1.0])
    with pytest.raises(StreamError) as late:  # after an event: a truncated stream
        await stream(client, sync)
    assert late.value.code == "TruncatedStream" and late.value.request_id == "rid-9"
    with pytest.raises(APIConnectionError) as early:  # before any event: a timeout
        await stream(client, sync)
    assert early.value.code == "Timeout" and early.value.request_id == "rid-9"


# -- 4. an error event whose data is plain text ------------------------------------------


async def test_plain_text_error_event_is_typed_and_retried(raw: RawServer, sync: bool) -> None:
    client = DashScopeClient(api_key=SECRET, base_url=raw.base_url, max_retries=1)
    raw.queue(*[[head(200, SSE), GATEWAY_ERROR]] * 2)
    with pytest.raises(InternalServerError) as info:
        await stream(client, sync)
    err = info.value
    assert (err.status_code, err.message, err.request_id) == (
        503,
        "upstream connect error",
        "rid-9",
    )
    assert raw.requests == 2  # nothing was delivered: retried like any 5xx
    raw.queue([head(200, SSE), GATEWAY_ERROR], [head(200, SSE), OK_EVENT])
    got: list[Chunk] = []
    await stream(client, sync, got)
    assert "".join(c.text for c in got) == "ok" and raw.requests == 4


async def test_plain_text_error_event_after_an_event_is_not_retried(
    raw: RawServer, sync: bool
) -> None:
    client = DashScopeClient(api_key=SECRET, base_url=raw.base_url, max_retries=2)
    first = OK_EVENT.replace(b'"stop"', b'"null"')
    raw.queue([head(200, SSE), first + GATEWAY_ERROR.replace(b"id:1", b"id:2")])
    got: list[Chunk] = []
    with pytest.raises(InternalServerError) as info:
        await stream(client, sync, got)
    assert [c.text for c in got] == ["ok"] and raw.requests == 1
    assert info.value.status_code == 503 and info.value.request_id == "rid-ok"


# -- 5. embedding error bodies -----------------------------------------------------------


async def test_embedding_error_body_with_status_200_is_typed(raw: RawServer, sync: bool) -> None:
    client = DashScopeClient(api_key=SECRET, base_url=raw.base_url, max_retries=2)
    body = b'{"code":"InvalidParameter","message":"batch too big","request_id":"rid-e"}'
    raw.queue(whole(200, {"content-type": "application/json"}, body))
    with pytest.raises(BadRequestError) as info:
        await embed(client, sync)
    err = info.value
    assert (err.code, err.message, err.request_id) == ("InvalidParameter", "batch too big", "rid-e")
    assert raw.requests == 1


async def test_openai_style_error_body_is_read(raw: RawServer, sync: bool) -> None:
    client = DashScopeClient(api_key=SECRET, base_url=raw.base_url, max_retries=0)
    body = (
        b'{"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key"}}'
    )
    raw.queue(whole(401, {"content-type": "application/json"}, body))
    with pytest.raises(AuthenticationError) as info:
        await embed(client, sync)
    err: DashScopeError = info.value
    assert (err.status_code, err.code, err.message) == (401, "invalid_api_key", "bad key")


# The service's "Range of max_tokens should be [1, N]" as a typed error naming N (issue 16).


@pytest.fixture
def client(base_url: str) -> DashScopeClient:
    return DashScopeClient(base_url=base_url, max_retries=2)


async def test_services_max_tokens_range_is_a_typed_error_naming_n(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    emulator.add_model("qwen-next-unlisted")
    emulator.queue(
        Fault.http_error(400, "InvalidParameter", "Range of max_tokens should be [1, 8192]")
    )
    request = GenerationRequest(
        model="qwen-next-unlisted", messages=[Message("user", "Hi")], max_tokens=9000
    )
    with pytest.raises(MaxTokensError) as info:
        client.generate(request) if sync else await client.agenerate(request)
    err = info.value
    assert err.limit == 8192 and isinstance(err, BadRequestError)
    assert "at most 8192" in str(err) and "Range of max_tokens should be [1, 8192]" in str(err)
    assert err.status_code == 400 and err.request_id and len(emulator.requests) == 1
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is MaxTokensError and again.limit == 8192 and again.message == err.message


async def test_max_tokens_range_in_langchain_names_n(emulator: Emulator) -> None:
    from langchain_core.exceptions import ModelInvalidRequestError

    from langchain_dashscope_models import ChatDashScope

    emulator.add_model("qwen-next-unlisted")
    emulator.queue(
        Fault.http_error(400, "InvalidParameter", "Range of max_tokens should be [1, 8192]")
    )
    with pytest.raises(ModelInvalidRequestError, match="at most 8192") as info:
        ChatDashScope(model="qwen-next-unlisted", max_tokens=9000).invoke("Hi")
    assert isinstance(info.value, MaxTokensError) and info.value.limit == 8192
