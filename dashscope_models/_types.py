"""Request and response types of the native DashScope generation API.

Requests are plain dataclasses: every parameter defaults to ``None`` ("not set") and only set
parameters are sent. Responses are slotted dataclasses built once per response or per streamed
event, keeping the per-chunk cost small.

Example::

    request = GenerationRequest(
        model="qwen-plus",
        messages=[Message("system", "Be brief."), Message("user", "Hi!")],
        temperature=0.3,
    )
"""

# ruff: noqa: RUF009  (the parameter rows are dataclass fields made by number(), switch() ...)
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from dashscope_models._parameters import (
    COUNT_RANGE,
    OUTPUT_CAP_ALIAS,
    SEED_RANGE,
    Parameter,
    integer,
    number,
    switch,
    table,
    value,
    wire_stop,
    wire_tools,
)
from dashscope_models._tool_choice import wire_tool_choice

__all__ = [
    "ROLES",
    "Chunk",
    "ContentPart",
    "GenerationRequest",
    "GenerationResult",
    "Message",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
    "flat_content",
    "parameters",
]

ROLES = frozenset({"system", "user", "assistant", "tool"})

ContentPart = dict[str, Any]
"""One part of multimodal content: ``{"text": ...}``, ``{"image": url}``, ``{"video": url}`` or
``{"video": [frame urls]}``, ``{"audio": url}``, with the part's own options beside the key
(``{"image": url, "min_pixels": 3136}``). Sent as given: no key is ever dropped."""


