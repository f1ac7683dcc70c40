"""Batch rows without I/O: our requests as Batch-service lines, and its answer lines back.

DashScope's Batch service runs OpenAI-shaped chat completions (compatible mode): each input line
is ``{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {...}}`` and each
output line ``{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}``
(recorded: ``get-file-content-compatible-nosse``). :func:`encode_row` validates a
:class:`GenerationRequest` exactly as a live call would (``build_body``) and writes its line;
:func:`decode_row` turns an answer line into a :class:`GenerationResult` (parsed by the same
reader as live answers) or the typed error of that row.

A row's documents are uploaded before the batch is created (``_batch``: the Files API, purpose
``file-extract``, as a live call's) and named by file id as a live call names them; its local
media goes inline (see :func:`encode_row`).

Service limits (Model Studio "批量推理" input-file rules, help.aliyun.com/zh/model-studio/
batch-inference, "规模限制 / 单行限制 / 一致性要求"): at most 50,000 requests and 500 MB per file,
6 MB per line, one model (and thinking mode) per file.

Example::

    line = encode_row(0, GenerationRequest(model="qwen-plus", prompt="Hi"))
    index, result = decode_row(json.loads(output_line))
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from dashscope_models._attachments import Local, plan
from dashscope_models._errors import DashScopeError, RequestValidationError, error_from_body
from dashscope_models._parse import parse_result
from dashscope_models._request import build_body
from dashscope_models._types import GenerationRequest, GenerationResult

__all__ = [
    "BATCH_ENDPOINT",
    "BatchError",
    "BatchLimits",
    "decode_row",
    "encode_row",
    "group_key",
    "pending_ref",
    "resolve_line",
]

BATCH_ENDPOINT = "/v1/chat/completions"
_PENDING = "dashscope-models-pending-"
_PENDING_RE = re.compile(rb"dashscope-models-pending-([0-9a-f]{64})")

# Native parameters the compatible mode does not take: the answer is always message-shaped and
# a batch row is never streamed.
_DROPPED = frozenset({"result_format", "incremental_output"})


class BatchError(DashScopeError):
    """A batch, or one of its rows, did not produce an answer: the input file was refused
    (``code`` from the batch's ``errors``), the row was cancelled or expired, or the output
    holds no line for it.

    Example: ``[r for r in job.results() if isinstance(r, BatchError)]``
    """


@dataclass(frozen=True, slots=True)
class BatchLimits:
    """What one input file may hold; above it the requests are split into several batches.

    Example: ``client.submit_batch(requests, limits=BatchLimits(max_rows=1000))``
    """

    max_rows: int = 50_000
    max_file_bytes: int = 500 * 1024 * 1024
    max_line_bytes: int = 6 * 1024 * 1024


def _part(part: dict[str, str]) -> dict[str, Any]:
    """A native content part (``{"text"}``, ``{"image"}``...) in the compatible mode's form."""
    if "text" in part:
        return {"type": "text", "text": part["text"]}
    if "image" in part:
        return {"type": "image_url", "image_url": {"url": part["image"]}}
    if "video" in part:
        return {"type": "video_url", "video_url": {"url": part["video"]}}
    if "audio" in part:
        return {"type": "input_audio", "input_audio": {"data": part["audio"]}}
    return dict(part)  # an option part (min_pixels...) goes as it is


def _message(native: dict[str, Any]) -> dict[str, Any]:
    out = dict(native)
    content = native.get("content")
    if isinstance(content, list):
        out["content"] = [_part(p) for p in content]
    return out


def openai_body(native: dict[str, Any]) -> dict[str, Any]:
    """A native request body (``build_body``) as a chat-completions body: parameters go
    top-level, as the compatible mode and the Batch docs take them (``enable_thinking`` too)."""
    input_ = native["input"]
    if "messages" in input_:
        messages = [_message(m) for m in input_["messages"]]
    else:  # prompt mode: the prompt is the user's message
        messages = [{"role": "user", "content": input_["prompt"]}]
    body: dict[str, Any] = {"model": native["model"], "messages": messages}
    for key, value in native["parameters"].items():
        if key not in _DROPPED:
            body[key] = value
    return body


def group_key(request: GenerationRequest) -> tuple[str, bool | None]:
    """Requests that may share one input file: same model and thinking mode (the docs'
    一致性要求)."""
    return request.model, request.enable_thinking


def encode_row(
    index: int, request: GenerationRequest, documents: dict[str, Local] | None = None
) -> bytes:
    """The JSONL line (with its newline) of request ``index``; a request the validator refuses
    raises :class:`RequestValidationError` naming the index.

    Documents and local files are checked as a live call checks them (``_attachments.plan``).
    A document to upload is added to ``documents`` (by digest) and its row names it by a
    placeholder, :func:`pending_ref`, that :func:`resolve_line` replaces with the file id once
    uploaded (``None``: such a request is refused). Local media goes inline, as a ``data:``
    URI: a batch row cannot send the temporary storage's resolve header, and the service keeps
    those files 48 hours, less than a batch may wait; a row past the line limit is refused."""
    try:
        prepared = build_body(_attached(request, documents), stream=False)
    except RequestValidationError as err:
        raise _at(index, err) from None
    row = {
        "custom_id": str(index),
        "method": "POST",
        "url": BATCH_ENDPOINT,
        "body": openai_body(prepared.body),
    }
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _attached(request: GenerationRequest, documents: dict[str, Local] | None) -> GenerationRequest:
    todo = plan(request)
    if todo is None:
        return request
    if todo.documents:
        if documents is None:
            raise RequestValidationError(
                "a batch row's local documents must be uploaded first: submit it with "
                "submit_batch, which uploads them",
                code="UnsupportedContent",
            )
        for doc in todo.documents:
            documents.setdefault(doc.digest, doc)
    ids = {doc.digest: _PENDING + doc.digest for doc in todo.documents}
    return todo.apply(ids, {media.digest: media.data_uri() for media in todo.media})


def pending_ref(digest: str) -> str:
    """The placeholder a row holds for the file id of the document with this digest."""
    return _PENDING + digest


def resolve_line(line: bytes, file_ids: dict[str, str]) -> bytes:
    """``line`` with each placeholder replaced by its document's file id."""
    return _PENDING_RE.sub(lambda m: file_ids[m.group(1).decode()].encode(), line)


def _at(index: int, err: DashScopeError) -> RequestValidationError:
    out = RequestValidationError(f"request {index}: {err.message}", code=err.code)
    out.index = index  # type: ignore[attr-defined]
    return out


def refuse(index: int, message: str, code: str = "InvalidBatchRequest") -> RequestValidationError:
    """The error for request ``index`` that cannot go in a batch (e.g. a line too long)."""
    return _at(index, RequestValidationError(message, code=code))


def _native_answer(body: dict[str, Any], request_id: str) -> dict[str, Any]:
    """A chat.completion body in the native shape, so the live answer reader parses it."""
    choices = []
    for choice in body.get("choices") or []:
        native = {
            "message": choice.get("message") or {},
            "finish_reason": choice.get("finish_reason"),
        }
        if choice.get("logprobs") is not None:
            native["logprobs"] = choice["logprobs"]
        choices.append(native)
    out: dict[str, Any] = {"output": {"choices": choices}, "request_id": request_id}
    usage = body.get("usage")
    if isinstance(usage, dict):
        out["usage"] = {
            "input_tokens": usage.get("prompt_tokens", 0),
            "output_tokens": usage.get("completion_tokens", 0),
            "total_tokens": usage.get("total_tokens"),
            "prompt_tokens_details": usage.get("prompt_tokens_details") or {},
            "output_tokens_details": usage.get("completion_tokens_details") or {},
        }
    return out


def decode_row(line: dict[str, Any]) -> tuple[str, GenerationResult | DashScopeError]:
    """``(custom_id, result or typed error)`` of one output- or error-file line."""
    custom_id = str(line.get("custom_id"))
    response: dict[str, Any] = line["response"] if isinstance(line.get("response"), dict) else {}
    request_id = str(response.get("request_id") or line.get("id") or "")
    if response.get("status_code") == 200:
        body = response.get("body") or {}
        try:
            result = parse_result(_native_answer(body, request_id), str(body.get("model") or ""))
        except DashScopeError as err:
            return custom_id, err
        result.raw = body
        return custom_id, result
    if response.get("body") is not None:
        status = int(response.get("status_code") or 400)
        return custom_id, error_from_body(status, response["body"], request_id or None)
    error: dict[str, Any] = line["error"] if isinstance(line.get("error"), dict) else {}
    return custom_id, BatchError(
        str(error.get("message") or "the batch gave no answer for this row"),
        code=str(error.get("code") or "BatchRowFailed"),
        request_id=request_id or None,
        body=line,
    )
