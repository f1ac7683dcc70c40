"""Configuration: precedence of base_url / region / environment, and the API key rules; then the
misconfiguration a new user meets in the first hour (issue 16), against the real emulator:
a bad ``base_url`` is a ``ConfigurationError`` at once, a root URL gets ``/api/v1``, connection
errors name the host, the emulator answers only under its API roots, and a loopback
``base_url`` with no key uses a placeholder key with one warning."""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
import textwrap
import time

import httpx
import pytest
from pydantic import SecretStr

from dashscope_models import (
    APIConnectionError,
    ClientConfig,
    ConfigurationError,
    DashScopeClient,
    GenerationRequest,
    Message,
    NotFoundError,
)
from dashscope_models.emulator import Emulator, start_emulator


def test_default_is_beijing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASHSCOPE_BASE_URL", raising=False)
    assert ClientConfig.resolve().base_url == "https://dashscope.aliyuncs.com/api/v1"


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("singapore", "https://dashscope-intl.aliyuncs.com/api/v1"),
        ("ap-southeast-1", "https://dashscope-intl.aliyuncs.com/api/v1"),
        ("us-east-1", "https://dashscope-us.aliyuncs.com/api/v1"),
        ("cn-hongkong", "https://cn-hongkong.dashscope.aliyuncs.com/api/v1"),
        ("Beijing", "https://dashscope.aliyuncs.com/api/v1"),
    ],
)
def test_region_shortcut(region: str, url: str) -> None:
    assert ClientConfig.resolve(region=region).base_url == url


def test_precedence_base_url_then_region_then_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHSCOPE_BASE_URL", "http://env.example/api/v1/")
    assert ClientConfig.resolve().base_url == "http://env.example/api/v1"
    assert ClientConfig.resolve(region="intl").base_url.startswith("https://dashscope-intl")
    explicit = ClientConfig.resolve(region="intl", base_url="http://127.0.0.1:1/api/v1")
    assert explicit.base_url == "http://127.0.0.1:1/api/v1"


def test_unknown_region_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="Unknown DashScope region 'mars'"):
        ClientConfig.resolve(region="mars")


@pytest.mark.parametrize(
    ("region", "code"),
    [
        ("eu-central-1", "eu-central-1"),
        ("frankfurt", "eu-central-1"),
        ("ap-northeast-1", "ap-northeast-1"),
        ("Tokyo", "ap-northeast-1"),
        ("singapore", "ap-southeast-1"),
        ("us-east-1", "us-east-1"),
        ("virginia", "us-east-1"),
    ],
)
def test_a_region_with_workspace_hosts_and_a_workspace_gives_the_workspace_host(
    region: str, code: str
) -> None:
    client = DashScopeClient(api_key="sk-1", region=region, workspace="ws-abc123")
    assert client.config.base_url == f"https://ws-abc123.{code}.maas.aliyuncs.com/api/v1"
    assert client.config.workspace == "ws-abc123"  # the header is sent too


def test_the_issue_examples_for_frankfurt_and_tokyo() -> None:
    frankfurt = DashScopeClient(api_key="sk-1", region="eu-central-1", workspace="ws-abc123")
    assert frankfurt.config.base_url == "https://ws-abc123.eu-central-1.maas.aliyuncs.com/api/v1"
    tokyo = DashScopeClient(api_key="sk-1", region="ap-northeast-1", workspace="ws-abc123")
    assert tokyo.config.base_url == "https://ws-abc123.ap-northeast-1.maas.aliyuncs.com/api/v1"


@pytest.mark.parametrize("region", ["singapore", "us-east-1", "beijing", "hongkong", "finance"])
def test_shared_hosts_without_a_workspace_and_regions_without_workspace_hosts(
    region: str,
) -> None:
    shared = ClientConfig.resolve(region=region).base_url
    assert "maas" not in shared
    if region in ("beijing", "hongkong", "finance"):  # no workspace host documented
        with_workspace = ClientConfig.resolve(region=region, workspace="ws-1")
        assert with_workspace.base_url == shared and with_workspace.workspace == "ws-1"


@pytest.mark.parametrize("region", ["eu-central-1", "frankfurt", "ap-northeast-1", "tokyo"])
def test_a_workspace_only_region_without_a_workspace_is_refused_at_once(region: str) -> None:
    with pytest.raises(ConfigurationError, match=f"region='{region}'.*workspace=") as info:
        DashScopeClient(api_key="sk-1", region=region)
    assert info.value.code == "WorkspaceRequired"
    explicit = ClientConfig.resolve(region=region, base_url="http://127.0.0.1:1/api/v1")
    assert explicit.base_url == "http://127.0.0.1:1/api/v1"  # base_url still wins


