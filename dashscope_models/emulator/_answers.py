"""Building the emulator core's responses: the service's headers, error answers, and the
scripted faults of a stream (an error event, a drop, a malformed event, slow chunks).

Example::

    response = error_response(400, "InvalidParameter", "bad", request_id="r-1")
"""

from __future__ import annotations

import json
from typing import Any

from dashscope_models.emulator._response import EmulatorResponse, Frame
from dashscope_models.emulator._script import Fault
from dashscope_models.emulator._wire import error_body, sse_frame

__all__ = ["JSON", "SSE", "answer_response", "apply_stream_fault", "dumps", "error_response"]

JSON = "application/json;charset=UTF-8"
SSE = "text/event-stream;charset=UTF-8"


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def apply_stream_fault(response: EmulatorResponse, fault: Fault, request_id: str) -> None:
    frames = response.frames
    after = fault.after if fault.after is not None else 0
    if fault.kind == "error_event":
        error = error_body(fault.code, fault.message, request_id).decode()
        del frames[after:]
        frames.append(Frame(sse_frame(after + 1, error, error_status=fault.status)))
    elif fault.kind == "drop":
        response.drop_after = min(after, len(frames) - 1)
    elif fault.kind == "malformed":
        at = min(after, len(frames) - 1)
        frames[at] = Frame(sse_frame(at + 1, '{"output": {"text": "unterminated'))
    elif fault.kind == "slow":
        response.frames = [Frame(f.data, f.delay + fault.chunk_delay) for f in frames]


def answer_response(
    status: int, content_type: str, request_id: str, frames: list[Frame]
) -> EmulatorResponse:
    headers = [
        ("content-type", content_type),
        ("x-request-id", request_id),
        ("x-dashscope-call-gateway", "true"),
    ]
    return EmulatorResponse(status, headers, frames)


def error_response(
    status: int,
    code: str,
    message: str,
    request_id: str,
    extra: list[tuple[str, str]] | None = None,
) -> EmulatorResponse:
    response = answer_response(
        status, JSON, request_id, [Frame(error_body(code, message, request_id))]
    )
    response.headers.extend(extra or [])
    return response
