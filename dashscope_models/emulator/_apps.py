"""Model Studio applications in the emulator: RAG apps, workflows and agents, given at start.

``POST /api/v1/apps/{app_id}/completion`` is answered for the apps the emulator was given
(``Emulator(apps=[...])``, ``emulator.add_app(...)``, or the CLI's ``--rag-app``,
``--workflow-app``, ``--agent-app`` and ``--search-app``); any other id gets a 404
``NotFound`` [INF: no recording shows the service's text for an unknown app]. The answer has
the recorded shapes (``application-*`` in the recorded exchanges): ``output.text``, ``session_id``,
``finish_reason`` (``"null"`` until a stream's last event), ``doc_references`` (``index_id``,
``title``, ``doc_id``, ``doc_name``, ``text``, ``images``; in a stream, those cited so far),
``thoughts`` with ``has_thoughts`` (the retrieval step ``action: "rag"`` with its results as a
JSON ``observation``; ``action: "memory"`` with ``memory_id``) and ``usage.models[]`` (``{}``
for a workflow, as recorded).

* A RAG app retrieves its documents with the lexical scorer (``_lexical.pair_score``) for the
  question and, at half weight, the conversation's earlier user turns [INF: the service
  rewrites a follow-up with its history], results under half the best score left out [INF],
  filtered by ``rag_options`` (``pipeline_ids``, ``file_ids``, ``tags``,
  ``metadata_filter``, ``structured_filter``), and answers with a sentence of each hit followed by
  ``<ref>[n]</ref>`` (as the recorded answers cite: ``application-single-generation-text-sse``,
  ``application-single-generation-text-with-memory-nosse``); a stream cuts each marker across
  two events, as the recorded stream does (``_stream_pieces``).
* A workflow answers its ``template`` filled from ``biz_params`` (``{name}``; ``{prompt}`` is
  the input): the recorded workflow answers ``"code"`` for ``{"sourceCode": "code"}``.
* Sessions are kept by ``session_id`` (a new 32-hex id when none is sent; the last 50 turns);
  ``messages``, when given, are the history instead (the service prefers them). An answer in a
  conversation names the user's previous turn [INF], so a follow-up shows its context.
* ``web_search`` (an agent or RAG app that searches the web): one web result, in the retrieval
  step with ``webSearch: true`` and its ``url``, cited after the documents [INF].
* ``memory_id`` keeps what the user said under that id; a later call recalls the entries that
  share a word with the question (a ``memory`` thought, and ``I remember: ...`` in the answer)
  [INF: the service extracts facts with a model].

Example::

    emulator = Emulator(apps=[App.rag("kb", [AppDocument("Nimbus costs 4000 EUR.", "Nimbus")])])
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from dashscope_models._embedding import estimate_tokens
from dashscope_models.emulator._lexical import pair_score, terms
from dashscope_models.emulator._replies import pieces

__all__ = ["App", "AppDocument", "AppService"]

_SENTENCE = re.compile(r"(.+?[.!?。！？])(\s|$)", re.S)
_MARKER = re.compile(r"<ref>\[\d+\]</ref>")
_MAX_TURNS = 50  # a session keeps 50 rounds (the application guide)
_RELATIVE_CUTOFF = 0.5  # results scoring under half the best one are left out [INF]
Answer = tuple[int, bool, list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class AppDocument:
    """A document of a RAG app's knowledge base; ``doc_id`` defaults to ``doc_<n>``.

    Example: ``AppDocument("The Nimbus costs 4000 EUR.", title="Nimbus", tags=("pricing",))``
    """

    text: str
    title: str = ""
    doc_id: str = ""
    pipeline_id: str = "default"
    tags: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class App:
    """An application the emulator serves. Build one with :meth:`rag`, :meth:`workflow` or
    :meth:`agent`.

    Example: ``App.workflow("wf-1", template="{sourceCode}")``
    """

    app_id: str
    kind: Literal["rag", "workflow", "agent"] = "agent"
    documents: tuple[AppDocument, ...] = ()
    template: str = ""
    model: str = "qwen-plus"
    top_n: int = 3
    web_search: bool = False

    @classmethod
    def rag(
        cls,
        app_id: str,
        documents: Sequence[AppDocument | str],
        *,
        top_n: int = 3,
        web_search: bool = False,
    ) -> App:
        """A RAG app answering from ``documents`` (strings are documents without a title);
        ``web_search``: it also searches the web (one result, cited after the documents)."""
        docs = tuple(d if isinstance(d, AppDocument) else AppDocument(d) for d in documents)
        docs = tuple(
            d if d.doc_id else AppDocument(d.text, d.title, f"doc_{i + 1}", d.pipeline_id,
                                           d.tags, d.metadata)
            for i, d in enumerate(docs)
        )  # fmt: skip
        return cls(app_id, "rag", docs, top_n=top_n, web_search=web_search)

    @classmethod
    def workflow(cls, app_id: str, template: str) -> App:
        """A workflow answering ``template`` filled from ``biz_params`` (and ``{prompt}``)."""
        return cls(app_id, "workflow", template=template)

    @classmethod
    def agent(cls, app_id: str, *, web_search: bool = False) -> App:
        """An agent without a knowledge base: it repeats the input, in its conversation
        (``web_search``: it also searches the web and cites one result)."""
        return cls(app_id, "agent", web_search=web_search)


def _best_sentence(text: str, query: list[str]) -> str:
    """The document's sentence that covers the question best (the first, on a tie)."""
    sentences = [m.group(1).strip() for m in _SENTENCE.finditer(text.strip())] or [text.strip()]
    return max(sentences, key=lambda s: pair_score(query, terms(s)))[:300]


