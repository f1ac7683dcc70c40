"""``_app``: the application request's checks (before any request) and its wire body."""

from __future__ import annotations

from typing import Any

import pytest

from dashscope_models import AppRequest, Message, RequestValidationError
from dashscope_models._app import build_app_body, check_rag_options
from dashscope_models._endpoints import ENDPOINTS


def test_a_prompt_call_sends_only_what_was_set() -> None:
    body = build_app_body(AppRequest(app_id="a1", prompt="Hi"), stream=False)
    assert body == {"input": {"prompt": "Hi"}, "parameters": {}}


def test_every_field_goes_where_the_recordings_put_it() -> None:
    request = AppRequest(
        app_id="a1",
        prompt="Hi",
        session_id="s1",
        memory_id="m1",
        biz_params={"city": "Hangzhou"},
        rag_options={"pipeline_ids": ["p1"], "tags": ["t"], "metadata_filter": {"k": "v"}},
        has_thoughts=True,
        temperature=0.85,
        top_p=0.8,
        top_k=100,
        seed=1234,
        extra_parameters={"new_option": 1},
    )
    body = build_app_body(request, stream=True)
    assert body["input"] == {"prompt": "Hi", "session_id": "s1", "memory_id": "m1",
                             "biz_params": {"city": "Hangzhou"}}  # fmt: skip
    assert body["parameters"] == {
        "incremental_output": True, "has_thoughts": True, "temperature": 0.85, "top_p": 0.8,
        "top_k": 100, "seed": 1234, "new_option": 1,
        "rag_options": {"pipeline_ids": ["p1"], "tags": ["t"], "metadata_filter": {"k": "v"}},
    }  # fmt: skip


def test_a_stream_asks_for_deltas_unless_the_caller_insists() -> None:
    cumulative = AppRequest(app_id="a1", prompt="Hi", incremental_output=False)
    assert build_app_body(cumulative, stream=True)["parameters"]["incremental_output"] is False
    assert "incremental_output" not in build_app_body(AppRequest(app_id="a", prompt="x"),
                                                      stream=False)["parameters"]  # fmt: skip


def test_messages_are_the_history_and_a_prompt_beside_them_is_kept() -> None:
    history = [Message("system", "Be brief."), Message("user", "Hi")]
    body = build_app_body(AppRequest(app_id="a1", messages=history), stream=False)
    assert body["input"] == {"messages": [{"role": "system", "content": "Be brief."},
                                          {"role": "user", "content": "Hi"}]}  # fmt: skip


def test_the_path_names_the_app() -> None:
    row = ENDPOINTS["app-completion"]  # the endpoint table's row (sent by _app_client)
    assert row.path.format(app_id="5ccc1401") == "/apps/5ccc1401/completion"
    assert (row.method, row.root) == ("POST", "native")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"prompt": ""}, "EmptyInput"),
        ({"prompt": "   "}, "EmptyInput"),
        ({}, "EmptyInput"),
        ({"messages": []}, "EmptyInput"),
        ({"messages": [Message("assistant", "Hi")]}, "EmptyInput"),
        ({"messages": [Message("tool", "42")]}, "UnknownRole"),
        ({"messages": [Message("user", [{"image": "https://x/a.png"}])]}, "InvalidContent"),
        ({"prompt": "x", "rag_options": "p1"}, "InvalidRagOptions"),
        ({"prompt": "x", "rag_options": {"pipeline_ids": "p1"}}, "InvalidRagOptions"),
        ({"prompt": "x", "rag_options": {"file_ids": [1]}}, "InvalidRagOptions"),
        ({"prompt": "x", "rag_options": {"tags": [""]}}, "InvalidRagOptions"),
        ({"prompt": "x", "rag_options": {"structured_filter": [("k", 1)]}}, "InvalidRagOptions"),
        ({"prompt": "x", "session_id": ""}, "InvalidParameter"),
        ({"prompt": "x", "memory_id": 7}, "InvalidParameter"),
        ({"prompt": "x", "biz_params": ["a"]}, "InvalidParameter"),
        ({"prompt": "x", "has_thoughts": "yes"}, "InvalidParameter"),
    ],
)
def test_bad_input_is_refused_with_its_code(fields: dict[str, Any], code: str) -> None:
    with pytest.raises(RequestValidationError) as info:
        build_app_body(AppRequest(app_id="a1", **fields), stream=False)
    assert info.value.code == code


@pytest.mark.parametrize("app_id", ["", "a/b", "../x", "a b", None])
def test_an_app_id_must_be_one_path_segment(app_id: Any) -> None:
    with pytest.raises(RequestValidationError, match="app_id") as info:
        build_app_body(AppRequest(app_id=app_id, prompt="x"), stream=False)
    assert info.value.code == "InvalidAppId"


def test_unknown_rag_option_keys_are_sent_as_given() -> None:
    check_rag_options({"pipeline_ids": ["p"], "prompt_strategy": "topK"})
    body = build_app_body(
        AppRequest(app_id="a", prompt="x", rag_options={"prompt_strategy": "topK"}), stream=False
    )
    assert body["parameters"]["rag_options"] == {"prompt_strategy": "topK"}
