"""What the emulator core answers: a status, headers and a body cut into frames.

The core (``_core.Emulator.handle``) is pure: it turns a request into an
:class:`EmulatorResponse`. The two front ends (the loopback HTTP server and the in-process
httpx transport) only play it back: wait ``delay``, send the headers, then each frame after
its own ``delay``; when ``drop_after`` is set they break the connection after that many frames
instead of ending the body cleanly.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Frame:
    """One piece of the response body, sent after waiting ``delay`` seconds.

    Example: ``Frame(b"id:1\\nevent:result\\n...", delay=0.05)``
    """

    data: bytes
    delay: float = 0.0


@dataclass(slots=True)
class EmulatorResponse:
    """A complete scripted answer to one request.

    Example: ``response = emulator.handle("POST", path, headers, body); response.status``
    """

    status: int
    headers: list[tuple[str, str]]
    frames: list[Frame] = field(default_factory=list)
    delay: float = 0.0
    drop_after: int | None = None

    @property
    def streamed(self) -> bool:
        """True for SSE bodies (sent with chunked transfer encoding)."""
        return any(k.lower() == "content-type" and "event-stream" in v for k, v in self.headers)