def test_a_workspace_that_cannot_name_a_host_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"workspace='ws/evil\.example'") as info:
        ClientConfig.resolve(region="frankfurt", workspace="ws/evil.example")
    assert info.value.code == "InvalidWorkspace"
    underscore = ClientConfig.resolve(region="singapore", workspace="ws_QTggmeA")
    assert underscore.base_url == "https://ws_QTggmeA.ap-southeast-1.maas.aliyuncs.com/api/v1"


def test_regions_lists_every_name() -> None:
    from dashscope_models._config import REGIONS, WORKSPACE_REGIONS

    assert REGIONS["tokyo"] == "https://{workspace}.ap-northeast-1.maas.aliyuncs.com/api/v1"
    assert {"frankfurt", "tokyo", "singapore", "virginia"} <= WORKSPACE_REGIONS
    assert "beijing" not in WORKSPACE_REGIONS


def test_framework_classes_refuse_a_workspace_only_region_at_construction() -> None:
    from langchain_dashscope_models import ChatQwen
    from llamaindex_dashscope_models import Qwen

    for cls in (ChatQwen, Qwen):
        with pytest.raises(ValueError, match="WorkspaceRequired"):
            cls(region="frankfurt")
        model = cls(region="frankfurt", workspace="ws-abc123")
        assert model.client.config.base_url.startswith("https://ws-abc123.eu-central-1.maas")


def test_missing_key_is_raised_at_first_request_not_construction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DASHSCOPE_API_KEY", raising=False)
    monkeypatch.delenv("DASHSCOPE_BASE_URL", raising=False)  # a loopback URL gets a placeholder
    config = ClientConfig.resolve()  # no error here
    with pytest.raises(ConfigurationError, match="DASHSCOPE_API_KEY") as info:
        config.bearer()
    assert info.value.code == "MissingApiKey"


def test_key_from_env_and_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-env")
    assert ClientConfig.resolve().bearer() == "Bearer sk-env"
    assert ClientConfig.resolve(api_key="sk-arg").bearer() == "Bearer sk-arg"
    assert ClientConfig.resolve(api_key=SecretStr("sk-s")).bearer() == "Bearer sk-s"


def test_secret_never_in_repr_or_pickle_of_errors() -> None:
    config = ClientConfig.resolve(api_key="sk-very-secret")
    client = DashScopeClient(config=config)
    assert "sk-very-secret" not in repr(config)
    assert "sk-very-secret" not in repr(client)
    assert "sk-very-secret" not in str(config)


@pytest.mark.parametrize(("field", "value"), [("timeout", 0), ("max_retries", -1)])
def test_bad_numbers_rejected(field: str, value: float) -> None:
    with pytest.raises(ConfigurationError):
        ClientConfig.resolve(**{field: value})


def test_pool_key_ignores_the_key() -> None:
    a = ClientConfig.resolve(api_key="a", base_url="http://h/api/v1")
    b = ClientConfig.resolve(api_key="b", base_url="http://h/api/v1")
    assert a.pool_key == b.pool_key


def test_config_pickles_without_losing_settings() -> None:
    config = ClientConfig.resolve(base_url="http://h/api/v1", workspace="ws_1", timeout=5)
    again = pickle.loads(pickle.dumps(config))
    assert again.base_url == config.base_url and again.workspace == "ws_1" and again.timeout == 5


# Misconfiguration in the first hour (issue 16).

ASK = GenerationRequest(model="qwen-plus", messages=[Message("user", "Hi")])
BAD_URLS = ["not a url", "http//x", "ftp://x", "http://", "http://a b/api/v1", "http://x:port"]
PLACEHOLDER_WARNING = "ignore:No DashScope API key set:UserWarning"


async def generate(client: DashScopeClient, sync: bool) -> str:
    return (client.generate(ASK) if sync else await client.agenerate(ASK)).text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("url", BAD_URLS)
