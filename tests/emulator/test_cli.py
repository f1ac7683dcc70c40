"""The emulator's command line: the URL and two export lines, one-line errors with exit code 2,
plain-text help."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from dashscope_models.emulator import start_emulator

CLI = [sys.executable, "-m", "dashscope_models.emulator"]
TEXT = "/services/aigc/text-generation/generation"
BODY = {"model": "qwen-plus", "input": {"prompt": "Hi"}}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("args", "key"), [((), "sk-emulator"), (("--api-key", "sk-mine"), "sk-mine")]
)
def test_prints_the_url_then_the_two_export_lines(args: tuple[str, ...], key: str) -> None:
    proc = subprocess.Popen([*CLI, "--port", "0", *args], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().rstrip("\n") for _ in range(3)]
        url = lines[0]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api/v1")
        assert lines[1:] == [f"export DASHSCOPE_BASE_URL={url}", f"export DASHSCOPE_API_KEY={key}"]
        # The exported pair is what the service (emulator) accepts.
        answer = httpx.post(url + TEXT, json=BODY, headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 200
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--port", "abc"), "port must be a number, not 'abc'"),
        (("--port", "70000"), "port must be in [0, 65535], not 70000"),
        (("--delay", "-1"), "delay must be >= 0 seconds"),
        (("--bogus",), "unrecognized arguments: --bogus"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    done = run(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("python -m dashscope_models.emulator: error: ")
    assert message in done.stderr


def test_busy_port_is_one_line_and_exit_2() -> None:
    with start_emulator() as server:
        done = run("--port", str(server.port))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"cannot listen on 127.0.0.1:{server.port}" in done.stderr
    assert "address already in use" in done.stderr.lower()
    assert "--port 0 picks a free port" in done.stderr


def test_help_is_plain_text() -> None:
    done = run("--help")
    assert done.returncode == 0
    assert "``" not in done.stdout and "`" not in done.stdout
    assert "--port" in done.stdout and "--api-key" in done.stdout and "export" in done.stdout
    assert os.linesep in done.stdout
