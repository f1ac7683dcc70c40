"""Prompt formats of MOSS and ChatYuan, and the reply filter (streamed and whole)."""

from __future__ import annotations

import pytest

from dashscope_models import Message, RequestValidationError, render_prompt
from dashscope_models._prompt import MOSS_META_INSTRUCTION, ReplyFilter


def test_moss_format_matches_the_seed_example() -> None:
    prompt = render_prompt("moss", [Message("user", "你好")])
    assert prompt == MOSS_META_INSTRUCTION + "<|Human|>: 你好<eoh>\n<|MOSS|>:"


def test_moss_multi_turn_with_system() -> None:
    prompt = render_prompt(
        "moss",
        [
            Message("system", "Answer in English."),
            Message("user", "hi"),
            Message("assistant", "Hello!"),
            Message("user", "2+2?"),
        ],
    )
    assert prompt.endswith(
        "Answer in English.\n<|Human|>: hi<eoh>\n<|MOSS|>: Hello!<eom>\n"
        "<|Human|>: 2+2?<eoh>\n<|MOSS|>:"
    )


def test_chatyuan_format() -> None:
    prompt = render_prompt(
        "chatyuan",
        [Message("user", "你好"), Message("assistant", "你好！"), Message("user", "写诗")],
    )
    assert prompt == "用户：你好\n小元：你好！\n用户：写诗\n小元："


def test_tools_and_images_cannot_be_rendered() -> None:
    with pytest.raises(RequestValidationError, match="role 'tool'"):
        render_prompt("moss", [Message("tool", "x", tool_call_id="c")])
    with pytest.raises(RequestValidationError, match="text only"):
        render_prompt("chatyuan", [Message("user", [{"image": "u"}])])


def _moss_echo(prompt: str, reply: str) -> str:
    # What the service sends back (seed 000): the prompt with markers re-spaced, the reply, <eom>.
    return prompt.replace("<eoh>", " <eoh> ") + " " + reply + " <eom>"


@pytest.mark.parametrize("piece", [1, 2, 3, 7, 1000])
def test_moss_reply_filter_strips_echo_at_any_chunking(piece: int) -> None:
    prompt = render_prompt(
        "moss", [Message("user", "你好"), Message("assistant", "hi"), Message("user", "?")]
    )
    raw = _moss_echo(prompt, "您好!我是MOSS,有什么我可以帮助您的吗?")
    f = ReplyFilter("moss", prompt)
    out = "".join(f.feed(raw[i : i + piece]) for i in range(0, len(raw), piece)) + f.flush()
    assert out == "您好!我是MOSS,有什么我可以帮助您的吗?"


def test_filter_passes_output_without_echo() -> None:
    f = ReplyFilter("moss", render_prompt("moss", [Message("user", "x")]))
    assert f.feed("plain answer <eom>") + f.flush() == "plain answer"
    assert not ReplyFilter("chatyuan", "用户：x\n小元：").active
