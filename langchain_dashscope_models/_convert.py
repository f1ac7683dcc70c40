"""LangChain messages ⇄ the core's types.

Inbound: system/human/AI/tool messages become core :class:`Message` objects; their content
blocks become DashScope parts with nothing dropped (``_content``: images, video or frame
lists, audio, part options, qwen-long ``file_id`` references, DashScope's own part dicts);
tool-call history comes from ``AIMessage.tool_calls``; reasoning content is sent back when
present; a last ``AIMessage`` with ``additional_kwargs["partial"] = True`` asks the model to
continue it (prefix continuation).
Outbound: a core result or chunk becomes an ``AIMessage`` / ``AIMessageChunk`` with tool calls,
``usage_metadata``, ``response_metadata`` (the last chunk's with ``token_usage``, as an answer's
has it from ``llm_output``) and reasoning in ``additional_kwargs`` (which
``content_blocks`` shows as standard reasoning blocks). Log probabilities (``logprobs=True``)
are ``response_metadata["logprobs"] = {"content": [...]}`` and ``generation_info["logprobs"]``,
as langchain-openai gives them; a streamed chunk holds its own entries (added chunks concatenate).
The answer's ``ocr_result``, ``search_info`` and ``tool_info`` are ``response_metadata`` keys.

Example::

    to_core([SystemMessage("Be brief."), HumanMessage("Hi")])
    # [Message("system", "Be brief."), Message("user", "Hi")]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from dashscope_models import (
    Chunk,
    ContentPart,
    GenerationResult,
    Message,
    RequestValidationError,
    ToolCall,
    Usage,
)
from dashscope_models.integration import trusted
from langchain_dashscope_models._content import to_parts

__all__ = [
    "chat_result",
    "chunk_message",
    "combine_llm_outputs",
    "generation_chunk",
    "result_message",
    "stream_pieces",
    "to_core",
    "token_usage",
    "usage_metadata",
]

_ROLES = {"system": "system", "human": "user", "user": "user", "ai": "assistant",
          "assistant": "assistant", "tool": "tool"}  # fmt: skip


def _reasoning(message: AIMessage) -> str | None:
    """Reasoning to send back: ``additional_kwargs["reasoning_content"]``, else the text of
    the message's reasoning blocks (LangChain's v1 output)."""
    reasoning = message.additional_kwargs.get("reasoning_content")
    if isinstance(reasoning, str):
        return reasoning
    if isinstance(message.content, list):
        texts = [str(b.get("reasoning") or b.get("thinking") or "") for b in message.content
                 if isinstance(b, dict) and b.get("type") in ("reasoning", "thinking")]  # fmt: skip
        return "".join(texts) or None
    return None


def _tool_calls(message: AIMessage) -> list[ToolCall] | None:
    """The calls an assistant message made, invalid ones too (their raw arguments, as
    langchain-openai sends them), so the tool results that answer them stay paired."""
    calls = [
        ToolCall(id=c.get("id") or f"call_{i}", name=c["name"],
                 arguments=json.dumps(c.get("args") or {}, ensure_ascii=False), index=i)
        for i, c in enumerate(message.tool_calls)
    ]  # fmt: skip
    for c in message.invalid_tool_calls:
        i = len(calls)
        calls.append(ToolCall(id=c.get("id") or f"call_{i}", name=c.get("name") or "",
                              arguments=c.get("args") or "", index=i))  # fmt: skip
    return calls or None


def _tool_content(message: ToolMessage) -> str | list[ContentPart]:
    content = to_parts(message.content)
    if message.status != "error":
        return content
    text = content if isinstance(content, str) else "".join(p.get("text", "") for p in content)
    if text.lower().startswith("error"):
        return content
    return f"Error: {content}" if isinstance(content, str) else [{"text": "Error: "}, *content]


# The role of each message class (chunks are subclasses: a streamed answer added up is an
# AIMessageChunk, and goes back into the history like an AIMessage).
_CLASS_ROLES: tuple[tuple[type[BaseMessage], str], ...] = (
    (AIMessage, "assistant"), (HumanMessage, "user"), (ToolMessage, "tool"),
    (SystemMessage, "system"),
)  # fmt: skip


def _role(message: BaseMessage) -> str | None:
    if isinstance(message, ChatMessage):
        return _ROLES.get(message.role)
    for cls, role in _CLASS_ROLES:
        if isinstance(message, cls):
            return role
    return None


def to_core(messages: Sequence[BaseMessage]) -> list[Message]:
    """Convert a LangChain conversation (raises ``RequestValidationError`` on unknown roles)."""
    out: list[Message] = []
    for m in messages:
        role = _role(m)
        if role is None:
            kind = m.role if isinstance(m, ChatMessage) else m.type
            raise RequestValidationError(
                f"unsupported message role {kind!r}: use system, human (user), ai (assistant) "
                "or tool messages",
                code="UnknownRole",
            )
        if isinstance(m, AIMessage):
            out.append(
                Message(
                    "assistant",
                    to_parts(m.content),
                    tool_calls=_tool_calls(m),
                    partial=m.additional_kwargs.get("partial") is True,
                    reasoning_content=_reasoning(m),
                )
            )
        elif isinstance(m, ToolMessage):
            out.append(Message("tool", _tool_content(m), tool_call_id=m.tool_call_id, name=m.name))
        else:
            out.append(Message(role, to_parts(m.content)))
    return out


def usage_metadata(usage: Usage | None) -> UsageMetadata | None:
    """LangChain's usage record, with the cache (read, created) and reasoning details when
    reported (the split of created tokens by TTL stays in the answer's raw usage: summed with
    ``cache_creation`` it would count them twice)."""
    if usage is None:
        return None
    meta = UsageMetadata(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens,
    )
    details = InputTokenDetails()
    if usage.cached_tokens is not None:
        details["cache_read"] = usage.cached_tokens
    if usage.cache_creation_tokens is not None:
        details["cache_creation"] = usage.cache_creation_tokens
    if usage.audio_tokens is not None:
        details["audio"] = usage.audio_tokens
    # Provider-specific keys (InputTokenDetails allows them): image and video tokens.
    for key, count in (("image", usage.image_tokens), ("video", usage.video_tokens)):
        if count is not None:
            details[key] = count  # type: ignore[literal-required]
    if details:
        meta["input_token_details"] = details
    if usage.reasoning_tokens is not None:
        meta["output_token_details"] = OutputTokenDetails(reasoning=usage.reasoning_tokens)
    return meta


# What the validated constructors would report as set, given the arguments a caller passes.
_AI_SET = frozenset({"content", "additional_kwargs", "response_metadata", "id", "tool_calls",
                     "invalid_tool_calls", "usage_metadata"})  # fmt: skip
_CHUNK_SET = _AI_SET | {"tool_call_chunks", "chunk_position"}
_GENERATION_SET = frozenset({"message", "text"})
_INFO_GENERATION_SET = _GENERATION_SET | {"generation_info"}
_RESULT_SET = frozenset({"generations", "llm_output"})


def _metadata(
    model: str,
    finish: str | None,
    request_id: str,
    logprobs: list[dict[str, Any]] | None = None,
    extras: dict[str, Any] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"model_name": model, "finish_reason": finish,
                            "request_id": request_id, "model_provider": "dashscope"}  # fmt: skip
    if logprobs is not None:
        meta["logprobs"] = {"content": logprobs}
    if extras:  # ocr_result, search_info, tool_info: as the service sent them
        meta.update(extras)
    return meta


def result_message(result: GenerationResult) -> AIMessage:
    """A complete answer as an ``AIMessage``."""
    calls, invalid = [], []
    for c in result.tool_calls:
        try:
            args = json.loads(c.arguments) if c.arguments.strip() else {}
            if not isinstance(args, dict):
                raise ValueError("arguments are not a JSON object")
            calls.append(tool_call(name=c.name, args=args, id=c.id))
        except ValueError as exc:
            invalid.append(
                invalid_tool_call(name=c.name, args=c.arguments, id=c.id, error=str(exc))
            )
    extra: dict[str, Any] = {}
    if result.reasoning_content:
        extra["reasoning_content"] = result.reasoning_content
    metadata = _metadata(
        result.model, result.finish_reason, result.request_id, result.logprobs, result.extras
    )
    if not calls and not invalid:
        # Once per call: built without pydantic validation (our values are typed already);
        # a test checks it equals the validated constructor's.
        return trusted(AIMessage, {
            "content": result.text, "additional_kwargs": extra,
            "response_metadata": metadata, "type": "ai", "name": None,
            "id": result.request_id or None, "tool_calls": [], "invalid_tool_calls": [],
            "usage_metadata": usage_metadata(result.usage),
        }, _AI_SET)  # fmt: skip
    return AIMessage(
        content=result.text,
        tool_calls=calls,
        invalid_tool_calls=invalid,
        additional_kwargs=extra,
        usage_metadata=usage_metadata(result.usage),
        response_metadata=metadata,
        id=result.request_id or None,
    )


def stream_pieces(model: str, usage: bool, chunk: Chunk) -> tuple[ChatGenerationChunk, ...]:
    """The ``ChatGenerationChunk`` of one streamed delta (arguments in this order for
    ``functools.partial``); two for a last event that carries tool-call fragments (the service
    sends the finish reason with the last fragment): the fragments, then an empty last chunk
    with the metadata and usage (as OpenAI's stream ends). LangChain treats a
    ``chunk_position="last"`` chunk as a whole answer: its ``content_blocks`` (and its v1
    ``content``) would drop the last fragment for a bogus parse of it alone. ``usage=False``:
    no ``usage_metadata`` (``stream_usage``)."""
    if not chunk.tool_calls or chunk.finish_reason is None:
        return (generation_chunk(chunk_message(chunk, model, usage)),)
    fragments = Chunk(text=chunk.text, request_id=chunk.request_id,
                      reasoning_content=chunk.reasoning_content, tool_calls=chunk.tool_calls,
                      logprobs=chunk.logprobs)  # fmt: skip
    last = Chunk(text="", request_id=chunk.request_id, finish_reason=chunk.finish_reason,
                 usage=chunk.usage, extras=chunk.extras)  # fmt: skip
    return (generation_chunk(chunk_message(fragments, model)),
            generation_chunk(chunk_message(last, model, usage)))  # fmt: skip


def chunk_message(chunk: Chunk, model: str, usage: bool = True) -> AIMessageChunk:
    """One streamed delta as an ``AIMessageChunk`` (metadata and usage on the last one)."""
    extra: dict[str, Any] = {}
    if chunk.reasoning_content:
        extra["reasoning_content"] = chunk.reasoning_content
    if chunk.finish_reason is not None:
        metadata = _metadata(
            model, chunk.finish_reason, chunk.request_id, chunk.logprobs, chunk.extras
        )
        if usage and chunk.usage is not None:  # as an invoke's response_metadata has them
            metadata["token_usage"] = token_usage(usage_metadata(chunk.usage))
    else:
        metadata = {"model_provider": "dashscope"}
        if chunk.logprobs is not None:
            metadata["logprobs"] = {"content": chunk.logprobs}
    if not chunk.tool_calls and chunk.finish_reason is None:
        # The common case, once per streamed token: built without pydantic validation, which
        # is most of a chunk's cost. A test checks it equals the validated constructor's.
        return trusted(AIMessageChunk, {
            "content": chunk.text, "additional_kwargs": extra, "response_metadata": metadata,
            "type": "AIMessageChunk", "name": None, "id": chunk.request_id or None,
            "tool_calls": [], "invalid_tool_calls": [], "usage_metadata": None,
            "tool_call_chunks": [], "chunk_position": None,
        }, _CHUNK_SET)  # fmt: skip
    return AIMessageChunk(
        content=chunk.text,
        additional_kwargs=extra,
        tool_call_chunks=[
            tool_call_chunk(name=d.name, args=d.arguments, id=d.id, index=d.index)
            for d in chunk.tool_calls
        ],
        usage_metadata=usage_metadata(chunk.usage) if usage else None,
        response_metadata=metadata,
        id=chunk.request_id or None,
        chunk_position="last" if chunk.finish_reason is not None else None,
    )


def generation_chunk(message: AIMessageChunk) -> ChatGenerationChunk:
    """``ChatGenerationChunk(message=message)`` without re-validating the message (``text`` is
    what its validator would set: our chunks' content is always a string). The last chunk
    carries ``generation_info`` (finish reason and model), as langchain-openai's does, and a
    chunk with log probabilities carries them there too."""
    meta = message.response_metadata
    logprobs = meta.get("logprobs")
    if message.chunk_position == "last":
        info = {"finish_reason": meta.get("finish_reason"), "model_name": meta.get("model_name")}
        if logprobs is not None:
            info["logprobs"] = logprobs
        return ChatGenerationChunk(message=message, generation_info=info)
    chunk_info = None if logprobs is None else {"logprobs": logprobs}
    values = {"text": message.text, "generation_info": chunk_info, "type": "ChatGenerationChunk"}
    fields = _GENERATION_SET if chunk_info is None else _INFO_GENERATION_SET
    return trusted(ChatGenerationChunk, {**values, "message": message}, fields)


def token_usage(usage: UsageMetadata | None) -> dict[str, int]:
    """The flat token counts of ``llm_output["token_usage"]``."""
    if usage is None:
        return {}
    return {"input_tokens": usage["input_tokens"], "output_tokens": usage["output_tokens"],
            "total_tokens": usage["total_tokens"]}  # fmt: skip


def chat_result(message: AIMessage) -> ChatResult:
    """``ChatResult(generations=[ChatGeneration(message=message, generation_info=...)],
    llm_output=...)`` without re-validating: the finish reason and model per generation, token
    usage, model and request id for the call (what langchain-openai reports there)."""
    meta = message.response_metadata
    model, finish = meta.get("model_name"), meta.get("finish_reason")
    info = {"finish_reason": finish, "model_name": model}
    if "logprobs" in meta:
        info["logprobs"] = meta["logprobs"]
    values = {"text": message.text, "generation_info": info, "type": "ChatGeneration"}
    generation = trusted(ChatGeneration, {**values, "message": message}, _INFO_GENERATION_SET)
    llm_output = {"token_usage": token_usage(message.usage_metadata), "model_name": model,
                  "request_id": meta.get("request_id")}  # fmt: skip
    return trusted(ChatResult, {"generations": [generation], "llm_output": llm_output},
                   _RESULT_SET)  # fmt: skip


def combine_llm_outputs(outputs: list[dict[str, Any] | None]) -> dict[str, Any]:
    """The ``llm_output`` of several calls (a batch): token usage summed, the first model."""
    present = [o for o in outputs if o]
    if not present:
        return {}
    usage: dict[str, int] = {}
    for output in present:
        for key, value in (output.get("token_usage") or {}).items():
            usage[key] = usage.get(key, 0) + value
    return {"token_usage": usage, "model_name": present[0].get("model_name")}
