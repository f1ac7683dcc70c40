"""A local DashScope emulator, for tests, examples, benchmarks and your own test suites.

One pure core (:class:`Emulator`: request in, scripted response out, requests recorded) with
two front ends: a real HTTP server on 127.0.0.1 (:func:`start_emulator`, or
``python -m dashscope_models.emulator [--port N] [--api-key KEY]``) and an in-process httpx
transport (:class:`EmulatorTransport`). It speaks the native protocol (JSON and SSE, text and
message formats, cumulative and incremental streams, tool-call fragments, reasoning, usage,
error bodies), validates requests like the service, and answers deterministically when
nothing is scripted.

Example::

    from dashscope_models import DashScopeClient, GenerationRequest, Message
    from dashscope_models.emulator import Fault, Reply, start_emulator

    with start_emulator(api_key="sk-test") as server:
        client = DashScopeClient(base_url=server.base_url, api_key="sk-test")
        server.emulator.queue(Fault.rate_limit(), Reply(text="Hello!"))
        result = client.generate(GenerationRequest(model="qwen-plus",
                                                   messages=[Message("user", "Hi")]))
        assert result.text == "Hello!"          # the 429 was retried
        assert len(server.emulator.requests) == 2
"""

from dashscope_models.emulator._apps import App, AppDocument
from dashscope_models.emulator._engine import Emulator, RecordedRequest
from dashscope_models.emulator._http import EmulatorServer, start_emulator
from dashscope_models.emulator._inprocess import EmulatorTransport
from dashscope_models.emulator._response import EmulatorResponse, Frame
from dashscope_models.emulator._script import Fault, Reply

__all__ = [
    "App",
    "AppDocument",
    "Emulator",
    "EmulatorResponse",
    "EmulatorServer",
    "EmulatorTransport",
    "Fault",
    "Frame",
    "RecordedRequest",
    "Reply",
    "start_emulator",
]
