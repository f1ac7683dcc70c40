"""Run the DashScope emulator: ``python -m dashscope_models.emulator [--port N] [--api-key KEY]``.

Prints the base URL (``http://127.0.0.1:PORT/api/v1``) as the first line, then serves until
stopped (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from dashscope_models.emulator._http import EmulatorServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dashscope_models.emulator", description=__doc__
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--api-key", default=None, help="accept only this API key")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument(
        "--batch-seconds", type=float, default=1.0,
        help="seconds a Batch-service job takes, start to finish (time compressed)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    server = EmulatorServer(
        port=args.port, api_key=args.api_key, delay=args.delay, batch_seconds=args.batch_seconds
    ).start()
    print(server.base_url, flush=True)
    stopped = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopped
        stopped = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopped:
            signal.pause() if hasattr(signal, "pause") else __import__("time").sleep(0.2)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
