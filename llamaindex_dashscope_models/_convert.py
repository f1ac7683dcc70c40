"""LlamaIndex chat messages ⇄ the core's types.

Inbound: each message's blocks become DashScope content by ``_content.to_parts`` (text,
media, documents, explicit-cache markers; in every role, nothing dropped); a message's
``additional_kwargs`` may add ``partial=True`` (a last assistant message to continue);
tool-call history is read from ``ToolCallBlock`` blocks or ``additional_kwargs["tool_calls"]``
(as llama-index-llms-openai writes it); tool results carry ``tool_call_id``.

Outbound: a core result or chunk becomes a ``ChatResponse`` with the accumulated message, the
``delta``, tool calls (both as blocks and in ``additional_kwargs["tool_calls"]``), reasoning as
a ``ThinkingBlock`` and ``thinking_delta``, and token usage (with image/audio/video tokens) and
the answer's ``ocr_result``, ``search_info`` and ``tool_info`` in ``additional_kwargs`` (a web
search's results also as ``CitationBlock`` blocks after the text, on the last streamed
response); completions likewise as a ``CompletionResponse`` (reasoning in
``additional_kwargs``). A streamed response's ``raw`` is ``{"request_id", "usage"}``
(``usage`` in wire keys on the last one, else ``None``): LlamaIndex's ``TokenCountingHandler``
reads the service's counts from there, as from llama-index-llms-openai's chunks. Log
probabilities (``logprobs=True``, ``top_logprobs=n``) are ``logprobs``: one list per token of
its ``top_logprobs`` as ``LogProb`` objects (llama-index-llms-openai's
``from_openai_token_logprobs``, which skips a token without alternatives); a streamed response
holds those of the text so far.

Example::

    to_core([ChatMessage(role="user", content="Hi")])  # [Message("user", "Hi")]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    CompletionResponse,
    LogProb,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from dashscope_models import (
    Chunk,
    GenerationResult,
    Message,
    RequestValidationError,
    ToolCall,
    Usage,
)
from dashscope_models.integration import mark_last, search_sources, trusted
from llamaindex_dashscope_models._citations import citation_blocks
from llamaindex_dashscope_models._content import cache_marker, leading_cache_point, to_parts

if TYPE_CHECKING:
    from dashscope_models.integration import StreamReader as Accumulated

__all__ = [
    "StreamResponses",
    "completion_from_result",
    "response_from_result",
    "to_core",
    "usage_kwargs",
]

_ROLES = {
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "system",
    MessageRole.USER: "user",
    MessageRole.ASSISTANT: "assistant",
    MessageRole.TOOL: "tool",
    MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant",
}


def _tool_calls(message: ChatMessage) -> list[ToolCall] | None:
    calls: list[ToolCall] = []
    for block in message.blocks:
        if isinstance(block, ToolCallBlock):
            args = block.tool_kwargs
            arguments = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
            calls.append(ToolCall(block.tool_call_id or f"call_{len(calls)}", block.tool_name,
                                  arguments, index=len(calls)))  # fmt: skip
    if not calls:
        for i, raw in enumerate(message.additional_kwargs.get("tool_calls") or []):
            function = raw.get("function") or {}
            arguments = function.get("arguments") or "{}"
            if not isinstance(arguments, str):
                arguments = json.dumps(arguments, ensure_ascii=False)
            calls.append(
                ToolCall(raw.get("id") or f"call_{i}", function.get("name", ""), arguments, index=i)
            )
    return calls or None


def to_core(messages: Sequence[ChatMessage]) -> list[Message]:
    """Convert a LlamaIndex conversation (raises ``RequestValidationError`` on unknown roles)."""
    out: list[Message] = []
    for m in messages:
        role = _ROLES.get(m.role)
        if role is None:
            raise RequestValidationError(
                f"unsupported message role {m.role.value!r}: use system, user, assistant or tool",
                code="UnknownRole",
            )
        if role == "tool":
            call_id = m.additional_kwargs.get("tool_call_id")
            out.append(
                Message(
                    "tool", to_parts(m), tool_call_id=call_id, name=m.additional_kwargs.get("name")
                )
            )
        elif role == "assistant":
            reasoning = next(
                (b.content for b in m.blocks if isinstance(b, ThinkingBlock) and b.content), None
            )
            out.append(
                Message(
                    "assistant",
                    to_parts(m),
                    tool_calls=_tool_calls(m),
                    partial=m.additional_kwargs.get("partial") is True,
                    reasoning_content=reasoning,
                )
            )
        else:
            out.append(Message(role, to_parts(m)))
        point = leading_cache_point(m)
        if point is not None and len(out) > 1:
            out[-2] = mark_last(out[-2:-1], cache_marker(point))[0]
    return out


def usage_kwargs(usage: Usage | None) -> dict[str, Any]:
    """Token counts as llama-index-llms-openai reports them; the explicit context cache's
    ``cached_tokens`` (read) and ``cache_creation_input_tokens`` (written) when reported."""
    if usage is None:
        return {}
    out: dict[str, Any] = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }
    if usage.cached_tokens is not None:
        out["cached_tokens"] = usage.cached_tokens
    if usage.cache_creation_tokens is not None:
        out["cache_creation_input_tokens"] = usage.cache_creation_tokens
    if usage.reasoning_tokens is not None:
        out["reasoning_tokens"] = usage.reasoning_tokens
    for key in ("image_tokens", "audio_tokens", "video_tokens"):
        count = getattr(usage, key)
        if count is not None:
            out[key] = count
    return out


def _stream_raw(chunk: Chunk) -> dict[str, Any]:
    """A streamed response's ``raw``: the core's chunk keeps no wire event, so the request id
    and the final usage in wire keys (``TokenCountingHandler`` looks for ``raw["usage"]``)."""
    usage = chunk.usage
    wire: dict[str, Any] | None = None
    if usage is not None:
        wire = {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
                "total_tokens": usage.total_tokens}  # fmt: skip
        if usage.cache_creation_tokens is not None or usage.cached_tokens:
            wire["prompt_tokens_details"] = {
                "cached_tokens": usage.cached_tokens or 0,
                "cache_creation_input_tokens": usage.cache_creation_tokens or 0,
            }
    return {"request_id": chunk.request_id, "usage": wire}


def _wire_calls(calls: Sequence[ToolCall]) -> list[dict[str, Any]]:
    return [c.to_wire() for c in calls]


def text_block(text: str) -> TextBlock:
    return trusted(TextBlock, {"block_type": "text", "text": text})


def assistant(blocks: list[Any], extra: dict[str, Any]) -> ChatMessage:
    return trusted(
        ChatMessage, {"role": MessageRole.ASSISTANT, "additional_kwargs": extra, "blocks": blocks}
    )


def _message(text: str, reasoning: str | None, calls: Sequence[ToolCall]) -> ChatMessage:
    blocks: list[Any] = []
    if reasoning:
        blocks.append(ThinkingBlock(content=reasoning))
    blocks.append(text_block(text))
    for c in calls:
        blocks.append(ToolCallBlock(tool_call_id=c.id, tool_name=c.name, tool_kwargs=c.arguments))
    extra: dict[str, Any] = {"tool_calls": _wire_calls(calls)} if calls else {}
    return assistant(blocks, extra)


def to_logprobs(entries: Sequence[dict[str, Any]]) -> list[list[LogProb]]:
    """Wire logprobs entries as LlamaIndex's ``logprobs``: per token, its alternatives."""
    return [
        [
            LogProb(
                token=str(alt.get("token") or ""),
                logprob=float(alt.get("logprob") or 0.0),
                bytes=list(alt.get("bytes") or []),
            )
            for alt in top
        ]
        for entry in entries
        if (top := entry.get("top_logprobs"))
    ]


