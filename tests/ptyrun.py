"""Run lgtt in a pseudo-terminal of a given size (for terminal width and prompts)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_in_pty(args: list[str], *, cols: int = 80, rows: int = 50, env: dict | None = None,
               answers: list[tuple[str, str]] = (), timeout: float = 120) -> tuple[int, str]:
    """(exit code, everything written to the terminal). `answers`: (text to wait for, line to type)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    full = {k: v for k, v in os.environ.items() if k not in ("LGTT_DB", "LGTT_GRAPH", "COLUMNS", "LINES")}
    full.update({"PYTHONPATH": str(ROOT), "TERM": "xterm-256color", **(env or {})})
    proc = subprocess.Popen([sys.executable, "-m", "lgtt", *args], stdin=slave, stdout=slave, stderr=slave,
                            env=full, cwd=ROOT, close_fds=True)
    os.close(slave)
    out = b""
    pending = list(answers)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            if pending and pending[0][0].encode() in out.split(b"\x00")[-1]:
                wait_for, line = pending.pop(0)
                out += b"\x00"  # mark: later prompts are searched after this point
                os.write(master, line.encode() + b"\r")
            if proc.poll() is not None and not ready:
                break
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
    return proc.returncode, out.replace(b"\x00", b"").decode(errors="replace").replace("\r\n", "\n")
