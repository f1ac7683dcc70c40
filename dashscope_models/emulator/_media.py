"""What the emulator adds for media and the 2026 options, in the recordings' shapes.

* :func:`media_tokens`: ``image_tokens`` / ``video_tokens`` / ``audio_tokens`` for the parts a
  request carries (``multimodal-generation-vl-nosse``, ``-vl-video-nosse``, ``-audio-nosse``:
  the counts sit at the top of ``usage``); a video given as frames counts each frame.
* :func:`answer_extras`, per option the request sets:
  ``ocr_options``: an ``ocr_result`` beside the text in the content part, ``words_info``
  entries of ``location`` (8 ints), ``rotate_rect`` (5 ints) and ``text``
  (``multimodal-generation-vl-ocr-advanced-recognition-nosse``);
  ``enable_search``: ``usage.plugins.search``; with ``search_options.enable_source``,
  ``output.search_info.search_results`` (``index``, ``title``, ``url``, ``site_name``,
  ``icon``), with ``enable_search_extension`` its ``extra_tool_info``
  (``single-generation-message-search-nosse``);
  ``enable_code_interpreter``: ``output.tool_info`` and ``usage.plugins.code_interpreter``
  (``single-generation-message-with-code-interpreter-sse``);
  ``translation_options``: ``output.model_name`` and ``output.finish_reason`` beside the
  choices (``single-generation-message-translation-nosse``).

Example::

    media_tokens(body)          # {"image_tokens": 1000}
    answer_extras(body, "The words")  # ({"ocr_result": {...}}, None, {}) for an OCR request
"""

from __future__ import annotations

from typing import Any

__all__ = ["answer_extras", "media_tokens"]

# Per image, video frame or audio clip [INF]: deterministic; the recordings show other counts
# (image_tokens 2503 in multimodal-generation-message-with-tools-sse, audio_tokens 752 in
# multimodal-generation-audio-nosse), which depend on the media's size.
TOKENS_PER_ITEM = 1000
_KEYS = {"image": "image_tokens", "video": "video_tokens", "audio": "audio_tokens"}


def _parts(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages = (body.get("input") or {}).get("messages") or []
    return [
        p
        for m in messages
        if isinstance(m, dict) and isinstance(m.get("content"), list)
        for p in m["content"]
        if isinstance(p, dict)
    ]


def media_tokens(body: dict[str, Any]) -> dict[str, int]:
    """Token counts per media kind the request carries (absent kinds left out)."""
    counts: dict[str, int] = {}
    for part in _parts(body):
        for kind, key in _KEYS.items():
            if kind in part:
                items = len(part[kind]) if isinstance(part[kind], list) else 1
                counts[key] = counts.get(key, 0) + TOKENS_PER_ITEM * items
    return counts


def answer_extras(
    body: dict[str, Any], text: str
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, dict[str, Any]]:
    """``(content part extras, output extras, usage extras)`` for the request's options."""
    params = body.get("parameters") or {}
    usage: dict[str, Any] = {}
    content = None
    # The shapes are the recordings' (ocr_result.words_info, search_info); the values are
    # made up [INF: values].
    if isinstance(params.get("ocr_options"), dict):
        words = text.split() or ["EMULATOR"]
        content = {"ocr_result": {"words_info": [
            {"location": [10 + 100 * i, 10, 90 + 100 * i, 10, 90 + 100 * i, 40, 10 + 100 * i, 40],
             "rotate_rect": [50 + 100 * i, 25, 30, 80, 90], "text": word}
            for i, word in enumerate(words[:20])
        ]}}  # fmt: skip
    output: dict[str, Any] | None = None
    options = params.get("search_options")
    options = options if isinstance(options, dict) else {}
    if params.get("enable_search") is True:
        strategy = str(options.get("search_strategy") or "standard")
        usage["plugins"] = {"search": {"count": 1, "strategy": strategy}}
        info: dict[str, Any] = {}
        if options.get("enable_search_extension"):  # a vertical tool's answer (stock, weather)
            info["extra_tool_info"] = [{"result": f"Emulator data for: {text[:40]}",
                                        "tool": "emulator"}]  # fmt: skip
        if options.get("enable_source"):
            info["search_results"] = [
                {"icon": "", "index": 1, "site_name": "Emulator", "title": f"About: {text[:40]}",
                 "url": "https://example.com/emulator/search/1"},
            ]  # fmt: skip
        output = {"search_info": info} if info else None
    if params.get("enable_code_interpreter") is True:  # recorded ...-with-code-interpreter-sse
        usage["plugins"] = {**usage.get("plugins", {}), "code_interpreter": {"count": 1}}
        calls = [{"code_interpreter": {"code": "print('emulated')"}, "type": "code_interpreter"}]
        output = {**(output or {}), "tool_info": calls}
    if isinstance(params.get("translation_options"), dict):  # ...-translation-nosse
        output = {**(output or {}), "model_name": body.get("model")}
    return content, output, usage
