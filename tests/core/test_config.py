"""Configuration: precedence of base_url / region / environment, and the API key rules."""

from __future__ import annotations

import pickle

import pytest
from pydantic import SecretStr

from dashscope_models import ClientConfig, ConfigurationError, DashScopeClient


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