def test_malformed_base_url_is_a_configuration_error_naming_it(url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        DashScopeClient(base_url=url, api_key="sk-x")
    assert isinstance(info.value, ValueError)
    assert repr(url) in str(info.value) and info.value.code == "InvalidBaseUrl"


def test_a_malformed_url_with_credentials_is_named_without_them() -> None:
    with pytest.raises(ConfigurationError) as info:
        DashScopeClient(base_url="ftp://bob:s3cret@x.example/api/v1", api_key="sk-x")
    assert "s3cret" not in str(info.value) and "'ftp://***@x.example/api/v1'" in str(info.value)


def test_malformed_environment_url_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHSCOPE_BASE_URL", "http//127.0.0.1:8000")
    with pytest.raises(ConfigurationError, match=r"DASHSCOPE_BASE_URL='http//127.0.0.1:8000'"):
        DashScopeClient()


@pytest.mark.parametrize("url", ["not a url", "ftp://x"])
async def test_adapters_raise_it_at_once_without_retrying(
    url: str, emulator: Emulator, sync: bool
) -> None:
    from langchain_dashscope_models import ChatQwen
    from llamaindex_dashscope_models import Qwen

    start = time.perf_counter()
    with pytest.raises(ConfigurationError, match="not a usable DashScope URL"):
        chat = ChatQwen(base_url=url)
        chat.invoke("Hi") if sync else await chat.ainvoke("Hi")
    with pytest.raises(ConfigurationError, match="not a usable DashScope URL"):
        llm = Qwen(base_url=url)
        llm.complete("Hi") if sync else await llm.acomplete("Hi")
    assert time.perf_counter() - start < 0.5  # no backoff (a retried one took ~1.35 s)
    assert emulator.requests == []


@pytest.mark.parametrize("suffix", ["", "/"])
async def test_url_without_a_path_gets_the_api_root(
    base_url: str, emulator: Emulator, suffix: str, sync: bool
) -> None:
    root = base_url.removesuffix("/api/v1") + suffix
    client = DashScopeClient(base_url=root)
    assert client.config.base_url == base_url
    assert await generate(client, sync) == "[qwen-plus] You said: Hi"
    assert [r.path for r in emulator.requests] == [
        "/api/v1/services/aigc/text-generation/generation"
    ]


async def test_another_path_is_kept_and_the_emulator_refuses_it_as_the_service(
    base_url: str, emulator: Emulator, sync: bool
) -> None:
    wrong = base_url.removesuffix("/api/v1") + "/v1"
    client = DashScopeClient(base_url=wrong, max_retries=2)
    assert client.config.base_url == wrong
    with pytest.raises(NotFoundError) as info:
        await generate(client, sync)
    assert (info.value.status_code, info.value.code) == (404, "InvalidURL")
    assert len(emulator.requests) == 1  # a 404 is not retried


def test_emulator_answers_only_under_its_api_roots(base_url: str) -> None:
    root = base_url.removesuffix("/api/v1")
    headers = {"Authorization": "Bearer sk-test-emulator-key"}
    body = {"model": "qwen-plus", "input": {"prompt": "Hi"}}
    good = httpx.post(
        f"{base_url}/services/aigc/text-generation/generation", json=body, headers=headers
    )
    assert good.status_code == 200
    for path in [
        "/services/aigc/text-generation/generation",
        "/",
        "/v1/services/aigc/text-generation/generation",
    ]:
        answer = httpx.post(root + path, json=body, headers=headers)
        assert answer.status_code == 404, path
        assert answer.json()["code"] == "InvalidURL", path
        assert answer.json()["message"] == "Invalid URL provided in your request."
    # The OpenAI-compatible root is the service's too (the Batch service lives there).
    other = httpx.get(root + "/compatible-mode/v1/no-such-thing", headers=headers)
    assert other.status_code == 404 and "InvalidURL" not in other.text


async def test_connection_errors_name_the_host(sync: bool) -> None:
    port = free_port()  # nothing listens there now
    client = DashScopeClient(base_url=f"http://127.0.0.1:{port}/api/v1", max_retries=0)
    with pytest.raises(APIConnectionError) as info:
        await generate(client, sync)
    assert f"could not reach DashScope at 127.0.0.1:{port}" in str(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None


@pytest.mark.no_emulator_env
@pytest.mark.filterwarnings(PLACEHOLDER_WARNING)
async def test_loopback_url_without_key_uses_a_placeholder(sync: bool) -> None:
    with start_emulator() as server:  # started without --api-key: any key is accepted
        client = DashScopeClient(base_url=server.base_url)
        assert await generate(client, sync) == "[qwen-plus] You said: Hi"
        sent = server.emulator.requests[0].headers["authorization"]
        assert sent == "Bearer sk-local-placeholder"
        await client.aclose()


_SCRIPT = """
import warnings
warnings.simplefilter("always")
from dashscope_models import DashScopeClient, GenerationRequest, Message, ConfigurationError
from langchain_dashscope_models import ChatQwen
ask = GenerationRequest(model="qwen-plus", messages=[Message("user", "Hi")])
print(DashScopeClient().generate(ask).text)
print(DashScopeClient(base_url="http://localhost:{port}").generate(ask).text)
print(ChatQwen().invoke("Hello").content)
try:
    DashScopeClient(base_url="https://dashscope-intl.aliyuncs.com/api/v1").generate(ask)
except ConfigurationError as err:
    print(err.code)
"""


def test_placeholder_warning_is_given_once_and_never_for_a_remote_host() -> None:
    with start_emulator() as server:
        env = {"PATH": os.environ.get("PATH", ""), "DASHSCOPE_BASE_URL": server.base_url}
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(_SCRIPT.format(port=server.port))],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "[qwen-plus] You said: Hi",
        "[qwen-plus] You said: Hi",
        "[qwen-plus] You said: Hello",
        "MissingApiKey",
    ]
    assert done.stderr.count("No DashScope API key set") == 1, done.stderr
    assert "placeholder key for the local address" in done.stderr
