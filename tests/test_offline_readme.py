"""The README's offline section, run as written: its emulator command in the background, then a
new shell (``env -i``) holding only the two lines the command printed, running its snippet."""

from __future__ import annotations

import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTION = (
    (ROOT / "README.md")
    .read_text("utf-8")
    .split("## Offline in one minute\n", 1)[1]
    .split("\n## ", 1)[0]
)
BASH = re.findall(r"```bash\n(.*?)```", SECTION, re.S)
PYTHON = re.findall(r"```python\n(.*?)```", SECTION, re.S)
README_PORT = "8765"


def free_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def test_offline_section_works_in_a_new_shell_with_the_two_printed_lines() -> None:
    command, exports = BASH[0].strip(), BASH[1].strip().splitlines()
    port = free_port()  # the README's port may be taken on this machine: same command, free port
    args = shlex.split(command.replace(README_PORT, port))
    assert args[:3] == ["python", "-m", "dashscope_models.emulator"]
    server = subprocess.Popen([sys.executable, *args[1:]], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        printed = [server.stdout.readline().rstrip("\n") for _ in range(3)]
        # What the README shows is what the command prints (up to the port).
        assert [line.replace(port, README_PORT) for line in printed[1:]] == exports
        script = "\n".join([*printed[1:], "python - <<'EOF'", PYTHON[0], "EOF"])
        bin_dir = str(Path(sys.executable).parent)
        done = subprocess.run(
            ["env", "-i", f"PATH={bin_dir}:/usr/bin:/bin", "bash", "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.terminate()
        server.wait(10)
        if server.stdout is not None:
            server.stdout.close()
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[qwen-plus] You said: Hello"
    assert "Warning" not in done.stderr, done.stderr
