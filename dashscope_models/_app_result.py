"""What an application answers: :class:`AppResult`, its parts, and its sources.

``output.text``, ``output.session_id``, ``output.finish_reason`` (the string ``"null"`` until a
stream's last event), ``output.thoughts`` (with ``has_thoughts``: the retrieval, memory and
reasoning steps, each with its ``observation`` as a JSON string), ``output.doc_references``
(the knowledge-base passages the answer cites as ``<ref>[n]</ref>``, ``n`` their ``index_id``)
and ``usage.models[]`` (one row per model the app used; ``{}`` for a workflow without one), as
the recordings show them. :attr:`AppResult.sources` joins references and retrieval results
into one list, ready to become citations.

Example::

    result = parse_app_result(body)
    result.text, result.session_id, result.usage.models[0].model_id
    [(s.index, s.title, s.score) for s in result.sources]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dashscope_models._errors import StreamError
from dashscope_models._parse import require_output

__all__ = [
    "AppChunk",
    "AppResult",
    "AppSource",
    "AppThought",
    "AppUsage",
    "DocReference",
    "ModelUsage",
    "app_sources",
    "parse_app_result",
]


def _str(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class ModelUsage:
    """Tokens one model of the app used.

    Example: ``ModelUsage("qwen-plus", 344, 311)``
    """

    model_id: str
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class AppUsage:
    """``usage.models[]``: one row per model used (empty for a workflow that reports none).

    Example: ``result.usage.input_tokens  # summed over the models``
    """

    models: tuple[ModelUsage, ...] = ()

    @classmethod
    def from_wire(cls, raw: Any) -> AppUsage:
        """Read a wire ``usage`` object."""
        rows = raw.get("models") if isinstance(raw, dict) else None
        return cls(
            tuple(
                ModelUsage(
                    str(row.get("model_id") or ""),
                    int(row.get("input_tokens") or 0),
                    int(row.get("output_tokens") or 0),
                )
                for row in rows or ()
                if isinstance(row, dict)
            )
        )

    @property
    def input_tokens(self) -> int:
        """Input tokens, all models together."""
        return sum(m.input_tokens for m in self.models)

    @property
    def output_tokens(self) -> int:
        """Output tokens, all models together."""
        return sum(m.output_tokens for m in self.models)

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True, slots=True)
class AppThought:
    """One step the app took (with ``has_thoughts``): ``action`` ``"rag"`` (knowledge
    retrieval), ``"memory"`` (long-term memory), ``"reasoning"`` (a thinking model's text in
    ``thought``) ...; ``observation`` is what the step found, as sent (a JSON string).

    Example: ``[t.action for t in result.thoughts]  # ['rag', 'memory']``
    """

    action: str
    action_type: str
    action_name: str
    arguments: str
    observation: str
    thought: str
    raw: dict[str, Any]

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> AppThought:
        """Read one wire thought."""
        return cls(
            _str(raw, "action"),
            _str(raw, "action_type"),
            _str(raw, "action_name"),
            _str(raw, "arguments"),
            _str(raw, "observation"),
            _str(raw, "thought"),
            raw,
        )

    def observed(self) -> list[Any]:
        """The observation parsed (a list; ``[]`` when it is empty or not JSON)."""
        try:
            value = json.loads(self.observation) if self.observation else []
        except ValueError:
            return []
        return value if isinstance(value, list) else [value]


@dataclass(frozen=True, slots=True)
class DocReference:
    """One passage the answer cites: ``index_id`` is the ``n`` of ``<ref>[n]</ref>`` in the text.

    Example: ``result.doc_references[0].doc_name``
    """

    index_id: str
    title: str
    doc_id: str
    doc_name: str
    text: str
    images: tuple[str, ...]
    raw: dict[str, Any]

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> DocReference:
        """Read one wire reference."""
        images = raw.get("images") or ()
        return cls(
            _str(raw, "index_id"),
            _str(raw, "title"),
            _str(raw, "doc_id"),
            _str(raw, "doc_name"),
            _str(raw, "text"),
            tuple(str(i) for i in images) if isinstance(images, list) else (),
            raw,
        )


@dataclass(frozen=True, slots=True)
class AppSource:
    """A source of the answer, from a reference or a retrieval result: ``index`` is the ``n``
    it is cited by (``None`` when uncited), ``score`` the retrieval score where given, ``url``
    a web result's address, ``web`` true for web-search results.

    Example: ``[f"[{s.index}] {s.title} ({s.score})" for s in result.sources]``
    """

    index: int | None
    title: str
    text: str
    doc_id: str = ""
    doc_name: str = ""
    url: str = ""
    score: float | None = None
    web: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


def _index(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _score(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def app_sources(references: list[DocReference], thoughts: list[AppThought]) -> list[AppSource]:
    """References first (with the score of the retrieval result they came from, matched by
    their index), then retrieval results no reference names."""
    retrieved: dict[int | None, dict[str, Any]] = {}
    extra: list[dict[str, Any]] = []
    for thought in thoughts:
        if thought.action != "rag":
            continue
        for item in thought.observed():
            if isinstance(item, dict):
                index = _index(item.get("referenceIndex"))
                if index is not None and index not in retrieved:
                    retrieved[index] = item
                else:
                    extra.append(item)
    out: list[AppSource] = []
    for ref in references:
        index = _index(ref.index_id)
        hit = retrieved.pop(index, None) if index is not None else None
        out.append(
            AppSource(index, ref.title or ref.doc_name, ref.text, ref.doc_id, ref.doc_name,
                      score=_score(hit.get("score")) if hit else None, raw=ref.raw)
        )  # fmt: skip
    for item in [*retrieved.values(), *extra]:
        out.append(
            AppSource(
                _index(item.get("referenceIndex")),
                _str(item, "title") or _str(item, "dataName"),
                _str(item, "content"),
                doc_id=_str(item, "dataId"),
                doc_name=_str(item, "dataName"),
                url=_str(item, "url"),
                score=_score(item.get("score")),
                web=item.get("webSearch") is True,
                raw=item,
            )
        )
    return out


@dataclass(slots=True)
class AppResult:
    """A complete application answer (see the module docstring).

    ``usage`` is empty (no models) when the app reports none; ``raw`` is the wire body (the
    last event of a stream).

    Example: ``result = client.call_app(request); print(result.text, result.session_id)``
    """

    text: str
    request_id: str
    session_id: str | None = None
    finish_reason: str | None = None
    thoughts: list[AppThought] = field(default_factory=list)
    doc_references: list[DocReference] = field(default_factory=list)
    usage: AppUsage = field(default_factory=AppUsage)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def sources(self) -> list[AppSource]:
        """References and retrieval results as one list (see :func:`app_sources`)."""
        return app_sources(self.doc_references, self.thoughts)


@dataclass(slots=True, kw_only=True)
class AppChunk:
    """One streamed increment of an application answer: ``text`` is new since the last
    chunk; the last chunk (``finish_reason`` set) carries ``usage``, and every chunk the
    ``thoughts`` and ``doc_references`` so far (the service repeats them as they grow).

    Example: ``for chunk in client.stream_app(request): print(chunk.text, end="")``
    """

    text: str
    request_id: str
    session_id: str | None = None
    finish_reason: str | None = None
    thoughts: list[AppThought] = field(default_factory=list)
    doc_references: list[DocReference] = field(default_factory=list)
    usage: AppUsage | None = None

    @property
    def sources(self) -> list[AppSource]:
        """The sources known so far (see :func:`app_sources`)."""
        return app_sources(self.doc_references, self.thoughts)


def read_parts(
    output: dict[str, Any],
) -> tuple[str, str | None, str | None, list[AppThought], list[DocReference]]:
    """Text, session id, finish reason, thoughts and references of a wire ``output``."""
    finish = output.get("finish_reason")
    thoughts = output.get("thoughts") or []
    refs = output.get("doc_references") or []
    return (
        _str(output, "text"),
        _str(output, "session_id") or None,
        None if finish in (None, "null", "") else str(finish),
        [AppThought.from_wire(t) for t in thoughts if isinstance(t, dict)],
        [DocReference.from_wire(r) for r in refs if isinstance(r, dict)],
    )


def parse_app_result(body: Any) -> AppResult:
    """A whole (non-streamed) application answer body."""
    if not isinstance(body, dict):
        raise StreamError(
            f"the service answered with a body that is not an object: {body!r:.200}",
            code="MalformedResponse",
            status_code=200,
        )
    text, session_id, finish, thoughts, refs = read_parts(require_output(body))
    return AppResult(
        text=text,
        request_id=_str(body, "request_id"),
        session_id=session_id,
        finish_reason=finish,
        thoughts=thoughts,
        doc_references=refs,
        usage=AppUsage.from_wire(body.get("usage")),
        raw=body,
    )
