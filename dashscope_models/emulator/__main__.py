"""Run the DashScope emulator: ``python -m dashscope_models.emulator [--port N] [--api-key KEY]``.

Model Studio applications to serve are given as flags (each may repeat):
``--rag-app ID=PATH`` (a RAG app over the ``.txt``/``.md`` files of a folder, or one file: one
document each, titled by its file name), ``--workflow-app ID=TEMPLATE`` (answers ``TEMPLATE``
filled from ``biz_params``, e.g. ``{sourceCode}``), ``--agent-app ID`` and ``--search-app ID``
(an agent that also searches the web: one result with its ``url``, cited in the answer).

Prints the base URL (``http://127.0.0.1:PORT/api/v1``) as the first line, then the two
``export`` lines that point a shell at it (``DASHSCOPE_BASE_URL``, ``DASHSCOPE_API_KEY``), then
serves until stopped (Ctrl-C or SIGTERM). A bad argument or a port it cannot listen on is one
line on stderr and exit code 2 (a port in use suggests ``--port 0``, any free port).
"""

from __future__ import annotations

import argparse
import errno
import shlex
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import NoReturn

from dashscope_models.emulator._apps import App, AppDocument
from dashscope_models.emulator._http import EmulatorServer

PROG = "python -m dashscope_models.emulator"
ANY_KEY = "sk-emulator"
"""The key the export line suggests when the emulator accepts any key (no --api-key)."""

_DESCRIPTION = (
    "Serve a local DashScope emulator on 127.0.0.1 (native API under /api/v1). It prints the "
    "base URL, then two export lines (DASHSCOPE_BASE_URL and DASHSCOPE_API_KEY) to paste into a "
    "shell, and serves until Ctrl-C or SIGTERM."
)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit code 2, as argparse's own)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be a number, not {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be in [0, 65535], not {port}")
    return port


def _delay(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"delay must be a number, not {text!r}") from None
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"delay must be >= 0 seconds, not {text}")
    return seconds


def _pair(text: str, what: str) -> tuple[str, str]:
    app_id, sep, value = text.partition("=")
    if not sep or not app_id.strip() or not value:
        raise argparse.ArgumentTypeError(f"expected ID={what}, not {text!r}")
    return app_id.strip(), value


def _rag_app(text: str) -> App:
    app_id, where = _pair(text, "PATH")
    path = Path(where)
    files = (
        sorted(p for p in path.rglob("*") if p.suffix in (".txt", ".md"))
        if path.is_dir()
        else [path]
    )
    if not files or not all(p.is_file() for p in files):
        raise argparse.ArgumentTypeError(f"no .txt or .md documents at {where!r}")
    docs = [AppDocument(p.read_text("utf-8"), title=p.stem, doc_id=p.stem) for p in files]
    return App.rag(app_id, list(docs))


def _workflow_app(text: str) -> App:
    return App.workflow(*_pair(text, "TEMPLATE"))


def _app_id(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected an app ID, not an empty one")
    return text.strip()


def _agent_app(text: str) -> App:
    return App.agent(_app_id(text))


def _search_app(text: str) -> App:
    return App.agent(_app_id(text), web_search=True)


def export_lines(base_url: str, api_key: str | None) -> list[str]:
    """The shell lines that point ``DASHSCOPE_*`` at an emulator serving ``base_url``."""
    return [
        f"export DASHSCOPE_BASE_URL={shlex.quote(base_url)}",
        f"export DASHSCOPE_API_KEY={shlex.quote(api_key or ANY_KEY)}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog=PROG, description=_DESCRIPTION)
    parser.add_argument(
        "--port", type=_port, default=0, help="port on 127.0.0.1 (default 0: any free port)"
    )
    parser.add_argument(
        "--api-key", default=None, help="accept only this API key (default: accept any key)"
    )
    parser.add_argument(
        "--delay", type=_delay, default=0.0, help="seconds to wait before each answer"
    )
    parser.add_argument(
        "--batch-seconds", type=_delay, default=1.0,
        help="seconds a Batch-service job takes, start to finish (time compressed)",
    )  # fmt: skip
    parser.add_argument(
        "--rag-app", type=_rag_app, action="append", default=[], metavar="ID=PATH",
        help="serve a RAG app over the .txt/.md documents at PATH (a folder or one file)",
    )  # fmt: skip
    parser.add_argument(
        "--workflow-app", type=_workflow_app, action="append", default=[], metavar="ID=TEMPLATE",
        help="serve a workflow app answering TEMPLATE filled from biz_params ({name})",
    )  # fmt: skip
    parser.add_argument(
        "--agent-app", type=_agent_app, action="append", default=[], metavar="ID",
        help="serve an agent app without a knowledge base",
    )  # fmt: skip
    parser.add_argument(
        "--search-app", type=_search_app, action="append", default=[], metavar="ID",
        help="serve an agent app that also searches the web (one result, cited)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    server = EmulatorServer(
        port=args.port,
        api_key=args.api_key,
        delay=args.delay,
        batch_seconds=args.batch_seconds,
        apps=[*args.rag_app, *args.workflow_app, *args.agent_app, *args.search_app],
    )
    try:
        server.start()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == errno.EADDRINUSE:
            reason += "; --port 0 picks a free port"
        parser.exit(2, f"{PROG}: error: cannot listen on 127.0.0.1:{args.port}: {reason}\n")
    print("\n".join([server.base_url, *export_lines(server.base_url, args.api_key)]), flush=True)
    stopped = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopped
        stopped = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopped:
            signal.pause() if hasattr(signal, "pause") else time.sleep(0.2)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
