"""The emulator's Model Studio applications: the recorded shapes, retrieval with rag_options,
workflows, sessions, memory, unknown ids, and the command-line flags (--search-app too)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from dashscope_models import AppRequest, DashScopeClient
from dashscope_models.emulator import App, AppDocument, Emulator
from dashscope_models.emulator._response import EmulatorResponse

RECORDED = Path(__file__).parent.parent / "data" / "recorded"
HEADERS = {"authorization": "Bearer sk-test"}
DOCS = [
    AppDocument("The Nimbus heat pump costs 4000 EUR. It heats 150 m2.", "Nimbus",
                pipeline_id="p1", tags=("pump",), metadata={"kind": "heating"}),
    AppDocument("The Stratus boiler costs 2500 EUR.", "Stratus", pipeline_id="p2",
                tags=("boiler",), metadata={"kind": "heating"}),
    AppDocument("Cirrus panels cost 900 EUR.", "Cirrus", pipeline_id="p1", metadata={"kind": "solar"}),
]  # fmt: skip


def recorded(name: str) -> Any:
    return json.loads((RECORDED / f"{name}.response.body.txt").read_text("utf-8").lstrip("\ufeff"))


def recorded_events(name: str) -> list[Any]:
    text = (RECORDED / f"{name}.response.body.txt").read_text("utf-8").lstrip("\ufeff")
    return [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(
        apps=[App.rag("kb", DOCS), App.workflow("wf", "{sourceCode}"), App.agent("bot")]
    )


def call(emulator: Emulator, app_id: str, inp: dict[str, Any], stream: bool = False,
         **params: Any) -> EmulatorResponse:  # fmt: skip
    headers = {**HEADERS, **({"x-dashscope-sse": "enable"} if stream else {})}
    body = json.dumps({"input": inp, "parameters": params}).encode()
    return emulator.handle("POST", f"/api/v1/apps/{app_id}/completion", headers, body)


def answer(response: EmulatorResponse) -> Any:
    return json.loads(b"".join(f.data for f in response.frames))


def events(response: EmulatorResponse) -> list[Any]:
    lines = b"".join(f.data for f in response.frames).decode().splitlines()
    return [json.loads(line[5:]) for line in lines if line.startswith("data:")]


def test_a_rag_answer_has_the_recorded_shapes(emulator: Emulator) -> None:
    got = answer(call(emulator, "kb", {"prompt": "Nimbus heat pump price"}, has_thoughts=True))
    want = recorded("application-conversation-generation-session-id-nosse")
    assert set(got) == set(want) and set(got["output"]) - {"doc_references"} == set(want["output"])
    [rag] = got["output"]["thoughts"]
    assert set(rag) == set(want["output"]["thoughts"][0])
    item = json.loads(rag["observation"])[0]
    assert set(item) == set(json.loads(want["output"]["thoughts"][0]["observation"])[0])
    assert item["dataName"] == "Nimbus" and item["referenceIndex"] == 1 and item["score"] > 0
    stream_ref = recorded_events("application-single-generation-text-sse")[-1]["output"]
    assert set(got["output"]["doc_references"][0]) == set(stream_ref["doc_references"][0])
    assert "<ref>[1]</ref>" in got["output"]["text"] and "4000 EUR" in got["output"]["text"]
    assert set(got["usage"]["models"][0]) == {"model_id", "input_tokens", "output_tokens"}
    assert len(got["output"]["session_id"]) == 32


def test_thoughts_only_when_asked(emulator: Emulator) -> None:
    got = answer(call(emulator, "kb", {"prompt": "Nimbus"}))
    assert "thoughts" not in got["output"] and got["output"]["doc_references"]


def test_a_stream_has_the_recorded_framing(emulator: Emulator) -> None:
    response = call(
        emulator, "kb", {"prompt": "Nimbus price"}, stream=True, incremental_output=True
    )
    got = events(response)
    assert [e["output"]["finish_reason"] for e in got] == ["null"] * (len(got) - 1) + ["stop"]
    assert got[-1]["output"]["text"] == ""  # as the recorded stream ends
    assert "doc_references" not in got[0]["output"] and "doc_references" in got[-1]["output"]
    outputs = [e["usage"]["models"][0]["output_tokens"] for e in got]
    assert outputs == sorted(outputs)  # cumulative usage
    whole = events(call(emulator, "kb", {"prompt": "Nimbus price"}, stream=True))
    assert whole[-1]["output"]["text"] == "".join(e["output"]["text"] for e in got)


def _cut_markers(streamed: list[Any]) -> tuple[list[str], list[list[str]]]:
    """The event texts after which a citation marker is open (cut across events), and per event
    the references it carries whose marker is not closed yet, or closed but not carried."""
    so_far, cut, early = "", [], []
    for event in streamed:
        so_far += event["output"]["text"]
        closed = re.findall(r"<ref>\[(\d+)\]</ref>", so_far)
        if so_far.count("<ref") > len(closed):
            cut.append(event["output"]["text"])
        refs = [r["index_id"] for r in event["output"].get("doc_references", [])]
        early.append(sorted(set(refs) ^ set(closed)))
    return cut, early


def test_a_stream_cuts_citation_markers_as_recorded(emulator: Emulator) -> None:
    recorded_cut, recorded_early = _cut_markers(
        recorded_events("application-single-generation-text-sse")
    )
    assert recorded_cut and not any(recorded_early)  # the recording: cut, joined when closed
    question = {"prompt": "What do the Nimbus heat pump and the Stratus boiler cost?"}
    streamed = events(call(emulator, "kb", question, stream=True, incremental_output=True))
    cut, early = _cut_markers(streamed)
    assert cut == ["<ref>[1]</", "<ref>["] and not any(early)
    whole = answer(call(emulator, "kb", question))["output"]["text"]
    assert "".join(e["output"]["text"] for e in streamed) == whole
    assert re.findall(r"<ref>\[\d\]</ref>", whole) == ["<ref>[1]</ref>", "<ref>[2]</ref>"]


@pytest.mark.parametrize(
    ("options", "titles"),
    [
        ({}, ["Nimbus", "Stratus", "Cirrus"]),
        ({"pipeline_ids": ["p2"]}, ["Stratus"]),
        ({"tags": ["pump"]}, ["Nimbus"]),
        ({"metadata_filter": {"kind": "solar"}}, ["Cirrus"]),
        ({"structured_filter": {"kind": "heating"}}, ["Nimbus", "Stratus"]),
        ({"file_ids": ["doc_3"]}, ["Cirrus"]),
    ],
)
def test_rag_options_filter_what_is_retrieved(
    emulator: Emulator, options: dict[str, Any], titles: list[str]
) -> None:
    got = answer(call(emulator, "kb", {"prompt": "What does it cost in EUR?"}, rag_options=options))
    assert sorted(r["title"] for r in got["output"].get("doc_references", [])) == sorted(titles)


def test_a_workflow_answers_from_biz_params_without_usage(emulator: Emulator) -> None:
    got = answer(call(emulator, "wf", {"prompt": "say", "biz_params": {"sourceCode": "code"}}))
    want = recorded("application-workflow-nosse")
    assert got["output"]["text"] == want["output"]["text"] == "code"
    assert got["usage"] == want["usage"] == {}
    missing = call(emulator, "wf", {"prompt": "say"})
    assert missing.status == 400 and answer(missing)["code"] == "InvalidParameter"


def test_sessions_are_kept_by_id_and_messages_win(emulator: Emulator) -> None:
    first = answer(call(emulator, "bot", {"prompt": "I am Ada"}))["output"]
    second = answer(
        call(emulator, "bot", {"prompt": "Who am I?", "session_id": first["session_id"]})
    )
    assert second["output"]["session_id"] == first["session_id"]
    assert "you said: 'I am Ada'" in second["output"]["text"]
    history = [{"role": "user", "content": "I am Bo"}, {"role": "assistant", "content": "Hi"},
               {"role": "user", "content": "Who am I?"}]  # fmt: skip
    third = answer(call(emulator, "bot", {"messages": history, "session_id": first["session_id"]}))
    assert "'I am Bo'" in third["output"]["text"] and "Ada" not in third["output"]["text"]


def test_memory_recalls_what_was_said_under_its_id(emulator: Emulator) -> None:
    call(emulator, "bot", {"prompt": "I love noodles", "memory_id": "m1"})
    got = answer(call(emulator, "bot", {"prompt": "Suggest noodles", "memory_id": "m1"},
                      has_thoughts=True))  # fmt: skip
    [memory] = got["output"]["thoughts"]
    want = recorded("application-single-generation-text-with-memory-nosse")["output"]["thoughts"][1]
    assert set(memory) == set(want) and memory["action"] == "memory"
    assert json.loads(memory["arguments"]) == {"memory_id": "m1", "query": "Suggest noodles"}
    assert json.loads(memory["observation"])[0].endswith("I love noodles")
    assert "I remember: I love noodles" in got["output"]["text"]
    other = answer(call(emulator, "bot", {"prompt": "Suggest noodles", "memory_id": "m2"}))
    assert "I remember" not in other["output"]["text"]


def test_unknown_apps_and_malformed_calls(emulator: Emulator) -> None:
    missing = call(emulator, "nope", {"prompt": "hi"})
    assert missing.status == 404 and answer(missing)["code"] == "NotFound"
    streamed = events(call(emulator, "nope", {"prompt": "hi"}, stream=True))
    assert streamed[0]["code"] == "NotFound"
    assert call(emulator, "kb", {"prompt": ""}).status == 400
    assert call(emulator, "kb", {"prompt": "x"}, rag_options=["p1"]).status == 400
    assert emulator.handle("POST", "/api/v1/apps/a/b/completion", HEADERS, b"{}").status == 404


def test_the_command_line_serves_the_apps_it_is_given(tmp_path: Path) -> None:
    (tmp_path / "leave.md").write_text("Employees get 25 days of paid leave.", "utf-8")
    args = ["--rag-app", f"hb={tmp_path}", "--workflow-app", "wf={sourceCode}", "--agent-app", "b"]
    cli = [sys.executable, "-m", "dashscope_models.emulator", *args]
    proc = subprocess.Popen(cli, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        auth = {"Authorization": "Bearer sk-any"}
        rag = httpx.post(f"{url}/apps/hb/completion", json={"input": {"prompt": "paid leave"}},
                         headers=auth).json()  # fmt: skip
        assert rag["output"]["doc_references"][0]["title"] == "leave"
        flow = {"input": {"prompt": "x", "biz_params": {"sourceCode": "ok"}}}
        assert httpx.post(f"{url}/apps/wf/completion", json=flow, headers=auth).json()[
            "output"]["text"] == "ok"  # fmt: skip
        assert httpx.post(f"{url}/apps/b/completion", json={"input": {"prompt": "hi"}},
                          headers=auth).status_code == 200  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    bad = subprocess.run([*cli[:3], "--rag-app", f"x={tmp_path / 'none'}"], capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert bad.returncode == 2 and "no .txt or .md documents" in bad.stderr


def test_the_command_line_serves_a_web_search_app() -> None:
    cli = [sys.executable, "-m", "dashscope_models.emulator", "--port", "0"]
    proc = subprocess.Popen([*cli, "--search-app", "web"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        with DashScopeClient(api_key="sk-any", base_url=url, max_retries=0) as client:
            asked = AppRequest(app_id="web", prompt="heat pumps", has_thoughts=True)
            result = client.call_app(asked)
            streamed = list(client.stream_app(asked))
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    [source] = result.sources
    assert source.web and source.url.startswith("https://") and source.index == 1
    assert result.text.endswith("<ref>[1]</ref>") and "You said: heat pumps" in result.text
    assert "".join(c.text for c in streamed) == result.text
    assert streamed[-1].sources == result.sources
    empty = subprocess.run([*cli, "--search-app", " "], capture_output=True, text=True, timeout=60)
    assert empty.returncode == 2 and "--search-app: expected an app ID" in empty.stderr
