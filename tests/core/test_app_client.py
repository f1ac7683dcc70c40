"""``_app_client``: application calls through the client's senders and retries (in process)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from dashscope_models import (
    AppRequest,
    AuthenticationError,
    DashScopeClient,
    RateLimitError,
    StreamError,
)
from dashscope_models.emulator import App, AppDocument, Emulator, EmulatorTransport, Fault

REQUEST = AppRequest(app_id="kb", prompt="How much does the Nimbus cost?")


@pytest.fixture
def emulator() -> Emulator:
    docs = [AppDocument("The Nimbus costs 4000 EUR.", "Nimbus")]
    return Emulator(api_key="sk-test", apps=[App.rag("kb", docs)])


@pytest.fixture
def client(emulator: Emulator) -> Iterator[DashScopeClient]:
    with DashScopeClient(api_key="sk-test", base_url="http://emulator/api/v1",
                         transport=EmulatorTransport(emulator), max_retries=2) as made:  # fmt: skip
        yield made


def test_a_throttled_call_is_retried(emulator: Emulator, client: DashScopeClient) -> None:
    emulator.queue(Fault.rate_limit(retry_after=0.001))
    assert "4000 EUR" in client.call_app(REQUEST).text
    assert len(emulator.requests) == 2
    assert emulator.requests[0].path == "/api/v1/apps/kb/completion"


def test_retries_run_out_into_the_typed_error(emulator: Emulator, client: DashScopeClient) -> None:
    emulator.queue(Fault.rate_limit(retry_after=0.001, times=3))
    with pytest.raises(RateLimitError):
        client.call_app(REQUEST)
    assert len(emulator.requests) == 3


def test_a_stream_is_retried_before_its_first_event_only(
    emulator: Emulator, client: DashScopeClient
) -> None:
    emulator.queue(Fault.server_error())
    assert "4000 EUR" in "".join(c.text for c in client.stream_app(REQUEST))
    assert len(emulator.requests) == 2
    assert emulator.requests[-1].headers["accept"] == "text/event-stream"
    emulator.clear()
    emulator.queue(Fault.drop(after=2))
    with pytest.raises(StreamError, match="broke after 2 events"):
        list(client.stream_app(REQUEST))
    assert len(emulator.requests) == 1  # two events were delivered: never sent again


def test_async_calls_and_streams(emulator: Emulator, client: DashScopeClient) -> None:
    async def run() -> tuple[str, str]:
        emulator.queue(Fault.rate_limit(retry_after=0.001))
        result = await client.acall_app(REQUEST)
        streamed = "".join([c.text async for c in client.astream_app(REQUEST)])
        await client.aclose()
        return result.text, streamed

    text, streamed = asyncio.run(run())
    assert text == streamed and "<ref>[1]</ref>" in text


def test_a_wrong_key_is_an_authentication_error(emulator: Emulator) -> None:
    wrong = DashScopeClient(api_key="sk-wrong", base_url="http://emulator/api/v1",
                            transport=EmulatorTransport(emulator))  # fmt: skip
    with pytest.raises(AuthenticationError):
        wrong.call_app(REQUEST)
