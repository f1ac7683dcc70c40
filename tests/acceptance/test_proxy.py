"""Every path goes through the proxy the environment (or ``proxy=``) names, and TLS trusts
``SSL_CERT_FILE``: a real forward proxy on 127.0.0.1 (below) in front of the test emulator,
and a ``base_url`` host that only the proxy can reach (it maps every host to the emulator).

Checked for the LangChain and LlamaIndex classes sync, async, streamed and async-streamed, and
for embeddings, rerank and the Batch service (files and batches), on the sync and async paths.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dashscope_models import (
    APIConnectionError,
    DashScopeClient,
    GenerationRequest,
    RerankRequest,
    aclose_pools,
    close_pools,
)
from dashscope_models.emulator import Emulator, EmulatorServer, Reply
from langchain_dashscope_models import ChatQwen, DashScopeEmbeddings
from llamaindex_dashscope_models import Qwen

ONLY_VIA_PROXY = "http://dashscope.proxy-only.test/api/v1"  # no DNS answers for .test


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _read_head(sock: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head:
        data = sock.recv(65536)
        if not data:
            break
        head += data
    return head


class ForwardProxy:
    """An HTTP forward proxy on 127.0.0.1: ``GET http://host/path`` is forwarded (as
    ``GET /path``, one request per connection) and ``CONNECT host:port`` tunnelled, both to
    ``upstream`` whatever the host; ``seen`` lists each request line it received."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.seen: list[str] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        head = _read_head(client)
        line, _, rest = head.partition(b"\r\n")
        method, target, version = line.decode("latin-1").split(" ", 2)
        self.seen.append(f"{method} {target}")
        upstream = socket.create_connection(self.upstream)
        if method == "CONNECT":
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            early = rest.partition(b"\r\n\r\n")[2]  # bytes sent before our answer, if any
            if early:
                upstream.sendall(early)
        else:
            path = "/" + target.split("://", 1)[1].partition("/")[2]  # "http://host": "/"
            headers, _, body = rest.partition(b"\r\n\r\n")
            kept = [h for h in headers.split(b"\r\n") if not h.lower().startswith(b"connection:")]
            kept = [h for h in kept if not h.lower().startswith(b"proxy-")]
            upstream.sendall(
                f"{method} {path} {version}\r\n".encode("latin-1")
                + b"\r\n".join([*kept, b"Connection: close"])
                + b"\r\n\r\n"
                + body
            )
        threading.Thread(target=_pipe, args=(client, upstream), daemon=True).start()
        _pipe(upstream, client)

    def close(self) -> None:
        self._server.close()


