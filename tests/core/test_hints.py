"""Errors and warnings that point the way, in both frameworks: a mistyped model id names the id
and suggests catalogued ids a small edit away; a 401 names the host and region called; a
``base_url`` of the OpenAI-compatible mode, or a malformed one, is refused when the class is
built; warnings point at the user's own line."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.exceptions import ModelAuthenticationError
from langchain_core.exceptions import ModelNotFoundError as LangChainModelNotFoundError

import dashscope_models._config as config_module
from dashscope_models import (
    AuthenticationError,
    ConfigurationError,
    DashScopeClient,
    GenerationRequest,
    Message,
    ModelNotFoundError,
)
from dashscope_models._hints import close_ids, explain
from dashscope_models.emulator import Emulator, start_emulator

FRAMEWORKS = ["langchain", "llamaindex"]


def make(framework: str, **kwargs: Any) -> Any:
    if framework == "langchain":
        from langchain_dashscope_models import ChatQwen

        return ChatQwen(**kwargs)
    from llamaindex_dashscope_models import Qwen

    return Qwen(**kwargs)


async def ask(model: Any, sync: bool, stream: bool = False) -> None:
    """One call of each framework's plain (or streamed) form."""
    if hasattr(model, "invoke"):  # LangChain
        if stream:
            if sync:
                list(model.stream("hi"))
            else:
                [c async for c in model.astream("hi")]
        else:
            model.invoke("hi") if sync else await model.ainvoke("hi")
    elif stream:
        if sync:
            list(model.stream_complete("hi"))
        else:
            [c async for c in await model.astream_complete("hi")]
    else:
        model.complete("hi") if sync else await model.acomplete("hi")


# ---- a model id that does not exist ---------------------------------------------------------


def test_close_ids_are_catalogued_ids_a_small_edit_away() -> None:
    assert close_ids("qwen-plsu") == ["qwen-plus"]  # a transposition is one edit
    assert close_ids("qwen-plus ") == ["qwen-plus"]
    assert close_ids("Qwen-Plus")[0] == "qwen-plus"
    assert close_ids("qwen3-mx")[0] == "qwen3-max"
    assert "qwen-plus" not in close_ids("qwen-plus")  # an id is not its own suggestion
    assert close_ids("gpt-4o-mini") == []
    assert len(close_ids("qwen2-7b-instruct")) <= 3


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
async def test_mistyped_model_names_it_and_suggests_the_catalogued_id(
    framework: str, stream: bool, sync: bool, emulator: Emulator
) -> None:
    with pytest.raises(ModelNotFoundError) as info:
        await ask(make(framework, model="qwen-plsu"), sync, stream)
    err = info.value
    assert err.hint == "model 'qwen-plsu' does not exist; did you mean 'qwen-plus'?"
    assert err.message == err.body["message"] == "Model not exist."  # the service's own text
    assert (err.status_code, err.code) == (400, "InvalidParameter") and err.request_id
    assert str(err).startswith(f"InvalidParameter: Model not exist. ({err.hint}) | status=400")
    if framework == "langchain":
        assert isinstance(err, LangChainModelNotFoundError)
    assert len(emulator.requests) == 1  # not retried


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_an_id_far_from_every_catalogued_one_says_where_to_look(
    framework: str, sync: bool, emulator: Emulator
) -> None:
    with pytest.raises(ModelNotFoundError) as info:
        await ask(make(framework, model="gpt-4o-mini"), sync)
    hint = info.value.hint or ""
    assert "'gpt-4o-mini' does not exist" in hint and "did you mean" not in hint
    assert "python -m dashscope_models.catalog" in hint


# ---- a key the service refuses --------------------------------------------------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
async def test_a_401_names_the_host_called_and_that_keys_are_region_bound(
    framework: str, stream: bool, sync: bool, base_url: str
) -> None:
    host = base_url.split("//", 1)[1].split("/", 1)[0]
    with pytest.raises(AuthenticationError) as info:
        await ask(make(framework, base_url=base_url, api_key="sk-of-another-region"), sync, stream)
    err = info.value
    assert err.message == "Invalid API-key provided."
    assert f"called {host}" in (err.hint or "") and "region-bound" in (err.hint or "")
    assert err.hint in str(err) and "sk-of-another-region" not in str(err) + repr(err)
    if framework == "langchain":
        assert isinstance(err, ModelAuthenticationError)


@pytest.mark.parametrize(
    ("root", "named"),
    [
        ("https://dashscope.aliyuncs.com/api/v1", "region 'cn-beijing' (beijing), the default"),
        ("https://dashscope-intl.aliyuncs.com/api/v1", "region 'ap-southeast-1' (singapore)"),
    ],
)
def test_a_401_from_a_region_names_the_region(root: str, named: str) -> None:
    err = AuthenticationError("Invalid API-key provided.", code="InvalidApiKey", status_code=401)
    explain(err, root + "/services/aigc/text-generation/generation", b'{"model": "qwen-plus"}')
    hint = err.hint or ""
    assert named in hint and "region-bound" in hint
    assert "Beijing console" in hint if "intl" in root else "region='singapore'" in hint


