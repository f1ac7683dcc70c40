"""The model catalog: ``catalog.toml`` read once into frozen :class:`ModelSpec` records.

:func:`get_spec` resolves any id, once per id (cached): the exact entry; else the entry an alias
names (``qwen-plus-latest``, ``qwen-plus-2025-09-11``, ``-0919``, ``-preview``: same
capabilities and ranges); else the first family rule whose pattern matches (``qwen3.[5-9]*``
→ multimodal endpoint, tools, hybrid thinking), a guess the client may correct (see
``_routing``); else a generic entry that enables nothing optional. ``spec.resolved_by`` says
which; a caller who knows better declares an id with :func:`generic_spec`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

from dashscope_models._resolve import Rule, alias_base, matching_rule

Endpoint = Literal["text-generation", "multimodal-generation", "text-embedding", "text-rerank"]
ThinkingMode = Literal["none", "hybrid", "always"]
ResolvedBy = Literal["catalog", "alias", "rule", "generic"]

__all__ = [
    "Interval",
    "ModelSpec",
    "all_specs",
    "catalog_table",
    "family_labels",
    "family_rules",
    "generic_spec",
    "get_spec",
]


@dataclass(frozen=True, slots=True)
class Interval:
    """A documented parameter range such as ``[0, 2)``.

    Example: ``Interval.parse("[0, 2)").contains(1.9)`` is ``True``.
    """

    low: float
    high: float
    low_closed: bool
    high_closed: bool
    text: str

    @classmethod
    def parse(cls, text: str) -> Interval:
        """Parse interval notation: ``[a, b]``, ``(a, b)``, ``[a, inf)``."""
        stripped = text.strip()
        low_s, high_s = stripped[1:-1].split(",")
        return cls(
            low=float(low_s),
            high=math.inf if high_s.strip() == "inf" else float(high_s),
            low_closed=stripped[0] == "[",
            high_closed=stripped[-1] == "]",
            text=stripped,
        )

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the range."""
        above = value >= self.low if self.low_closed else value > self.low
        below = value <= self.high if self.high_closed else value < self.high
        return above and below


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """What we know about one DashScope model id, from ``catalog.toml``.

    Example::

        spec = get_spec("moonshot-v1-8k")
        spec.family, spec.context_window, spec.ranges["temperature"].text
        # ('moonshot', 8192, '[0, 1]')
    """

    name: str
    family: str
    label: str
    endpoint: Endpoint = "text-generation"
    input: Literal["messages", "prompt", "texts"] = "messages"
    prompt_format: str = "chat"
    result_format: Literal["text", "message"] = "message"
    usage: Literal["total", "no-total", "none"] = "total"
    tools: bool = False
    vision: bool = False
    json_mode: bool = False
    json_schema: bool = False
    thinking: ThinkingMode = "none"
    thinking_default: bool = False
    thinking_budget_max: int | None = None
    stream_only_thinking: bool = False
    forced_tool_thinking: bool = True
    """A forced ``tool_choice`` (a named function or ``"required"``) is accepted while thinking."""
    tool_choice_required: bool = False
    """``tool_choice="required"`` (call some tool) is accepted (while thinking: see above)."""
    json_thinking: bool = True
    """``response_format`` (JSON mode or schema) is accepted while thinking."""
    reasoning_efforts: tuple[str, ...] = ()
    """The documented ``reasoning_effort`` levels (values are sent as given, never checked)."""
    thinking_ref: str = ""
    """Where the thinking rules (the four fields above) come from."""
    system_first: bool = False
    max_stop: int = 0
    max_stop_bytes: int = 0
    context_window: int = 131072
    max_input_tokens: int = 131072
    max_output_tokens: int = 8192
    default_max_tokens: int = 8192
    ranges: dict[str, Interval] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    dimensions: tuple[int, ...] = ()
    default_dimension: int = 0
    max_batch: int = 0
    max_text_tokens: int = 0
    instruct: bool = False  # rerank: the model takes parameters.instruct
    media_batch: dict[str, int] = field(default_factory=dict)  # rerank: images/videos a request
    known: bool = True
    resolved_by: ResolvedBy = "catalog"
    """How the id was resolved: its own entry, an alias of one, a family rule, or generic."""
    ref: str = ""
    """Where the entry's facts come from (a recording, seed, the protocol reference)."""
    limits_known: bool = True
    """False when no source gives the context and output limits: they are not checked."""
    stream_only: bool = False
    """The service answers this model only when streamed (a plain call is streamed inside)."""
    documents: Literal["none", "file-id", "doc-url"] = "none"
    """How the model reads documents: ``file-id`` (uploaded with purpose ``file-extract``,
    referenced as ``fileid://`` in a system message), ``doc-url`` (that, and ``doc_url`` parts
    for URLs), or not at all (see ``_attachments``)."""

    @property
    def guessed(self) -> bool:
        """True when the spec comes from a family rule or the generic entry, not a catalog row."""
        return self.resolved_by in ("rule", "generic")

    @property
    def is_chat_model(self) -> bool:
        """True when the service takes chat messages (False for prompt-only families)."""
        return self.input == "messages"

    @property
    def chat_result_format(self) -> Literal["message"] | None:
        """What a chat adapter asks for: ``"message"`` on the text endpoint's chat models (tool
        calls and reasoning need it); ``None`` where the service has only one format."""
        return "message" if self.endpoint == "text-generation" and self.is_chat_model else None

    def refuses_while_thinking(self, *, forced_tool: bool, json: bool) -> str | None:
        """What of a request's forced tool choice / JSON output this model refuses while
        thinking (``"tool_choice"``, ``"response_format"``), else ``None``."""
        if forced_tool and not self.forced_tool_thinking:
            return "tool_choice"
        if json and not self.json_thinking:
            return "response_format"
        return None

    def thinks(self, enable_thinking: bool | None, reasoning_effort: str | None = None) -> bool:
        """Whether a request with this ``enable_thinking`` value produces reasoning
        (``reasoning_effort="none"`` without ``enable_thinking`` turns hybrid thinking off, as
        Model Studio documents it)."""
        if self.thinking == "always":
            return True
        if self.thinking == "none":
            return False
        if enable_thinking is None:
            return self.thinking_default and reasoning_effort != "none"
        return enable_thinking


