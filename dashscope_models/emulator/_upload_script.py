"""Scripted faults for the emulator's uploads, apart from the generation script.

A test queues faults for the next *uploads* (a document posted to the Files API,
``POST /compatible-mode/v1/files``; a file posted to the temporary storage's upload host), so
that a reply queued for the generation after them is not taken by an upload. Each upload
request takes the next fault, if any:

* ``Fault.http_error(status, code, message)``: the upload is refused, nothing is stored; the
  answer is the Files API's error body, or OSS's error document on the upload host;
* ``Fault.slow(first_byte_delay=...)``: the file is stored, the answer comes that much later.

A fault's ``first_byte_delay`` delays its answer (``dataclasses.replace`` sets it on an error).

``received`` counts upload requests, refused ones too (``emulator.batches.files`` and
``emulator.storage`` hold what was stored).

Example::

    emulator.uploads.queue(Fault.slow(first_byte_delay=0.3))
    emulator.uploads.queue(replace(Fault.server_error(), first_byte_delay=0.3))
    emulator.uploads.received  # upload requests so far
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from dashscope_models.emulator._response import EmulatorResponse
from dashscope_models.emulator._script import Fault

__all__ = ["UploadScript"]


class UploadScript:
    """Faults for the next uploads, and how many upload requests came (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: deque[Fault] = deque()
        self.received = 0

    def queue(self, *faults: Fault) -> None:
        """Faults for the next uploads, in order (``times=n``: the next ``n``)."""
        with self._lock:
            for fault in faults:
                if fault.kind not in ("http_error", "slow"):
                    raise ValueError(f"an upload takes http_error or slow faults, not {fault.kind}")
                self._faults.extend([fault] * fault.times)

    def clear(self) -> None:
        """Forget the queued faults and the count."""
        with self._lock:
            self._faults.clear()
            self.received = 0

    def answer(
        self,
        store: Callable[[], EmulatorResponse],
        refuse: Callable[[int, str, str], EmulatorResponse],
    ) -> EmulatorResponse:
        """One upload's answer: ``store()`` makes it, ``refuse(status, code, message)`` the
        answer of a scripted error."""
        with self._lock:
            self.received += 1
            fault = self._faults.popleft() if self._faults else None
        if fault is None:
            return store()
        if fault.kind == "http_error":
            response = refuse(fault.status, fault.code, fault.message)
        else:
            response = store()
        response.delay += fault.first_byte_delay
        return response
