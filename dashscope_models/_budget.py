"""Checks of a request's size that need no tokenizer: a certain lower bound of its tokens.

Moonshot's models share one context between the input and the output: the input plus
``max_tokens`` (1,024 when not set) must fit 8k/32k/128k, or the service refuses the request
(seed 001; reference §3.2 and §13). We cannot count tokens as the service does, so we count a
number the real count can never be under: every tokenizer in use (tiktoken-style BPE, and
SentencePiece splitting on whitespace) starts a new token at each run of non-space characters,
so a text has at least as many tokens as whitespace-separated runs. A request refused here is
one the service would certainly refuse; a valid one is never refused.

Example::

    lower_bound_tokens("What is the capital of France?")  # 6
    check_context(GenerationRequest(model="moonshot-v1-8k", prompt="hi", max_tokens=8192),
                  get_spec("moonshot-v1-8k"))  # RequestValidationError: ... over the context
"""

from __future__ import annotations

from collections.abc import Sequence

from dashscope_models._catalog import ModelSpec
from dashscope_models._errors import RequestValidationError
from dashscope_models._types import GenerationRequest, Message

__all__ = ["check_context", "lower_bound_tokens"]


def lower_bound_tokens(text: str) -> int:
    """A count the text's real token count is never under (its whitespace-separated runs)."""
    return len(text.split())


def _message_text(messages: Sequence[Message]) -> list[str]:
    texts: list[str] = []
    for m in messages:
        if isinstance(m.content, str):
            texts.append(m.content)
        else:
            texts.extend(str(p["text"]) for p in m.content if "text" in p)
    return texts


def check_context(request: GenerationRequest, spec: ModelSpec, max_tokens: int | None) -> None:
    """Refuse a Moonshot request whose input (at least) plus ``max_tokens`` exceeds the context.

    ``max_tokens`` is the output cap as sent (the field, or ``max_completion_tokens``); the
    model's default applies when it is ``None``.
    """
    if spec.family != "moonshot" or not spec.known or not spec.limits_known:
        return
    texts = _message_text(request.messages) if request.messages is not None else []
    if request.prompt:
        texts.append(request.prompt)
    used = sum(map(lower_bound_tokens, texts))
    cap = spec.default_max_tokens if max_tokens is None else max_tokens
    if used + cap <= spec.context_window:
        return
    which = f"max_tokens={cap}" if max_tokens is not None else f"the default max_tokens ({cap})"
    room = spec.context_window - used
    advice = (
        f"set max_tokens to at most {room}, or shorten the input"
        if room > 0
        else "shorten the input"
    )
    raise RequestValidationError(
        f"{spec.name} has a {spec.context_window}-token context shared by the input and the "
        f"output: the input is at least {used} tokens, which with {which} is over it; {advice} "
        "(or use a model with a larger context, e.g. moonshot-v1-128k)",
        code="ContextLengthExceeded",
    )
