"""``_budget``: Moonshot's shared context (a certain lower bound of the input plus max_tokens),
checked before any request (issue 16). Over the emulator's HTTP server; every refusal is checked
to have sent nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from dashscope_models import (
    BadRequestError,
    DashScopeClient,
    GenerationRequest,
    Message,
    RequestValidationError,
)
from dashscope_models._budget import lower_bound_tokens
from dashscope_models.emulator import Emulator

Refused = Callable[[Callable[[], Any]], Awaitable[RequestValidationError]]


def call(client: DashScopeClient, request: GenerationRequest, sync: bool) -> Any:
    return client.generate(request) if sync else client.agenerate(request)


@pytest.fixture
def client(base_url: str) -> DashScopeClient:
    return DashScopeClient(base_url=base_url, max_retries=2)


def test_lower_bound_counts_runs_of_non_space() -> None:
    assert lower_bound_tokens("What is the capital of France?") == 6
    assert lower_bound_tokens("") == 0
    assert lower_bound_tokens("北京是中国的首都。") == 1  # one run: at least one token


@pytest.mark.parametrize(
    ("text", "kwargs", "shown"),
    [
        ("word " * 7500, {"max_tokens": 1000}, "max_tokens=1000"),
        ("word " * 7500, {}, "the default max_tokens (1024)"),
        ("word " * 7500, {"extra_parameters": {"max_completion_tokens": 1000}}, "max_tokens=1000"),
        ("word " * 9000, {"max_tokens": 10}, "shorten the input"),
    ],
)
async def test_moonshot_input_plus_max_tokens_certainly_over_the_context(
    client: DashScopeClient,
    refused: Refused,
    text: str,
    kwargs: dict[str, Any],
    shown: str,
    sync: bool,
) -> None:
    request = GenerationRequest(model="moonshot-v1-8k", messages=[Message("user", text)], **kwargs)
    err = await refused(lambda: call(client, request, sync))
    assert err.code == "ContextLengthExceeded"
    assert "8192-token context" in err.message and shown in err.message


async def test_moonshot_request_that_may_fit_is_sent(
    client: DashScopeClient, emulator: Emulator, sync: bool
) -> None:
    fits = GenerationRequest(
        model="moonshot-v1-8k", messages=[Message("user", "word " * 100)], max_tokens=8000
    )
    result = client.generate(fits) if sync else await client.agenerate(fits)
    assert result.text and len(emulator.requests) == 1
    # At the bound (7,168 runs + the default 1,024 = 8,192) it may fit: sent, and the service
    # (which counts 5 characters of "word " as more than one token) decides.
    edge = GenerationRequest(model="moonshot-v1-8k", messages=[Message("user", "word " * 7168)])
    with pytest.raises(BadRequestError):
        client.generate(edge) if sync else await client.agenerate(edge)
    assert len(emulator.requests) == 2
