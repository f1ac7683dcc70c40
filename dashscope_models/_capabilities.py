"""Capability errors that help: what the model lacks, what it has instead, who has it.

A request (or a structured-output method) that needs a capability the model's catalog entry
does not have is refused before any request; the message names the missing capability, the
model's own alternatives (never one it lacks too), and catalogued models that have it, its
own family first.

Example::

    models_with("tools", get_spec("deepseek-r1"))  # ['deepseek-v3', 'deepseek-v4-pro', ...]
    lacking(get_spec("moonshot-v1-8k"), "json_schema")
    # 'moonshot-v1-8k has no JSON schema output (catalog); models that have it: qwen-plus, ...'
"""

from __future__ import annotations

from dashscope_models._catalog import ModelSpec, all_specs
from dashscope_models._endpoints import GENERATION_ENDPOINTS

__all__ = ["CAPABILITY_LABELS", "UNSUPPORTED_CODES", "has", "lacking", "models_with"]

CAPABILITY_LABELS = {
    "tools": "tool calling",
    "json_mode": "JSON mode",
    "json_schema": "JSON schema output",
    "vision": "image input",
    "thinking": "thinking mode",
}
UNSUPPORTED_CODES = {
    "tools": "ToolsUnsupported",
    "json_mode": "JsonModeUnsupported",
    "json_schema": "JsonSchemaUnsupported",
    "vision": "UnsupportedContent",
    "thinking": "ThinkingUnsupported",
}
"""The error code of a request refused for each missing capability."""


def has(spec: ModelSpec, capability: str) -> bool:
    """Whether the catalog says ``spec`` has ``capability`` (a key of ``CAPABILITY_LABELS``)."""
    if capability == "thinking":
        return spec.thinking != "none"
    return bool(getattr(spec, capability))


def models_with(capability: str, near: ModelSpec, limit: int = 3) -> list[str]:
    """Up to ``limit`` catalogued chat models with ``capability``: ``near``'s family first,
    then in catalog order."""
    able = [
        s for s in all_specs()
        if s.endpoint in GENERATION_ENDPOINTS and s.is_chat_model and s.name != near.name
        and has(s, capability)
    ]  # fmt: skip
    able.sort(key=lambda s: s.family != near.family)  # stable: catalog order within each group
    return [s.name for s in able[:limit]]


def lacking(spec: ModelSpec, capability: str) -> str:
    """ "<model> has no <capability> (catalog); models that have it: a, b, c"."""
    label = CAPABILITY_LABELS[capability]
    others = models_with(capability, spec)
    where = f"; models that have it: {', '.join(others)}" if others else ""
    return f"{spec.name} has no {label} (catalog){where}"
