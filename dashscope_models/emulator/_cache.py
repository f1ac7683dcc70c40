"""The emulator's explicit context cache, as Model Studio's "Context cache" page describes it.

* A marker is ``cache_control: {"type": "ephemeral"}`` on a content part (or the Qwen4 page's
  ``prompt_cache_breakpoint: {"mode": "explicit"}``); at most 4 a request (more: a 400 whose
  text is [INF]: the page gives the limit, not the service's words).
* Each marker names the prefix from the first part of the request to the end of the marked part;
  an entry is that prefix's hash (with the model and the API key: entries are reused only
  between one user's requests, per the Qwen4 page), its token count and its expiry.
* From each marker the service looks back up to 20 parts for a live entry and reads the longest
  one (``cached_tokens``); the entry's lifetime starts again (5 minutes; 1 hour for a
  ``"ttl": "1h"`` marker, the Qwen4 form [INF: its field]). A marker without a live entry at its
  own prefix creates one when the prefix has at least 1,024 tokens; only the part not already
  cached is counted as created (the Qwen4 page; the same for the first form [INF]).
* The counts go in ``usage.prompt_tokens_details``: ``cached_tokens``,
  ``cache_creation_input_tokens``, ``cache_creation: {"ephemeral_5m_input_tokens": n}`` (the
  page; ``ephemeral_1h_input_tokens`` for 1-hour entries [INF]) and ``cache_type: "ephemeral"``
  (BerriAI/litellm#40090 quotes the service's bodies).
* Token counts are the emulator's estimate (one per CJK character, one per 4 other characters,
  4 per message, as its ``input_tokens``); media parts count nothing here [INF].

The clock is the emulator's own: ``emulator.cache.advance(301)`` moves it (tests), or pass
``clock=`` (any ``() -> seconds``).

Example::

    emulator = Emulator()
    ...  # a request with a marked prefix of 1,024+ tokens: cache_creation_input_tokens > 0
    ...  # the same request again: cached_tokens equal to it
    emulator.cache.advance(5 * 60 + 1)  # the entry has expired: the next request creates again
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dashscope_models._embedding import estimate_tokens

__all__ = ["LOOK_BACK", "MAX_MARKERS", "MIN_TOKENS", "TTL_SECONDS", "ContextCache"]

MAX_MARKERS = 4
MIN_TOKENS = 1024
LOOK_BACK = 20
TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}
_MESSAGE_TOKENS = 4  # as the emulator's input_tokens counts a message
TOO_MANY = f"The number of cache_control markers in a request cannot exceed {MAX_MARKERS}."


@dataclass(slots=True)
class _Entry:
    tokens: int
    expires: float


@dataclass(frozen=True, slots=True)
class _Block:
    digest: str  # of the whole prefix up to and including this part
    tokens: int  # of that prefix
    ttl: str | None  # "5m" / "1h" when the part carries a marker, else None


def _marker_ttl(part: Any) -> str | None:
    if not isinstance(part, dict):
        return None
    control = part.get("cache_control")
    if isinstance(control, dict):
        return "1h" if control.get("ttl") == "1h" else "5m"
    return "5m" if "prompt_cache_breakpoint" in part else None


def _markers(body: Any) -> int:
    messages = (body.get("input") or {}).get("messages") if isinstance(body, dict) else None
    count = 0
    for message in messages or ():
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            count += sum(1 for p in content if _marker_ttl(p) is not None)
    return count


def _blocks(body: dict[str, Any], user: str) -> list[_Block]:
    """Each content part of the request with its prefix's hash and tokens."""
    messages = (body.get("input") or {}).get("messages") or []
    digest = hashlib.sha256(f"{body.get('model')}\0{user}".encode()).hexdigest()
    before = 0  # tokens of the messages before this one (as input_tokens counts them)
    blocks: list[_Block] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        parts = [{"text": content}] if isinstance(content, str) else list(content or [{}])
        head = {k: v for k, v in message.items() if k != "content"}
        text_so_far = ""
        for i, part in enumerate(parts):
            plain = (
                {k: v for k, v in part.items() if k not in ("cache_control",
                                                          "prompt_cache_breakpoint")}
                if isinstance(part, dict)
                else part
            )  # fmt: skip
            item = [head, plain] if i == 0 else plain
            text = json.dumps(item, ensure_ascii=False, sort_keys=True)
            digest = hashlib.sha256(f"{digest}\0{text}".encode()).hexdigest()
            words = plain.get("text") if isinstance(plain, dict) else None
            text_so_far += words if isinstance(words, str) else ""
            tokens = before + _MESSAGE_TOKENS + estimate_tokens(text_so_far)
            blocks.append(_Block(digest, tokens, _marker_ttl(part)))
        before += _MESSAGE_TOKENS + estimate_tokens(text_so_far)
    return blocks


class ContextCache:
    """One emulator's explicit-cache entries (see the module docstring); thread-safe.

    Example::

        cache = ContextCache()
        details = cache.apply(body, "sk-test")  # None when the request has no marker
        cache.advance(301)                      # five minutes and a second later
    """

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock or time.monotonic
        self._offset = 0.0
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def now(self) -> float:
        """The cache's clock (seconds)."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward (entries whose time is up expire)."""
        with self._lock:
            self._offset += seconds

    def clear(self) -> None:
        """Forget every entry (the clock keeps its time)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        now = self.now()
        with self._lock:
            return sum(1 for e in self._entries.values() if e.expires > now)

    @staticmethod
    def too_many(body: Any) -> bool:
        """Whether ``body`` carries more markers than the service takes."""
        return _markers(body) > MAX_MARKERS

    def apply(self, body: dict[str, Any], user: str) -> dict[str, Any] | None:
        """Read and write the entries ``body``'s markers name; the ``prompt_tokens_details``
        to report, or ``None`` when it has no marker."""
        if not _markers(body):  # the common case: nothing hashed
            return None
        blocks = _blocks(body, user)
        marked = [i for i, b in enumerate(blocks) if b.ttl is not None]
        now = self.now()
        read = covered = 0
        created = {"5m": 0, "1h": 0}
        new: dict[str, _Entry] = {}  # written once the answer is made: not read by this request
        with self._lock:
            for i in marked:
                ttl = blocks[i].ttl or "5m"
                hit = None
                for j in range(i, max(i - LOOK_BACK, -1), -1):
                    entry = self._entries.get(blocks[j].digest)
                    if entry is not None and entry.expires > now:
                        hit = j
                        entry.expires = max(entry.expires, now + TTL_SECONDS[ttl])  # renewed
                        read = max(read, entry.tokens)
                        covered = max(covered, entry.tokens)
                        break
                if hit == i or blocks[i].tokens < MIN_TOKENS:
                    continue
                new[blocks[i].digest] = _Entry(blocks[i].tokens, now + TTL_SECONDS[ttl])
                created[ttl] += max(0, blocks[i].tokens - covered)
                covered = max(covered, blocks[i].tokens)
            self._entries.update(new)
        by_ttl = {f"ephemeral_{k}_input_tokens": v for k, v in created.items() if v or k == "5m"}
        return {
            "cached_tokens": read,
            "cache_creation_input_tokens": sum(created.values()),
            "cache_creation": by_ttl,
            "cache_type": "ephemeral",
        }