def _matches(doc: AppDocument, options: dict[str, Any]) -> bool:
    if options.get("pipeline_ids") and doc.pipeline_id not in options["pipeline_ids"]:
        return False
    if options.get("file_ids") and doc.doc_id not in options["file_ids"]:
        return False
    if options.get("tags") and not set(options["tags"]) & set(doc.tags):
        return False
    for key in ("metadata_filter", "structured_filter"):
        wanted = options.get(key) or {}
        if any(doc.metadata.get(k) != v for k, v in wanted.items()):
            return False
    return True


class AppService:
    """The apps, their sessions and memories (thread-safe)."""

    def __init__(self, apps: list[App] | None = None) -> None:
        self.apps: dict[str, App] = {a.app_id: a for a in apps or ()}
        self.sessions: dict[str, list[tuple[str, str]]] = {}
        self.memories: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def add(self, *apps: App) -> None:
        """Serve these apps too (an id already served is replaced)."""
        self.apps.update((a.app_id, a) for a in apps)

    def clear(self) -> None:
        """Forget every session and memory (the apps stay)."""
        with self._lock:
            self.sessions.clear()
            self.memories.clear()

    def answer(self, app_id: str, body: Any, stream: bool, request_id: str) -> Answer:
        """``(status, streamed, data objects)`` for one call; an error is one error object."""
        app = self.apps.get(app_id)
        if app is None:  # [INF] the service's text for an unknown app id
            return 404, False, [_error("NotFound", f"App not found: {app_id}", request_id)]
        problem = _problem(body)
        if problem is not None:
            return 400, False, [_error("InvalidParameter", problem, request_id)]
        inp, params = body.get("input") or {}, body.get("parameters") or {}
        question, history, session_id = self._conversation(inp)
        thoughts: list[dict[str, Any]] = []
        refs: list[dict[str, Any]] = []
        if app.kind == "workflow":
            try:
                text = app.template.format_map(
                    {"prompt": question, **(inp.get("biz_params") or {})}
                )
            except (KeyError, IndexError, ValueError) as exc:  # [INF] a missing variable
                message = f"biz_params lacks the workflow's input variable {exc}"
                return 400, False, [_error("InvalidParameter", message, request_id)]
        elif app.kind == "rag":
            text, refs, found = _retrieve(app, question, history, params.get("rag_options") or {})
            thoughts.append(_rag_thought(found))
        else:
            text = f"[{app.app_id}] You said: {question}"
        if app.web_search and app.kind != "workflow":
            text = _search_the_web(text, question, thoughts, len(refs) + 1)
        if history:
            text += f" (Earlier in this conversation you said: '{history[-1]}'.)"
        memory_id = inp.get("memory_id")
        if isinstance(memory_id, str) and app.kind != "workflow":
            recalled = self._recall(memory_id, question)
            thoughts.append(_memory_thought(memory_id, question, recalled))
            if recalled:
                text += " I remember: " + "; ".join(r.split("] ", 1)[-1] for r in recalled)
        self._remember(session_id, question, text, memory_id)
        usage: dict[str, Any] = {}
        if app.kind != "workflow":
            used = estimate_tokens(question + "".join(history) + "".join(r["text"] for r in refs))
            usage = {"models": [{"model_id": app.model, "input_tokens": 12 + used,
                                 "output_tokens": len(pieces(text))}]}  # fmt: skip
        shown = thoughts if params.get("has_thoughts") is True else []
        if not stream:
            output = _output(session_id, "stop", text, refs, shown)
            return 200, False, [{"output": output, "usage": usage, "request_id": request_id}]
        incremental = params.get("incremental_output") is True
        return 200, True, _events(text, refs, shown, usage, session_id, request_id, incremental)

    def _conversation(self, inp: dict[str, Any]) -> tuple[str, list[str], str]:
        """The question, the earlier user turns, and the session id to answer with."""
        messages = inp.get("messages")
        session_id = inp.get("session_id") or uuid.uuid4().hex
        if messages:
            users = [str(m.get("content") or "") for m in messages if m.get("role") == "user"]
            return users[-1], users[:-1], session_id
        with self._lock:
            turns = list(self.sessions.get(session_id, ()))
        return str(inp.get("prompt") or ""), [user for user, _ in turns], session_id

    def _remember(self, session_id: str, question: str, text: str, memory_id: Any) -> None:
        with self._lock:
            turns = self.sessions.setdefault(session_id, [])
            turns.append((question, text))
            del turns[:-_MAX_TURNS]
            if isinstance(memory_id, str):
                stamp = time.strftime("%Y-%m-%d %H:%M:%S")
                self.memories.setdefault(memory_id, []).append(f"[{stamp}] {question}")

    def _recall(self, memory_id: str, question: str) -> list[str]:
        wanted = set(terms(question))
        with self._lock:
            kept = list(self.memories.get(memory_id, ()))
        return [m for m in kept if wanted & set(terms(m.split("] ", 1)[-1]))]