def _address(server: EmulatorServer) -> tuple[str, int]:
    host_port = server.base_url.split("://", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    return host, int(port)


@pytest.fixture
async def proxy(emulator_server: EmulatorServer) -> Any:
    close_pools()  # pools read the environment when made: none may predate the test's setting
    await aclose_pools()
    forward = ForwardProxy(_address(emulator_server))
    yield forward
    forward.close()
    close_pools()
    await aclose_pools()


@pytest.fixture
def via_env(proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch) -> ForwardProxy:
    for name in ("HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "https_proxy", "all_proxy", "no_proxy",
                 "http_proxy"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("DASHSCOPE_BASE_URL", ONLY_VIA_PROXY)
    return proxy


def _proxied(proxy: ForwardProxy, *paths: str) -> None:
    for path in paths:
        assert any(path in line and "proxy-only.test" in line for line in proxy.seen), (
            path,
            proxy.seen,
        )


# -- the frameworks' classes ------------------------------------------------------------------

_GENERATION = "/services/aigc/text-generation/generation"


async def test_langchain_chat_model_on_every_path(
    via_env: ForwardProxy, emulator: Emulator
) -> None:
    model = ChatQwen(model="qwen-plus")
    for _ in range(2):
        emulator.queue(Reply(text="sync"), Reply(chunks=["s", "t"]))
        emulator.queue(Reply(text="async"), Reply(chunks=["a", "t"]))
    assert model.invoke("hi").content == "sync"
    assert "".join(str(c.content) for c in model.stream("hi")) == "st"
    assert (await model.ainvoke("hi")).content == "async"
    assert "".join([str(c.content) async for c in model.astream("hi")]) == "at"
    assert len(via_env.seen) == 4
    _proxied(via_env, _GENERATION)


async def test_llamaindex_llm_on_every_path(via_env: ForwardProxy, emulator: Emulator) -> None:
    llm = Qwen(model="qwen-plus")
    emulator.queue(Reply(text="sync"), Reply(chunks=["s", "t"]))
    emulator.queue(Reply(text="async"), Reply(chunks=["a", "t"]))
    assert llm.complete("hi").text == "sync"
    assert [r.text for r in llm.stream_complete("hi")][-1] == "st"
    assert (await llm.acomplete("hi")).text == "async"
    assert [r.text async for r in await llm.astream_complete("hi")][-1] == "at"
    assert len(via_env.seen) == 4
    _proxied(via_env, _GENERATION)


async def test_embeddings_on_both_paths(via_env: ForwardProxy, emulator: Emulator) -> None:
    embeddings = DashScopeEmbeddings(model="text-embedding-v4", dimensions=64)
    assert len(embeddings.embed_documents(["a", "b"])) == 2
    assert len(await embeddings.aembed_documents(["a", "b"])) == 2
    assert len(via_env.seen) == 2
    _proxied(via_env, "/services/embeddings/text-embedding/text-embedding")


# -- the core client: rerank and the Batch service --------------------------------------------


async def test_rerank_on_both_paths(via_env: ForwardProxy, emulator: Emulator) -> None:
    client = DashScopeClient()
    request = RerankRequest(model="gte-rerank-v2", query="q", documents=["a", "b"])
    assert len(client.rerank(request).results) == 2
    assert len((await client.arerank(request)).results) == 2
    _proxied(via_env, "/services/rerank/text-rerank/text-rerank")


async def test_batch_files_and_batches_on_both_paths(
    via_env: ForwardProxy, emulator: Emulator, sync: bool
) -> None:
    client = DashScopeClient()
    requests = [GenerationRequest(model="qwen-plus", prompt=f"q{i}") for i in range(3)]
    if sync:
        job = client.submit_batch(requests)
        results = job.results() if job.status().done else []
        job.cleanup()
    else:
        job = await client.asubmit_batch(requests)
        results = await job.aresults() if (await job.astatus()).done else []
        await job.acleanup()
    assert len(results) == 3 and not any(isinstance(r, Exception) for r in results)
    _proxied(via_env, "/compatible-mode/v1/files", "/compatible-mode/v1/batches")


async def test_uploads_on_both_paths(
    via_env: ForwardProxy, emulator: Emulator, sync: bool, tmp_path: Path
) -> None:
    # A document (the Files API), a large local image (the upload policy, then the policy's
    # upload host, which is the host called) and the generations: all through the proxy.
    from dashscope_models import Message
    from dashscope_models._attachments import INLINE_LIMIT
    from dashscope_models._uploads import forget_uploads

    forget_uploads()
    image = tmp_path / "big.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (INLINE_LIMIT + 1))
    doc = "data:text/plain;base64,SXRzIGJ1ZGdldCBpcyAxMiwwMDAgRVVSLg=="
    q = {"text": "What is it?"}
    requests = [
        GenerationRequest(model="qwen-long", messages=[Message("user", [{"document": doc}, q])]),
        GenerationRequest(
            model="qwen-vl-plus", messages=[Message("user", [{"image": image.as_uri()}, q])]
        ),
    ]
    client = DashScopeClient()
    for request in requests:
        _ = client.generate(request) if sync else await client.agenerate(request)
    assert emulator.uploads.received == 2
    _proxied(via_env, "/compatible-mode/v1/files", "/api/v1/uploads?action=getPolicy")
    seen = [line.rstrip("/") for line in via_env.seen]
    assert "POST http://dashscope.proxy-only.test" in seen  # the upload host
    assert not [line for line in via_env.seen if "proxy-only.test" not in line]


# -- NO_PROXY and proxy= ----------------------------------------------------------------------


async def test_no_proxy_sends_straight(
    proxy: ForwardProxy, base_url: str, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    client = DashScopeClient(base_url=base_url)
    emulator.queue(Reply(text="direct"), Reply(chunks=["d"]), Reply(text="adirect"))
    assert client.generate(GenerationRequest(model="qwen-plus", prompt="hi")).text == "direct"
    assert [c.text for c in client.stream(GenerationRequest(model="qwen-plus", prompt="x"))]
    assert (await client.agenerate(GenerationRequest(model="qwen-plus", prompt="hi"))).text
    assert proxy.seen == []


async def test_no_proxy_names_the_unreachable_host(
    proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch, sync: bool
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "proxy-only.test")  # the host and its subdomains
    client = DashScopeClient(base_url=ONLY_VIA_PROXY, max_retries=0)
    request = GenerationRequest(model="qwen-plus", prompt="hi")
    with pytest.raises(APIConnectionError, match=r"dashscope\.proxy-only\.test"):
        client.generate(request) if sync else await client.agenerate(request)
    assert proxy.seen == []


async def test_the_proxy_setting_overrides_the_environment(
    proxy: ForwardProxy, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = socket.create_server(("127.0.0.1", 0))  # a proxy that never answers
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead.getsockname()[1]}")
    monkeypatch.setenv("NO_PROXY", "proxy-only.test")
    try:
        model = ChatQwen(model="qwen-plus", base_url=ONLY_VIA_PROXY, proxy=proxy.url)
        llm = Qwen(model="qwen-plus", base_url=ONLY_VIA_PROXY, proxy=proxy.url)
        emulator.queue(Reply(text="one"), Reply(chunks=["t", "wo"]), Reply(text="three"))
        emulator.queue(Reply(chunks=["fo", "ur"]))
        assert model.invoke("hi").content == "one"
        assert "".join([str(c.content) async for c in model.astream("hi")]) == "two"
        assert (await llm.acomplete("hi")).text == "three"
        assert [r.text for r in llm.stream_complete("hi")][-1] == "four"
    finally:
        dead.close()
    assert len(proxy.seen) == 4
    _proxied(proxy, _GENERATION)
    assert "proxy" not in model.model_dump() and proxy.url not in repr(model)


# -- certificates: SSL_CERT_FILE on the async path --------------------------------------------


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_front(emulator_server: EmulatorServer, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A TLS server on 127.0.0.1 with a self-signed certificate, piping to the emulator:
    ``(its https base_url, the certificate file)``."""
    cert_file, key_file = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    server = socket.create_server(("127.0.0.1", 0))
    upstream = _address(emulator_server)

    def accept() -> None:
        while True:
            try:
                raw, _ = server.accept()
            except OSError:
                return
            try:
                client = context.wrap_socket(raw, server_side=True)
            except (OSError, ssl.SSLError):
                raw.close()  # a client that refused our certificate
                continue
            sink = socket.create_connection(upstream)
            threading.Thread(target=_pipe, args=(client, sink), daemon=True).start()
            threading.Thread(target=_pipe, args=(sink, client), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"https://127.0.0.1:{server.getsockname()[1]}/api/v1", cert_file
    server.close()


async def _agenerate(url: str) -> str:
    async with DashScopeClient(base_url=url, max_retries=0) as client:
        answer = await client.agenerate(GenerationRequest(model="qwen-plus", prompt="hi"))
        chunks = [c.text async for c in client.astream(GenerationRequest(model="qwen-plus",
                                                                         prompt="x"))]  # fmt: skip
        return answer.text + "".join(chunks)


async def test_ssl_cert_file_is_trusted_on_the_async_path(
    tls_front: tuple[str, Path], emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cert_file = tls_front
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    await aclose_pools()
    with pytest.raises(APIConnectionError, match=r"(?i)certificate"):
        await _agenerate(url)  # certifi's CAs do not know our certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    emulator.queue(Reply(text="trusted"), Reply(chunks=["!"]))
    assert await _agenerate(url) == "trusted!"


def test_ssl_cert_file_is_trusted_on_the_sync_paths(
    tls_front: tuple[str, Path], emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cert_file = tls_front
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    close_pools()
    emulator.queue(Reply(text="trusted"), Reply(chunks=["!"]))
    with DashScopeClient(base_url=url, max_retries=0) as client:
        assert client.generate(GenerationRequest(model="qwen-plus", prompt="hi")).text == "trusted"
        assert [c.text for c in client.stream(GenerationRequest(model="qwen-plus", prompt="x"))]
