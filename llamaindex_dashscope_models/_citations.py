"""Sources as LlamaIndex citations: ``CitationBlock`` in answers, ``NodeWithScore`` for engines.

An answer that carries sources (an application's references and retrieval results, a web
search's ``search_info.search_results``) gets one ``CitationBlock`` per source after its text
(``cited_content`` the source's text, ``source`` its URL or document id, ``title``, and in
``additional_location_info`` its ``index`` and, where the text cites it by a marker, the
marker's ``start_index``/``end_index``). A query engine gives the same sources as
``source_nodes``: a ``TextNode`` each, with the retrieval ``score`` where the answer has one.

Example::

    blocks = citation_blocks(result.text, result.sources)
    nodes = source_nodes(result.sources)   # Response(source_nodes=nodes)
"""

from __future__ import annotations

from llama_index.core.base.llms.types import CitationBlock, TextBlock
from llama_index.core.schema import NodeWithScore, TextNode

from dashscope_models import AppSource
from dashscope_models.integration import citations

__all__ = ["citation_blocks", "source_nodes"]


def citation_blocks(text: str, sources: list[AppSource]) -> list[CitationBlock]:
    """One block per citation of ``text`` (markers first, then the uncited sources)."""
    out = []
    for c in citations(text, sources):
        location = {"index": c.source.index} if c.source.index is not None else {}
        if c.start is not None and c.end is not None:
            location.update(start_index=c.start, end_index=c.end)
        out.append(
            CitationBlock(
                cited_content=TextBlock(text=c.source.text or c.source.title),
                source=c.source.url or c.source.doc_id or c.source.title,
                title=c.source.title,
                additional_location_info=location,
            )
        )
    return out


def source_nodes(sources: list[AppSource]) -> list[NodeWithScore]:
    """The sources as scored nodes, in the answer's order."""
    nodes = []
    for i, s in enumerate(sources):
        metadata = {"title": s.title, "index": s.index, "web": s.web}
        metadata.update({k: v for k in ("doc_id", "doc_name", "url") if (v := getattr(s, k))})
        node_id = f"{s.doc_id or s.url or 'source'}#{s.index if s.index is not None else i}"
        node = TextNode(id_=node_id, text=s.text or s.title, metadata=metadata)
        nodes.append(NodeWithScore(node=node, score=s.score))
    return nodes