def _problem(body: Any) -> str | None:
    """The service's 400 for a malformed app call [INF: its texts are not recorded]."""
    if not isinstance(body, dict) or not isinstance(body.get("input"), dict):
        return "input is required"
    inp = body["input"]
    if not (str(inp.get("prompt") or "").strip() or inp.get("messages")):
        return "input.prompt or input.messages is required"
    options = (body.get("parameters") or {}).get("rag_options")
    if options is not None and not isinstance(options, dict):
        return "parameters.rag_options must be an object"
    return None


def _retrieve(
    app: App, question: str, history: list[str], options: dict[str, Any]
) -> tuple[str, list[dict[str, Any]], list[tuple[float, AppDocument]]]:
    asked, before = terms(question), [t for turn in history for t in terms(turn)]
    scored = []
    for doc in app.documents:
        if _matches(doc, options):
            words = terms(f"{doc.title} {doc.text}")
            # the question first; the earlier turns count half (a follow-up's subject)
            scored.append((pair_score(asked, words) + 0.5 * pair_score(before, words), doc))
    found = sorted((s for s in scored if s[0] > 0), key=lambda s: -s[0])[: app.top_n]
    # [INF] a relevance threshold: results far below the best one are not used
    found = [s for s in found if s[0] >= _RELATIVE_CUTOFF * found[0][0]]
    if not found:
        return "I found nothing about that in the knowledge base.", [], []
    parts, refs = [], []
    for n, (_, doc) in enumerate(found, 1):
        parts.append(f"{_best_sentence(doc.text, terms(question))}<ref>[{n}]</ref>")
        title = doc.title or doc.doc_id
        refs.append({"images": [], "text": doc.text, "index_id": str(n), "title": title,
                     "doc_name": title, "doc_id": doc.doc_id})  # fmt: skip
    return " ".join(parts), refs, found


