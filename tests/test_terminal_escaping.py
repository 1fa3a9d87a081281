"""Checkpoint data never styles, moves or retitles the terminal: every command, in a pipe and on a pty.

The database is written by the official savers from tests/hostile_graph.py: its thread ids, node
names, subgraph namespaces, metadata and values hold raw ESC/OSC/CSI sequences, a C1 control,
bidi overrides, invisible characters and Rich markup (an unbalanced `[/bold]` among them).
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import open_backend

sys.path.insert(0, str(Path(__file__).parent))
import hostile_graph as h  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GRAPH = f"{Path(__file__).parent / 'hostile_graph.py'}:graph"

# Raw pieces of the payload that must never reach the output.
RAW = ["\x1b[2J", "\x1b]", "\x07", "\x9b", "\u202e", "\u2066", "\u2069", "\x7f", "\u200b", "\U000e0041",
       "\x1b[5;41m", "\x1b\\"]
# Only Rich's own styling and progress-bar redraws may appear on a terminal (nothing in a pipe):
# SGR, hide/show cursor, erase line, cursor up, carriage return.
OWN_SGR = re.compile(r"\x1b\[(?:[0-9;]*m|\?25[lh]|2K|[0-9]*A)|\r")


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k not in ("LGTT_DB", "LGTT_GRAPH", "NO_COLOR", "FORCE_COLOR")}
    e.update(PYTHONPATH=str(ROOT), COLUMNS="400", LINES="100", TERM="xterm-256color")
    return e


def in_pipe(*args: str) -> tuple[int, str]:
    p = subprocess.run([sys.executable, "-m", "lgtt", *args], capture_output=True, text=True, env=env(),
                       cwd=ROOT, timeout=180, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout + p.stderr


def on_pty(*args: str, answer: str | None = None) -> tuple[int, str]:
    """Run lgtt with stdin/stdout/stderr on a pseudo-terminal; optionally type `answer` at a prompt."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 100, 400, 0, 0))
    p = subprocess.Popen([sys.executable, "-m", "lgtt", *args], stdin=slave, stdout=slave, stderr=slave,
                         env=env(), cwd=ROOT, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    sent = answer is None
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
            if not sent and b"answer" in b"".join(chunks):
                os.write(master, answer.encode() + b"\n")
                sent = True
        elif p.poll() is not None:
            break
    code = p.wait(timeout=30)
    os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def assert_safe(out: str, *, tty: bool, where: str) -> None:
    for raw in RAW:
        assert raw not in out, f"{where}: raw {raw!r} reached the output:\n{out}"
    rest = OWN_SGR.sub("", out) if tty else out
    assert "\x1b" not in rest, f"{where}: an escape sequence other than styling:\n{out!r}"
    bad = [c for c in rest if (ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f]
    assert not bad, f"{where}: control characters {bad!r}"


def unfold(out: str) -> str:
    """The output's text with table cells joined column by column (cells fold long ids over lines)."""
    plain: list[str] = []
    cols: dict[int, str] = {}
    for line in OWN_SGR.sub("", out).splitlines():
        if "│" in line or "┃" in line:
            for i, cell in enumerate(re.split("[│┃]", line)):
                cols[i] = cols.get(i, "") + cell.strip()
        else:
            plain.append(line.strip())
    return "".join(plain) + "\n" + "\n".join(cols.values())


def assert_visible(out: str, where: str) -> None:
    """The attack is shown as text: its escapes are visible (Python `\\x1b` or JSON `\\u001b` style)."""
    flat = unfold(out)
    assert "\\x1b[2J" in flat or "\\u001b[2J" in flat, f"{where}: the ESC is not shown visibly:\n{out}"
    assert "\\u202e" in flat, f"{where}: the bidi override is not shown visibly:\n{out}"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hostile_db(request, tmp_path_factory):
    with open_backend(request.param, tmp_path_factory.mktemp("hostile")) as b:
        h.populate(b.saver)
        import lgtt

        with lgtt.open(b.url) as db:
            ns = next(iter(db.store.namespaces(h.THREAD)))
        yield b.url, ns


def commands(url: str, ns: str) -> list[list[str]]:
    d = ["--db", url]
    g = ["--db", url, "--graph", GRAPH]
    return [
        d + ["threads"], d + ["threads", "--json"],
        d + ["timeline", h.THREAD], d + ["timeline", h.THREAD, "--tree"], d + ["timeline", h.THREAD, "--json"],
        d + ["timeline", h.THREAD, "--ns", ns],
        d + ["show", h.THREAD], d + ["show", h.THREAD, "1", "--internal"], d + ["show", h.THREAD, "--json"],
        d + ["show", h.THREAD, "--key", "text"], d + ["show", h.THREAD, "--ns", ns, "-1"],
        d + ["diff", h.THREAD, "-1"], d + ["diff", h.THREAD, "0", "-1"], d + ["diff", h.THREAD, "-1", "--json"],
        d + ["compare", h.THREAD, h.THREAD2], d + ["compare", h.THREAD, h.THREAD2, "--json"],
        d + ["stats"], d + ["check"], d + ["check", "--json"],
        d + ["prune", "--keep", "1", "--dry-run"], d + ["delete", h.THREAD2, "--dry-run"],
        g + ["show", h.THREAD], g + ["timeline", h.THREAD],
    ]


def test_every_read_command_in_a_pipe_and_on_a_pty(hostile_db):
    url, ns = hostile_db
    for args in commands(url, ns):
        # The terminal/pipe difference is the renderer's, the same for both backends: Postgres runs
        # every command in a pipe and the main views on a pty.
        pty_too = not url.startswith("postgres") or args[2] in ("threads", "timeline", "show")
        for tty, run in ((False, in_pipe), (True, on_pty))[: 2 if pty_too else 1]:
            code, out = run(*args)
            where = f"{'pty' if tty else 'pipe'} {args[2:]}"
            assert code == 0 or args[2] == "check", f"{where}: exit {code}\n{out}"
            assert_safe(out, tty=tty, where=where)
            if args[2] not in ("stats", "prune", "delete", "check"):
                assert_visible(out, where)


def test_markup_in_data_is_shown_literally(hostile_db):
    """`[/bold]` no longer breaks `threads`; `[red]`/`[link=…]` are text, not styles or hyperlinks."""
    url, _ = hostile_db
    for run in (in_pipe, on_pty):
        code, out = run("--db", url, "threads")
        assert code == 0, out
        assert "t[/bold][red]red[/red][link=http://evil.example/]L[/link][/bold]" in out.replace("\n", "")
        assert "\x1b]8;" not in out  # no OSC 8 hyperlink
        code, out = run("--db", url, "show", h.THREAD)
        assert code == 0, out
        assert "[link=http://evil.example/]" in out


def test_error_lines_escape_the_thread_id(hostile_db):
    url, _ = hostile_db
    for run, tty in ((in_pipe, False), (on_pty, True)):
        code, out = run("--db", url, "show", h.THREAD, "99")
        assert code != 0
        assert_safe(out, tty=tty, where="error line")
        assert "out of range" in out and "\\x1b[2J" in re.sub(r"\s+", "", out)
        code, out = run("--db", url, "timeline", h.THREAD + "x")
        assert code != 0 and "not found" in out
        assert_safe(out, tty=tty, where="not found line")


def test_fork_and_resume_output(hostile_db, tmp_path):
    """Write commands print thread ids, node names and interrupt payloads escaped too."""
    url, _ = hostile_db
    g = ["--db", url, "--graph", GRAPH]
    for n, (run, tty) in enumerate(((in_pipe, False), (on_pty, True))):
        target = f"{h.THREAD}-fork{n}"
        code, out = run(*g, "fork", h.THREAD, "1", "--to", target)
        assert code == 0, out
        assert_safe(out, tty=tty, where="fork")
        assert_visible(out, "fork")
        code, out = run(*g, "resume", target, "--until", "ask" + h.BIDI)
        assert_safe(out, tty=tty, where="resume --until")
        code, out = run(*g, "resume", target)  # stops at the interrupt: the payload is printed
        assert code == 0, out
        assert_safe(out, tty=tty, where="resume")
        assert "interrupt" in out and "\\x9b" in out
        code, out = run(*g, "resume", target, "--answer", json.dumps("yes" + h.PAYLOAD))
        assert code == 0, out
        assert_safe(out, tty=tty, where="resume --answer")
    # answering at the prompt on a terminal: the payload shown there is escaped as well
    code, out = on_pty(*g, "fork", h.THREAD2, "-1", "--to", h.THREAD2 + "-p")
    assert code == 0, out
    code, out = in_pipe(*g, "resume", h.THREAD2 + "-p")  # the fork re-runs `ask`: interrupted again
    assert code == 0 and "interrupted again" in out, out
    code, out = on_pty(*g, "resume", h.THREAD2 + "-p", answer='"ok"')
    assert code == 0, out
    assert_safe(out, tty=True, where="resume prompt")
    assert "PWNED-TITLE" in out and "done" in out


def test_prune_and_delete_output_on_real_runs(hostile_db):
    url, _ = hostile_db
    code, out = in_pipe("--db", url, "delete", h.THREAD2, "--yes")
    assert code == 0, out
    assert_safe(out, tty=False, where="delete")
    assert "\\x1b[2J" in out
    code, out = on_pty("--db", url, "prune", h.THREAD, "--keep", "2", "--yes")
    assert code == 0, out
    assert_safe(out, tty=True, where="prune")
    assert "\\x1b[2J" in out


def test_json_output_escapes_invisible_characters_and_round_trips(hostile_db):
    """--json carries C1, bidi and invisible characters as \\u escapes: valid JSON, same values."""
    url, _ = hostile_db
    code, out = in_pipe("--db", url, "show", h.THREAD, "--key", "text")
    assert code == 0, out
    assert json.loads(out) == "v" + h.MARKUP + h.PAYLOAD
    assert "\\u009b" in out and "\\u202e" in out and "\\udb40\\udc41" in out


def test_escape_function():
    from lgtt.escape import has_unsafe, json_safe, visible

    assert visible("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert visible("x\u202ey\x9bz\x7f") == "x\\u202ey\\x9bz\\x7f"
    assert visible("l1\nl2\tx") == "l1\nl2\tx"
    assert visible("l1\nl2\r", one_line=True) == "l1\\nl2\\r"
    assert visible("emoji 👩‍👩‍👧 नमस्ते اردو‌ی") == "emoji 👩‍👩‍👧 नमस्ते اردو‌ی"  # ZWJ/ZWNJ kept
    assert visible("\ud800") == "\\ud800" and visible("\U000e0041") == "\\U000e0041"
    assert not has_unsafe("plain [red]text[/red]")
    doc = json.dumps({"k": "\x9b\u202e\U000e0041\ud800"}, ensure_ascii=False)
    assert json.loads(json_safe(doc)) == json.loads(doc)
    assert not has_unsafe(json_safe(doc))