def test_explain_adds_nothing_to_other_errors_and_the_hint_survives_pickling() -> None:
    import pickle

    other = ConfigurationError("x")
    assert explain(other, "https://x/api/v1", b'{"model": "qwen-plsu"}').hint is None
    err = ModelNotFoundError("Model not exist.", code="InvalidParameter", status_code=400)
    explain(err, "https://x/api/v1", b"not json")
    assert err.hint is None  # no model id known: nothing to add
    explain(err, "https://x/api/v1", b'{"model": "qwen-plsu"}')
    again = pickle.loads(pickle.dumps(err))
    assert (again.hint, str(again)) == (err.hint, str(err))


def test_the_core_client_explains_too(emulator: Emulator) -> None:
    request = GenerationRequest(model="qwen-plsu", messages=[Message("user", "hi")])
    with pytest.raises(ModelNotFoundError, match="did you mean 'qwen-plus'"):
        DashScopeClient().generate(request)


# ---- base_url checked when the class is built -----------------------------------------------

COMPATIBLE = [
    "https://dashscope.aliyuncs.com/compatible-mode/v1",
    "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/",
]


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("url", COMPATIBLE)
def test_a_compatible_mode_base_url_is_refused_at_construction(
    framework: str, url: str, emulator: Emulator
) -> None:
    with pytest.raises(ConfigurationError) as info:
        make(framework, base_url=url)
    native = url.split("/compatible-mode")[0] + "/api/v1"
    assert info.value.code == "InvalidBaseUrl"
    assert "OpenAI-compatible mode" in info.value.message and repr(native) in info.value.message
    assert emulator.requests == []


def test_a_compatible_mode_environment_url_is_refused_at_construction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DASHSCOPE_BASE_URL", COMPATIBLE[0])
    for framework in FRAMEWORKS:
        with pytest.raises(ConfigurationError, match="DASHSCOPE_BASE_URL="):
            make(framework)


def test_the_batch_service_still_calls_its_compatible_mode_root(emulator: Emulator) -> None:
    # Its Files and Batches calls go to /compatible-mode/v1 of the base_url's host.
    request = GenerationRequest(model="qwen-plus", messages=[Message("user", "hi")])
    job = DashScopeClient().submit_batch([request])
    job.wait(poll_interval=0.01, progress=False)
    assert [r.text for r in job.results()] == ["[qwen-plus] You said: hi"]  # type: ignore[union-attr]
    job.cleanup()


def _rerank(framework: str, **kwargs: Any) -> Any:
    if framework == "langchain":
        from langchain_dashscope_models import DashScopeRerank

        return DashScopeRerank(**kwargs)
    from llamaindex_dashscope_models import DashScopeRerank as LlamaRerank

    return LlamaRerank(**kwargs)


def _embeddings(framework: str, **kwargs: Any) -> Any:
    if framework == "langchain":
        from langchain_dashscope_models import DashScopeEmbeddings

        return DashScopeEmbeddings(**kwargs)
    from llamaindex_dashscope_models import DashScopeEmbedding

    return DashScopeEmbedding(**kwargs)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("build", [make, _rerank, _embeddings], ids=["llm", "rerank", "embed"])
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"base_url": "ftp://x"}, "not a usable DashScope URL"),
        ({"base_url": "http://x:port"}, "not a usable DashScope URL"),
        ({"region": "mars"}, "Unknown DashScope region 'mars'"),
    ],
)
def test_bad_endpoint_settings_are_refused_when_the_class_is_built(
    framework: str, build: Callable[..., Any], kwargs: dict[str, str], match: str
) -> None:
    with pytest.raises(ConfigurationError, match=match):
        build(framework, **kwargs)


# ---- warnings point at the user's line ------------------------------------------------------


@pytest.mark.no_emulator_env
@pytest.mark.parametrize("framework", [*FRAMEWORKS, "core"])
async def test_the_placeholder_key_warning_points_at_the_line_building_the_model(
    framework: str, sync: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config_module, "_placeholder_warned", False)
    with start_emulator() as server:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if framework == "core":
                DashScopeClient(base_url=server.base_url)
            else:
                model = make(framework, base_url=server.base_url)
                await ask(model, sync)  # the call warns no more
        found = [w for w in caught if "No DashScope API key set" in str(w.message)]
    assert len(found) == 1
    assert found[0].filename == __file__, found[0].filename


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_an_unknown_argument_warning_points_at_the_callers_line(framework: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make(framework, temprature=0.2)
    assert [w.filename for w in caught] == [__file__]