def _spec_from(
    name: str, family: str, table: dict[str, Any], known: bool, resolved_by: ResolvedBy
) -> ModelSpec:
    merged = {k: v for k, v in table.items() if k not in {"family"}}
    ranges = {k: Interval.parse(v) for k, v in merged.pop("ranges", {}).items()}
    dimensions = tuple(merged.pop("dimensions", ()))
    efforts = tuple(merged.pop("reasoning_efforts", ()))
    return ModelSpec(name=name, family=family, ranges=ranges, dimensions=dimensions, known=known,
                     resolved_by=resolved_by, reasoning_efforts=efforts, **merged)  # fmt: skip


_Tables = tuple[dict[str, dict[str, Any]], dict[str, ModelSpec], tuple[Rule, ...]]


@cache
def _raw() -> dict[str, Any]:
    import tomllib  # only when the catalog is first read

    return tomllib.loads((Path(__file__).parent / "catalog.toml").read_text("utf-8"))


def catalog_table(name: str) -> dict[str, Any]:
    """A top-level table of ``catalog.toml`` other than the models (e.g. ``explicit_cache``)."""
    table = _raw().get(name, {})
    return dict(table) if isinstance(table, dict) else {}


@cache
def _load() -> _Tables:
    raw = _raw()
    families: dict[str, dict[str, Any]] = raw["family"]
    specs: dict[str, ModelSpec] = {}
    for name, entry in raw["model"].items():
        family = entry["family"]
        specs[name] = _spec_from(name, family, {**families[family], **entry}, True, "catalog")
    rules = tuple(Rule.from_toml(table) for table in raw.get("rule", ()))
    return families, specs, rules


@lru_cache(maxsize=4096)
def get_spec(model: str) -> ModelSpec:
    """What ``model`` is: its entry, its alias's entry, a family rule's guess, or generic
    (resolved once per id; see the module docstring).

    Example: ``get_spec("qwen3.7-max").endpoint  # 'multimodal-generation' (rule)``
    """
    _, specs, rules = _load()
    spec = specs.get(model)
    if spec is not None:
        return spec
    base = alias_base(model, specs)
    if base is not None:
        return replace(specs[base], name=model, resolved_by="alias")
    rule = matching_rule(model, rules)
    if rule is not None:
        return replace(get_spec_for_rule(rule), name=model)
    return generic_spec(model)


def generic_spec(model: str, **overrides: Any) -> ModelSpec:
    """A spec for a model id the catalog does not list; ``overrides`` declare what it can do.

    Example: ``generic_spec("qwen-new", tools=True, thinking="hybrid")``.
    """
    return replace(_generic_template(), name=model, **overrides)


@cache
def _generic_template() -> ModelSpec:
    """The generic entry, read once (each id gets a copy named after it; ``get_spec``'s bounded
    cache keeps the ones in use, so unknown ids do not pile up in a second, unbounded cache)."""
    return _spec_from("generic", "generic", dict(_load()[0]["generic"]), False, "generic")


def family_rules() -> tuple[Rule, ...]:
    """The catalog's family rules, in the order they are tried."""
    return _load()[2]


def all_specs() -> tuple[ModelSpec, ...]:
    """Every model the catalog lists, in file order."""
    return tuple(_load()[1].values())


def family_labels() -> dict[str, str]:
    """Family name → human label, in file order (generic excluded)."""
    return {name: f["label"] for name, f in _load()[0].items() if name != "generic"}


def get_spec_for_rule(rule: Rule) -> ModelSpec:
    """The spec a rule gives the ids it covers (named after its first pattern)."""
    families = _load()[0]
    return _spec_from(rule.patterns[0], rule.family, {**families[rule.family], **rule.overrides},
                      False, "rule")  # fmt: skip
