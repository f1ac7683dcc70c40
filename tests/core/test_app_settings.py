"""``_app_settings``: the fields both frameworks' app classes share and the request they build."""

from __future__ import annotations

import pytest

from dashscope_models import Message, RequestValidationError
from dashscope_models._app_settings import AppSettings


def settings(**fields: object) -> AppSettings:
    return AppSettings(app_id="a1", api_key="sk-test", **fields)  # type: ignore[arg-type]


def test_call_arguments_go_over_the_fields_and_the_rest_is_sent_as_given() -> None:
    app = settings(rag_options={"tags": ["x"]}, temperature=0.2, extra_parameters={"k": 1})
    request = app.app_request(
        [Message("user", "Hi")],
        {"rag_options": {"tags": ["y"]}, "new_option": True, "extra_body": {"more": 2},
         "seed": None},
    )  # fmt: skip
    assert request.rag_options == {"tags": ["y"]} and request.temperature == 0.2
    assert request.seed is None
    assert request.extra_parameters == {"k": 1, "new_option": True, "more": 2}
    assert request.app_id == "a1"
    assert app.app_request(None, {"app_id": "other"}, prompt="x").app_id == "other"


def test_messages_mode_sends_history_and_session_only_when_named_per_call() -> None:
    app = settings(session_id="kept")
    history = [Message("user", [{"text": "Hi "}, {"text": "there"}])]
    request = app.app_request(history, {})
    assert request.messages == [Message("user", "Hi there")] and request.session_id is None
    assert app.app_request(history, {"session_id": "s"}).session_id == "s"
    app.keep_session({}, "new")
    assert app.session_id == "kept"  # messages mode keeps nothing


def test_session_mode_sends_the_last_user_text_and_keeps_the_new_session() -> None:
    app = settings(conversation="session")
    request = app.app_request([Message("system", "x"), Message("user", "Hi")], {})
    assert (request.prompt, request.messages, request.session_id) == ("Hi", None, None)
    app.keep_session({}, "s1")
    assert app.app_request([Message("user", "Again")], {}).session_id == "s1"
    app.keep_session({"session_id": "other"}, "s2")  # a call that named its own: not kept
    assert app.session_id == "s1"
    with pytest.raises(RequestValidationError, match="must be the user's"):
        app.app_request([Message("assistant", "x")], {})
    with pytest.raises(RequestValidationError, match="text content only"):
        app.app_request([Message("user", [{"image": "https://x/a.png"}])], {})
