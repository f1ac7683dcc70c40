"""Checks of the routing override and of the structured options, before any request.

``endpoint`` must name one of the two generation endpoints. ``ocr_options``,
``translation_options`` and ``search_options`` are objects whose shape the recordings show
(``../shared/recorded``: ``multimodal-generation-vl-ocr-advanced-recognition-nosse``,
``single-generation-message-translation-nosse``, ``single-generation-message-search-nosse``);
a value of another shape would reach the service only to be refused, so it is refused here
with :class:`RequestValidationError`. A value in ``extra_parameters`` is checked over the
field's (it is the one sent); the keys the recordings do not show are left to the service.

Example::

    check_options(GenerationRequest(model="qwen-mt-plus", prompt="你好",
                                    extra_parameters={"translation_options": "English"}))
    # RequestValidationError: translation_options must be an object such as ...
"""

from __future__ import annotations

from typing import Any

from dashscope_models._endpoints import GENERATION_ENDPOINTS
from dashscope_models._errors import RequestValidationError
from dashscope_models._types import GenerationRequest

__all__ = ["OPTION_NAMES", "check_options"]

OPTION_NAMES = ("ocr_options", "translation_options", "search_options")
_NAMES = frozenset(OPTION_NAMES)

_EXAMPLES = {
    "ocr_options": '{"task": "advanced_recognition"}',
    "translation_options": '{"source_lang": "Chinese", "target_lang": "English"}',
    "search_options": '{"enable_source": true, "forced_search": true}',
}
# (key, type) pairs each option's recording shows; other keys pass through unchecked.
_STRINGS = {
    "ocr_options": ("task",),
    "translation_options": ("source_lang", "target_lang", "domains"),
    "search_options": ("citation_format", "search_strategy"),
}
_SWITCHES = ("enable_source", "enable_citation", "forced_search", "enable_search_extension")
_PAIR_LISTS = ("terms", "tm_list")  # translation: [{"source": ..., "target": ...}, ...]


def _fail(message: str) -> RequestValidationError:
    return RequestValidationError(message, code="InvalidOption")


def _value(request: GenerationRequest, name: str) -> Any:
    value = request.extra_parameters.get(name)  # sent over the field (see _request)
    return getattr(request, name) if value is None else value


def check_options(request: GenerationRequest) -> None:
    """Raise :class:`RequestValidationError` for a bad ``endpoint`` or option shape."""
    if request.endpoint is not None and request.endpoint not in GENERATION_ENDPOINTS:
        raise RequestValidationError(
            f"endpoint={request.endpoint!r}: use 'text-generation' or 'multimodal-generation'",
            code="InvalidEndpoint",
        )
    extra = request.extra_parameters
    unset = request.ocr_options is None and request.translation_options is None
    if unset and request.search_options is None and not (extra and _NAMES & extra.keys()):
        return  # the common case: no option set
    for name in OPTION_NAMES:
        value = _value(request, name)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise _fail(f"{name} must be an object such as {_EXAMPLES[name]}, not {value!r}")
        for key in _STRINGS[name]:
            if key in value and not isinstance(value[key], str):
                raise _fail(f"{name}[{key!r}] must be a string, not {value[key]!r}")
        if name == "translation_options":
            _check_translation(value)
        if name == "search_options":
            for key in _SWITCHES:
                if key in value and not isinstance(value[key], bool):
                    raise _fail(f"search_options[{key!r}] must be True or False")


def _check_translation(options: dict[str, Any]) -> None:
    if not isinstance(options.get("target_lang"), str) or not options["target_lang"]:
        raise _fail("translation_options needs target_lang, e.g. 'English'")
    for key in _PAIR_LISTS:
        pairs = options.get(key)
        if pairs is None:
            continue
        if not isinstance(pairs, list) or not all(
            isinstance(p, dict) and isinstance(p.get("source"), str)
            and isinstance(p.get("target"), str)
            for p in pairs
        ):  # fmt: skip
            raise _fail(
                f"translation_options[{key!r}] must be a list of "
                '{"source": ..., "target": ...} pairs'
            )
