"""Sources of an answer, and where the answer cites them: shared by both frameworks' citations.

Two kinds of source: an application's (``doc_references``, and the retrieval results in its
``rag`` thoughts: :func:`dashscope_models._app_result.app_sources`) and a web search's
(``output.search_info.search_results`` with ``search_options.enable_source``: ``index``,
``title``, ``url``, ``site_name``, ``icon``). An answer cites a source by its number: an app as
``<ref>[n]</ref>``, a web search as ``[ref_n]`` or ``[n]`` (``search_options.citation_format``).
:func:`citations` pairs each marker in the text with its source (its span in the text), then
lists the sources no marker names (no span).

Example::

    for c in citations(text, answer_sources(metadata)):
        print(c.source.title, c.start, c.end)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dashscope_models._app_result import AppSource, AppThought, DocReference, app_sources

__all__ = ["Citation", "answer_sources", "citations", "search_sources"]

_MARKER = re.compile(r"<ref>\[(\d+)\]</ref>|\[ref_(\d+)\]|\[(\d+)\]")


@dataclass(frozen=True, slots=True)
class Citation:
    """A source, and the span of the text that cites it (``None`` when no marker does)."""

    source: AppSource
    start: int | None = None
    end: int | None = None


def search_sources(search_info: Any) -> list[AppSource]:
    """The web-search results of a ``search_info`` object, as sources."""
    results = search_info.get("search_results") if isinstance(search_info, Mapping) else None
    out = []
    for item in results or ():
        if isinstance(item, Mapping):
            index = item.get("index")
            out.append(
                AppSource(
                    index if isinstance(index, int) else None,
                    str(item.get("title") or ""),
                    str(item.get("title") or ""),
                    url=str(item.get("url") or ""),
                    web=True,
                    raw=dict(item),
                )
            )
    return out


def answer_sources(metadata: Mapping[str, Any]) -> list[AppSource]:
    """The sources an answer's metadata carries: an app's ``doc_references`` and ``thoughts``
    (as sent), and a web search's ``search_info``."""
    refs = [DocReference.from_wire(r) for r in metadata.get("doc_references") or ()
            if isinstance(r, dict)]  # fmt: skip
    thoughts = [AppThought.from_wire(t) for t in metadata.get("thoughts") or ()
                if isinstance(t, dict)]  # fmt: skip
    return [*app_sources(refs, thoughts), *search_sources(metadata.get("search_info"))]


def citations(text: str, sources: list[AppSource]) -> list[Citation]:
    """Each marker of ``text`` that names a source, in order, then the uncited sources."""
    by_index = {s.index: s for s in sources if s.index is not None}
    out: list[Citation] = []
    cited: set[int] = set()
    for found in _MARKER.finditer(text):
        number = int(next(g for g in found.groups() if g is not None))
        source = by_index.get(number)
        if source is not None:
            out.append(Citation(source, found.start(), found.end()))
            cited.add(id(source))
    out += [Citation(s) for s in sources if id(s) not in cited]
    return out