def _search_the_web(text: str, question: str, thoughts: list[dict[str, Any]], n: int) -> str:
    """One web result for the question, in the retrieval step (``webSearch: true``) and cited
    as ``<ref>[n]</ref>`` [INF: the recorded observations are knowledge-base results only; a
    web result's fields are those of generation's ``search_results``]."""
    title = f"About: {question[:40]}"
    result = {"content": f"What the web says about {question[:60]}.", "dataId": "",
              "dataName": title, "display": True, "id": f"web_search_{n}", "images": [],
              "referenceIndex": n, "score": 0.5, "title": title,
              "url": f"https://example.com/emulator/search/{n}", "webSearch": True}  # fmt: skip
    if thoughts:
        found = json.loads(thoughts[0]["observation"])
        thoughts[0] = {**thoughts[0], "observation": _compact([*found, result])}
    else:
        thoughts.append({**_rag_thought([]), "observation": _compact([result])})
    return f"{text} The web has more.<ref>[{n}]</ref>"


def _rag_thought(found: list[tuple[float, AppDocument]]) -> dict[str, Any]:
    observed = [
        {"content": d.text, "dataId": d.doc_id, "dataName": d.title or d.doc_id, "display": True,
         "id": f"emulator_{d.pipeline_id}_{d.doc_id}", "images": [], "referenceIndex": n,
         "score": round(score, 6), "title": d.title or d.doc_id, "webSearch": False}
        for n, (score, d) in enumerate(found, 1)
    ]  # fmt: skip
    return {"action_input_stream": "{}", "action_type": "agentRag",
            "observation": _compact(observed),
            "action_name": "知识检索", "action": "rag", "arguments": "{}"}  # fmt: skip


def _memory_thought(memory_id: str, question: str, recalled: list[str]) -> dict[str, Any]:
    arguments = _compact({"memory_id": memory_id, "query": question})
    return {"action_input_stream": arguments, "action_type": "api",
            "observation": _compact(recalled),
            "action_name": "长期记忆检索", "action": "memory", "arguments": arguments}  # fmt: skip


def _output(
    session_id: str, finish: str, text: str, refs: list[Any], thoughts: list[Any]
) -> dict[str, Any]:
    output: dict[str, Any] = {}
    if thoughts:
        output["thoughts"] = thoughts
    output.update(session_id=session_id, finish_reason=finish, text=text)
    if refs:
        output["doc_references"] = refs
    return output


def _events(
    text: str,
    refs: list[dict[str, Any]],
    thoughts: list[dict[str, Any]],
    usage: dict[str, Any],
    session_id: str,
    request_id: str,
    incremental: bool,
) -> list[dict[str, Any]]:
    """One event per piece, then a last one with the finish reason (text ``""`` when
    incremental), each with the references cited so far, as the recorded stream."""
    events: list[dict[str, Any]] = []
    so_far = ""
    steps = [*_stream_pieces(text), ""]
    for i, piece in enumerate(steps):
        so_far += piece
        last = i == len(steps) - 1
        cited = [r for r in refs if f"<ref>[{r['index_id']}]</ref>" in so_far]
        output = _output(session_id, "stop" if last else "null",
                         piece if incremental else so_far, cited, thoughts)  # fmt: skip
        step_usage = usage
        if usage:
            row = usage["models"][0]  # cumulative, up to the whole answer's count
            row = dict(row, output_tokens=min(i + 1, row["output_tokens"]))
            step_usage = {"models": [row]}
        events.append({"output": output, "usage": step_usage, "request_id": request_id})
    return events


def _stream_pieces(text: str) -> list[str]:
    """The text's pieces as a stream sends them, each citation marker cut in two as the recorded
    stream (``application-single-generation-text-sse``) cuts them: ``<ref>[4]</`` + ``ref>``,
    ``<ref>[`` + ``3]</ref>`` (alternately); a reference joins the event that closes its marker,
    as recorded."""
    out: list[str] = []
    at = 0
    for n, found in enumerate(_MARKER.finditer(text)):
        marker = found.group()
        cut = len(marker) - len("ref>") if n % 2 == 0 else len("<ref>[")
        out += [*pieces(text[at : found.start()]), marker[:cut], marker[cut:]]
        at = found.end()
    return [*out, *pieces(text[at:])]


def _compact(value: Any) -> str:
    """JSON inside a field, as the recorded thoughts write it (no spaces)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _error(code: str, message: str, request_id: str) -> dict[str, Any]:
    return {"code": code, "message": message, "request_id": request_id}
