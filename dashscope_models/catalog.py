"""The model catalog as the Markdown of ``docs/models.md``: ``python -m dashscope_models.catalog``.

One table per family (in the order ``catalog_notes.toml`` gives), current models first and
older generations after them, marked "legacy" with what replaces them; then the family rules
that cover ids no row lists. Facts come from ``catalog.toml``; the words around them (order,
legacy, a short note per model) from ``catalog_notes.toml``. A test keeps the page equal to it.

Example::

    from dashscope_models.catalog import catalog_markdown
    print(catalog_markdown())
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

from dashscope_models._catalog import ModelSpec, all_specs, family_labels, family_rules
from dashscope_models._catalog import get_spec_for_rule as _rule_spec

__all__ = ["catalog_markdown", "features"]


@cache
def _notes() -> dict[str, Any]:
    import tomllib

    return tomllib.loads((Path(__file__).parent / "catalog_notes.toml").read_text("utf-8"))


def features(spec: ModelSpec) -> str:
    """What a model can do, in the words of the docs (``-`` when nothing optional)."""
    thinking = {
        "always": "thinking (always)",
        "hybrid": "thinking (on by default)" if spec.thinking_default else "thinking (opt-in)",
    }.get(spec.thinking)
    streams = spec.stream_only or (spec.stream_only_thinking and spec.thinks(None))
    items = [
        ("tools", spec.tools),
        ("media input", spec.vision),
        (f"documents ({spec.documents})", spec.documents != "none"),
        ("JSON", spec.json_mode),
        ("JSON schema", spec.json_schema),
        (thinking or "", thinking is not None),
        ("streamed (plain calls stream inside)", streams),
        (f"dimensions {'/'.join(map(str, spec.dimensions))}", bool(spec.dimensions)),
        (f"{spec.max_batch} documents a request", spec.endpoint == "text-rerank"),
        ("instruct", spec.instruct),
        (f"reasoning_effort {'/'.join(spec.reasoning_efforts)}", bool(spec.reasoning_efforts)),
        ("prompt format", spec.input == "prompt"),
    ]  # fmt: skip
    return ", ".join(name for name, on in items if on) or "-"


def _legacy(spec: ModelSpec) -> str | None:
    notes = _notes()
    found = notes.get("legacy", {}).get(spec.name) or notes.get("legacy_family", {}).get(
        spec.family
    )
    return str(found) if found else None


def _row(spec: ModelSpec) -> str:
    known = spec.limits_known
    context = f"{spec.context_window:,}" if known else "not published"
    output = f"{spec.max_output_tokens:,}" if spec.max_output_tokens else "-"
    notes = [_notes().get("note", {}).get(spec.name, "")]
    replacement = _legacy(spec)
    if replacement:
        notes.insert(0, f"**legacy**: use {replacement}")
    note = "; ".join(n for n in notes if n) or "-"
    return (
        f"| `{spec.name}` | {context} | {output if known else 'not published'} | "
        f"{features(spec)} | {note} |"
    )


def catalog_markdown() -> str:
    """The tables of ``docs/models.md`` (between its ``models:start`` / ``models:end`` marks)."""
    labels = family_labels()
    order = [f for f in _notes().get("order", []) if f in labels]
    order += [f for f in labels if f not in order]
    by_family: dict[str, list[ModelSpec]] = {f: [] for f in order}
    for spec in all_specs():
        by_family[spec.family].append(spec)
    lines: list[str] = []
    for family in order:
        specs = sorted(by_family[family], key=lambda s: _legacy(s) is not None)  # stable
        if not specs:
            continue
        lines += [
            f"### {labels[family]}",
            "",
            "| model | context (tokens) | max output | features | notes |",
            "|---|---|---|---|---|",
            *(_row(spec) for spec in specs),
            "",
        ]
    lines += [
        "### Ids no table lists",
        "",
        "An alias of a listed id (`-latest`, `-YYYY-MM-DD`, `-MMDD`, `-preview`) is that model;",
        "any other id takes the first rule below whose pattern matches (a guess the client",
        "corrects by itself if the service disagrees), else a plain chat model with no extras.",
        "",
        "| pattern | family | features |",
        "|---|---|---|",
    ]
    for rule in family_rules():
        spec = _rule_spec(rule)
        patterns = ", ".join(f"`{p}`" for p in rule.patterns)
        lines.append(f"| {patterns} | {labels[spec.family]} | {features(spec)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(catalog_markdown())