def flat_content(content: str | list[ContentPart]) -> str | list[ContentPart]:
    """Text-endpoint content: a string when every part is plain text; otherwise the parts as
    given (media or part options are never dropped: the service judges them)."""
    if isinstance(content, str):
        return content
    if all(len(p) == 1 and isinstance(p.get("text"), str) for p in content):
        return "".join(p["text"] for p in content)
    return list(content)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A complete function call requested by the model; ``arguments`` is a JSON string.

    Example: ``ToolCall(id="call_1", name="get_weather", arguments='{"city": "Hangzhou"}')``.
    """

    id: str
    name: str
    arguments: str
    index: int = 0
    type: str = "function"

    def to_wire(self) -> dict[str, Any]:
        """The call as DashScope expects it back in an assistant message."""
        return {
            "index": self.index,
            "id": self.id,
            "type": self.type,
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCallDelta:
    """One streamed fragment of a tool call. The first fragment of a call carries ``id`` and
    ``name``; later ones only an ``arguments`` piece. ``index`` is always resolved.

    Example: ``"".join(d.arguments for c in chunks for d in c.tool_calls if d.index == 0)``
    """

    index: int
    id: str | None
    name: str | None
    arguments: str


@dataclass(slots=True)
class Message:
    """One chat message.

    ``content`` is a string, or a list of :data:`ContentPart` for the multimodal endpoint.
    An assistant message may carry ``tool_calls`` (and ``reasoning_content`` for thinking
    models that need it back); a ``tool`` message answers the call named by ``tool_call_id``.
    ``partial=True`` on a final assistant message asks the model to continue that text.

    Example: ``Message("user", [{"image": "https://x/cat.png"}, {"text": "What is this?"}])``.
    """

    role: str
    content: str | list[ContentPart] = ""
    tool_calls: Sequence[ToolCall] | None = None
    tool_call_id: str | None = None
    name: str | None = None
    partial: bool = False
    reasoning_content: str | None = None


@dataclass(slots=True, kw_only=True)
class GenerationRequest:
    """One call to a generation model: ``messages`` (chat) or ``prompt`` (completion).

    Every parameter left at ``None`` is omitted from the request, so the service's own
    default applies. ``extra_parameters`` are passed through verbatim (new service options).
    The parameters below ``prompt`` are the parameter table: each row says how its parameter
    is checked, sent and exposed (see ``_parameters``).

    Example::

        GenerationRequest(model="qwen-plus", prompt="1+1=", max_tokens=5, stop=["\\n"])
    """

    model: str
    messages: Sequence[Message] | None = None
    prompt: str | None = None
    # The parameter table (see ``_parameters``): one row per parameter, its wire name first.
    # fmt: off
    temperature: float | None = number(framework=True, identifying=True)
    top_p: float | None = number(framework=True, identifying=True)
    top_k: int | None = integer(framework=True, identifying=True)
    max_tokens: int | None = integer(framework=True, identifying=True, alias=OUTPUT_CAP_ALIAS,
                                     wire_alias=True)
    stop: str | Sequence[str] | Sequence[int] | Sequence[Sequence[int]] | None = value(
        framework=True, identifying=True, checked_in_extra=True, alias="stop_sequences",
        setting_type=list[str] | None, wire=wire_stop)
    seed: int | None = integer(framework=True, identifying=True, range=SEED_RANGE)
    repetition_penalty: float | None = number(framework=True)
    presence_penalty: float | None = number(framework=True)
    frequency_penalty: float | None = number(framework=True)
    enable_thinking: bool | None = switch(framework=True, identifying=True, checked_in_extra=True)
    thinking_budget: int | None = integer(framework=True)
    # Qwen3.6+: earlier turns' reasoning_content is read back; Qwen3.8+/Qwen4 (and DeepSeek v4):
    # a thinking level, sent as given (sources disagree on the values: never checked).
    preserve_thinking: bool | None = switch(framework=True)
    reasoning_effort: str | None = value(framework=True, identifying=True)
    enable_search: bool | None = switch(framework=True)
    logprobs: bool | None = switch(framework=True, identifying=True, checked_in_extra=True)
    top_logprobs: int | None = integer(framework=True, identifying=True, range=COUNT_RANGE)
    enable_code_interpreter: bool | None = switch(framework=True)
    result_format: Literal["text", "message"] | None = value()
    tools: Sequence[dict[str, Any]] | None = value(checked_in_extra=True, wire=wire_tools)
    tool_choice: str | dict[str, Any] | None = value(checked_in_extra=True, wire=wire_tool_choice)
    parallel_tool_calls: bool | None = switch()
    response_format: dict[str, Any] | None = value(checked_in_extra=True)
    incremental_output: bool | None = switch(sent=False)
    # Options of the 2026 lineup (shapes checked in _options; recordings in ../shared/recorded).
    # As constructor fields they take any value, so that a wrong shape is the same
    # RequestValidationError (at the call, before any request) wherever it is given.
    ocr_options: dict[str, Any] | None = value(framework=True, checked_in_extra=True,
                                               setting_type=Any)
    translation_options: dict[str, Any] | None = value(framework=True, checked_in_extra=True,
                                                       setting_type=Any)
    search_options: dict[str, Any] | None = value(framework=True, checked_in_extra=True,
                                                  setting_type=Any)
    # Where to send it ("text-generation" | "multimodal-generation"), over the catalog and the
    # routing rules (for ids no rule covers): never in the body; checked in _options.
    endpoint: str | None = value(framework=True, sent=False)
    # The explicit context cache (see _cache), applied to the messages, never sent as parameters:
    # a marker for the last part that can take one (langchain-anthropic's call argument), the
    # Qwen4 form's automatic caching and its TTL ("5m" or "1h").
    cache_control: dict[str, Any] | None = value(sent=False)
    automatic_cache: bool | None = switch(framework=True, sent=False)
    cache_ttl: Literal["5m", "1h"] | None = value(framework=True, sent=False,
                                                 setting_type=str | None)
    # fmt: on
    extra_parameters: dict[str, Any] = field(default_factory=dict)
    thinking_disabled: str | None = None
    """Why ``enable_thinking=False`` is sent though the caller did not ask (the integrations'
    ``settle_thinking``); never sent, the answer carries it (``extras["thinking_disabled"]``)."""


_TABLE = table(GenerationRequest)


def parameters() -> tuple[Parameter, ...]:
    """The parameter table: one row per generation parameter, in ``GenerationRequest``'s field
    order (see ``_parameters``)."""
    return _TABLE


@dataclass(slots=True)
class Usage:
    """Token counts as the service reports them (cumulative in a stream).

    ``total_tokens`` is computed when the service omits it; the detail fields are ``None``
    when not reported. The explicit context cache reports ``cached_tokens`` (read from the
    cache), ``cache_creation_tokens`` (written to it) and ``cache_creation`` (the written tokens
    by TTL, as sent: ``{"ephemeral_5m_input_tokens": n}``), all in
    ``prompt_tokens_details``.

    Example: ``Usage.from_wire({"input_tokens": 5, "output_tokens": 2}).total_tokens  # 7``
    """

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int | None = None
    cache_creation_tokens: int | None = None
    cache_creation: dict[str, int] | None = None
    reasoning_tokens: int | None = None
    image_tokens: int | None = None
    audio_tokens: int | None = None
    video_tokens: int | None = None

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> Usage:
        """Read a wire ``usage`` object."""
        inp = int(raw.get("input_tokens") or 0)
        out = int(raw.get("output_tokens") or 0)
        total = raw.get("total_tokens")
        prompt_details = raw.get("prompt_tokens_details") or {}
        output_details = raw.get("output_tokens_details") or {}
        input_details = raw.get("input_tokens_details") or {}
        return cls(
            input_tokens=inp,
            output_tokens=out,
            total_tokens=int(total) if total is not None else inp + out,
            cached_tokens=prompt_details.get("cached_tokens"),
            cache_creation_tokens=prompt_details.get("cache_creation_input_tokens"),
            cache_creation=prompt_details.get("cache_creation"),
            reasoning_tokens=output_details.get("reasoning_tokens"),
            image_tokens=_media_tokens(raw, input_details, "image_tokens"),
            audio_tokens=_media_tokens(raw, input_details, "audio_tokens"),
            video_tokens=_media_tokens(raw, input_details, "video_tokens"),
        )


def _media_tokens(raw: dict[str, Any], details: dict[str, Any], key: str) -> int | None:
    """A media token count, top-level (older answers) or in ``input_tokens_details``."""
    value = raw.get(key)
    return details.get(key) if value is None else value


@dataclass(slots=True)
class GenerationResult:
    """A complete answer.

    ``text`` is the reply (joined text parts on the multimodal endpoint); ``tool_calls`` is
    empty when the model called none; ``usage`` is ``None`` for models that report none;
    ``raw`` is the wire body (or the last event of a stream). ``logprobs`` (asked for with
    ``logprobs=True``, ``top_logprobs=n``) is ``choices[0].logprobs.content`` as sent: one
    ``{"token", "logprob", "bytes", "top_logprobs": [...]}`` entry per output token (OpenAI's
    shape); ``None`` when the answer carries none.

    Example: ``result = client.generate(request); print(result.text, result.usage)``
    """

    text: str
    request_id: str
    model: str
    finish_reason: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    logprobs: list[dict[str, Any]] | None = None
    extras: dict[str, Any] | None = None
    """What the answer carries beside the message, as sent: ``ocr_result`` (OCR models, from
    the content part), ``search_info`` (web search sources), ``tool_info`` (built-in tools
    such as the code interpreter); ``None`` when there is none."""


@dataclass(slots=True, kw_only=True)
class Chunk:
    """One streamed increment: only what is new since the previous chunk.

    The last chunk of a stream has ``finish_reason`` set and carries the final ``usage``;
    no earlier chunk carries usage, so summing is never needed. ``logprobs`` holds the new
    log-probability entries of this event (see :class:`GenerationResult`), else ``None``.

    Built by keyword (``Chunk(text="hi", request_id="r-1")``).

    Example: ``for chunk in client.stream(request): print(chunk.text, end="")``
    """

    text: str
    request_id: str
    reasoning_content: str = ""
    tool_calls: list[ToolCallDelta] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage | None = None
    logprobs: list[dict[str, Any]] | None = None
    extras: dict[str, Any] | None = None
    """On the last chunk: the answer's extras (see :class:`GenerationResult`)."""
