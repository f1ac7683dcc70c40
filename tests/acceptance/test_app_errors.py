"""Application calls' errors point the way, in both frameworks, plain and streamed, sync and
async: a 401 names the host and region called (keys are region-bound), as a model call's does;
an unknown app id's not-found error names the app id and the host and workspace called."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.exceptions import ModelAuthenticationError
from langchain_core.exceptions import ModelNotFoundError as LangChainNotFoundError

from dashscope_models import AuthenticationError, NotFoundError
from dashscope_models._hints import explain
from dashscope_models.emulator import App, Emulator
from langchain_dashscope_models import ChatDashScopeApp
from llamaindex_dashscope_models import DashScopeApp, DashScopeAppQueryEngine

FRAMEWORKS = ["langchain", "llamaindex"]


def make(framework: str, **kwargs: Any) -> Any:
    kwargs.setdefault("max_retries", 0)
    if framework == "langchain":
        return ChatDashScopeApp(**kwargs)
    return DashScopeApp(**kwargs)


async def ask(app: Any, sync: bool, stream: bool) -> None:
    """One call of each framework's plain (or streamed) form."""
    if isinstance(app, ChatDashScopeApp):
        if stream:
            list(app.stream("hi")) if sync else [c async for c in app.astream("hi")]
        else:
            app.invoke("hi") if sync else await app.ainvoke("hi")
    elif stream:
        if sync:
            list(app.stream_complete("hi"))
        else:
            [c async for c in await app.astream_complete("hi")]
    else:
        app.complete("hi") if sync else await app.acomplete("hi")


def host(base_url: str) -> str:
    return base_url.split("//", 1)[1].split("/", 1)[0]


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
async def test_a_401_names_the_host_called_and_that_keys_are_region_bound(
    framework: str, stream: bool, sync: bool, base_url: str, emulator: Emulator
) -> None:
    emulator.add_app(App.agent("bot"))
    app = make(framework, app_id="bot", base_url=base_url, api_key="sk-of-another-region")
    with pytest.raises(AuthenticationError) as info:
        await ask(app, sync, stream)
    err = info.value
    assert err.message == "Invalid API-key provided." and err.status_code == 401
    hint = err.hint or ""
    assert f"called {host(base_url)} (a base_url of your own)" in hint
    assert "region-bound" in hint and hint in str(err)
    assert "sk-of-another-region" not in str(err) + repr(err)
    if framework == "langchain":
        assert isinstance(err, ModelAuthenticationError)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
async def test_an_unknown_app_id_names_the_id_host_and_workspace(
    framework: str, stream: bool, sync: bool, base_url: str, emulator: Emulator
) -> None:
    with pytest.raises(NotFoundError) as info:
        await ask(make(framework, app_id="no-such-app"), sync, stream)
    err = info.value
    assert (err.status_code, err.code) == (404, "NotFound") and err.request_id
    assert err.hint == (
        f"app 'no-such-app' was not found at {host(base_url)} (a base_url of your own), no "
        "workspace given; check the app id (on the app's card in the Model Studio console) "
        "and, for an app of a sub-workspace, pass workspace='ws-...'"
    )
    assert err.hint in str(err)
    if framework == "langchain":
        assert isinstance(err, LangChainNotFoundError)
    assert len(emulator.requests) == 1  # a 404 is not retried

    in_workspace = make(framework, app_id="no-such-app", workspace="ws-team1")
    with pytest.raises(NotFoundError, match="workspace 'ws-team1'; check the app id"):
        await ask(in_workspace, sync, stream)
    assert emulator.requests[-1].headers["x-dashscope-workspace"] == "ws-team1"


async def test_the_streaming_query_engine_raises_it_from_query(
    sync: bool, base_url: str, emulator: Emulator
) -> None:
    engine = DashScopeAppQueryEngine(app_id="no-such-app", streaming=True, max_retries=0)
    with pytest.raises(NotFoundError, match="app 'no-such-app' was not found at"):
        engine.query("hi") if sync else await engine.aquery("hi")
    wrong = DashScopeAppQueryEngine(app_id="bot", streaming=True, api_key="sk-wrong")
    with pytest.raises(AuthenticationError, match="region-bound"):
        wrong.query("hi") if sync else await wrong.aquery("hi")


BEIJING = "dashscope.aliyuncs.com, region 'cn-beijing' (beijing), the default"
FRANKFURT = "ws-2.eu-central-1.maas.aliyuncs.com, region 'eu-central-1' (frankfurt)"


@pytest.mark.parametrize(
    ("root", "workspace", "called", "where"),
    [
        ("https://dashscope.aliyuncs.com/api/v1", None, BEIJING, "no workspace given"),
        ("https://dashscope.aliyuncs.com/api/v1", "ws-1", BEIJING, "workspace 'ws-1'"),
        ("https://ws-2.eu-central-1.maas.aliyuncs.com/api/v1", "ws-2", FRANKFURT,
         "workspace 'ws-2'"),
    ],
)  # fmt: skip
def test_the_hint_names_the_region_of_a_service_host(
    root: str, workspace: str | None, called: str, where: str
) -> None:
    err = NotFoundError("App not found", code="NotFound", status_code=404)
    headers = {"x-dashscope-workspace": workspace} if workspace else {}
    explain(err, f"{root}/apps/app%201/completion", b"{}", headers)
    assert (err.hint or "").startswith(f"app 'app 1' was not found at {called}, {where}; check")
    other = NotFoundError("No such endpoint", code="NotFound", status_code=404)
    assert explain(other, f"{root}/services/x", b"{}", headers).hint is None  # not an app call
    denied = AuthenticationError("Invalid API-key provided.", code="InvalidApiKey", status_code=401)
    explain(denied, f"{root}/apps/a/completion", b"{}", headers)
    assert (denied.hint or "").startswith(f"called {called}; DashScope keys are region-bound")