def _logprobs(result: GenerationResult) -> list[list[LogProb]] | None:
    return None if result.logprobs is None else to_logprobs(result.logprobs)


def _cite(message: ChatMessage, text: str, extras: dict[str, Any] | None) -> None:
    """A web search's results (``search_info``) as ``CitationBlock``s after the text."""
    if extras and "search_info" in extras:
        message.blocks.extend(citation_blocks(text, search_sources(extras["search_info"])))


def response_from_result(result: GenerationResult) -> ChatResponse:
    """A complete answer as a ``ChatResponse``."""
    extra = {
        **usage_kwargs(result.usage),
        "request_id": result.request_id,
        "finish_reason": result.finish_reason,
        **(result.extras or {}),  # ocr_result, search_info, tool_info: as sent
    }
    message = _message(result.text, result.reasoning_content, result.tool_calls)
    _cite(message, result.text, result.extras)
    return trusted(ChatResponse, {"message": message, "raw": result.raw, "delta": None,
                                "logprobs": _logprobs(result),
                                "additional_kwargs": extra})  # fmt: skip


class StreamResponses:
    """The growing ``ChatResponse``/``CompletionResponse`` of a stream, one per chunk, read from
    the core's accumulated answer (text, reasoning and tool calls so far: nothing is merged
    here); only the log probabilities, converted to LlamaIndex's type, are kept as they come.

    Example::

        responses = StreamResponses()
        for item in client.stream_accumulated(request):
            yield responses.chat(item)
    """

    __slots__ = ("logprobs",)

    def __init__(self) -> None:
        self.logprobs: list[list[LogProb]] | None = None  # once any came: a new list each time

    def _extra(self, chunk: Chunk) -> dict[str, Any]:
        if chunk.logprobs is not None:
            self.logprobs = [*(self.logprobs or ()), *to_logprobs(chunk.logprobs)]
        extra: dict[str, Any] = {"request_id": chunk.request_id}
        if chunk.reasoning_content:
            extra["thinking_delta"] = chunk.reasoning_content
        if chunk.finish_reason is not None:
            extra.update(usage_kwargs(chunk.usage), finish_reason=chunk.finish_reason)
            extra.update(chunk.extras or {})
        return extra

    def chat(self, item: tuple[Chunk, Accumulated], /) -> ChatResponse:
        """The response for a chunk and the answer so far (as ``stream_accumulated`` gives
        them): the message so far, ``delta`` the chunk's text."""
        chunk, so_far = item
        extra = self._extra(chunk)
        message = _message(so_far.text, so_far.reasoning_content, so_far.tool_calls)
        if chunk.finish_reason is not None:
            _cite(message, so_far.text, chunk.extras)
        return trusted(ChatResponse, {"message": message, "raw": _stream_raw(chunk),
                                    "delta": chunk.text, "logprobs": self.logprobs,
                                    "additional_kwargs": extra})  # fmt: skip

    def completion(self, item: tuple[Chunk, Accumulated], /) -> CompletionResponse:
        """The completion for a chunk and the answer so far: the text so far, ``delta`` the
        chunk's text."""
        chunk, so_far = item
        extra = self._extra(chunk)
        return _completion(so_far.text, chunk.text, _stream_raw(chunk), extra, self.logprobs)


def _completion(
    text: str,
    delta: str | None,
    raw: Any,
    extra: dict[str, Any],
    logprobs: list[list[LogProb]] | None = None,
) -> CompletionResponse:
    return trusted(CompletionResponse, {"text": text, "additional_kwargs": extra, "raw": raw,
                                      "logprobs": logprobs, "delta": delta})  # fmt: skip


def completion_from_result(result: GenerationResult) -> CompletionResponse:
    """A complete answer as a ``CompletionResponse`` (reasoning in ``reasoning_content``)."""
    extra = {
        **usage_kwargs(result.usage),
        "request_id": result.request_id,
        "finish_reason": result.finish_reason,
        **(result.extras or {}),
    }
    if result.reasoning_content:
        extra["reasoning_content"] = result.reasoning_content
    return _completion(result.text, None, result.raw, extra, _logprobs(result))
