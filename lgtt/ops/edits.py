"""State edits from the command line: --set KEY=JSON, --set-file, --edit ($EDITOR)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lgtt.errors import LgttError, UsageError


def parse_set(items: list[str]) -> dict[str, Any]:
    """`KEY=JSON` pairs; the value must be JSON (quote strings: name='"Ada"')."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UsageError(f"bad --set {item!r}", "use KEY=JSON, e.g. --set 'total_steps=5'")
        try:
            out[key] = json.loads(raw)
        except ValueError as exc:
            raise UsageError(f"--set {key}: value is not JSON ({exc.args[0]})", "quote strings as JSON: --set 'name=\"Ada\"'") from None
    return out


def parse_file(path: str) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"--set-file {path}: file not found", "pass a JSON file holding an object of state keys")
    try:
        doc = json.loads(p.read_text())
    except ValueError as exc:
        raise UsageError(f"--set-file {path} is not valid JSON ({exc.args[0]})", "fix the file") from None
    if not isinstance(doc, dict):
        raise UsageError(f"--set-file {path} must hold a JSON object", 'e.g. {"total_steps": 5}')
    return doc


EDIT_ERROR_HEAD = "# lgtt: "


def strip_error_head(text: str) -> str:
    """The user's text without the `# lgtt: …` lines lgtt put on top after a parse error."""
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


def edit_in_editor(db: Any, thread_id: str, ref: str, ns: str = "") -> dict[str, Any]:
    """Open the checkpoint's values as JSON in $EDITOR; return the keys that changed. Text that
    does not parse is reopened with the error on top (as `git commit` does); an empty file cancels."""
    before = db.show(thread_id, ref, ns).to_json()["values"]
    text = json.dumps(before, indent=2, ensure_ascii=False) + "\n"
    while True:
        text = strip_error_head(run_editor(text))
        if not text.strip():
            raise LgttError("the edit was cancelled (empty file)", "nothing was written")
        try:
            after = json.loads(text)
        except ValueError as exc:
            problem = f"not valid JSON: {exc.args[0]}"
        else:
            if isinstance(after, dict):
                break
            problem = "the values must stay a JSON object"
        text = (f"{EDIT_ERROR_HEAD}{problem}\n{EDIT_ERROR_HEAD}fix it and save (lines starting with # are ignored); "
                f"save an empty file to cancel\n{text}")
    removed = sorted(set(before) - set(after))
    if removed:
        raise LgttError(f"keys cannot be removed by an edit: {', '.join(removed)}", "set them to null or an empty value instead")
    return {k: v for k, v in after.items() if before.get(k, object()) != v}


def run_editor(text: str) -> str:
    """Open `text` in $VISUAL / $EDITOR (default vi) and return what was saved."""
    import os
    import shlex
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lgtt-values.json"
        path.write_text(text)
        try:
            code = subprocess.call([*shlex.split(editor), str(path)])
        except OSError as exc:
            raise LgttError(f"cannot start the editor {editor!r}: {exc}", "set $EDITOR") from None
        if code != 0:
            raise LgttError(f"the editor exited with code {code}", "nothing was written")
        return path.read_text()


def parse_edits(db: Any, thread_id: str, ref: str, sets: list[str], set_file: str | None, edit: bool,
                ns: str = "") -> dict[str, Any]:
    """All edits, merged in order: --set-file, --edit, then --set."""
    updates: dict[str, Any] = {}
    if set_file:
        updates.update(parse_file(set_file))
    if edit:
        edited = edit_in_editor(db, thread_id, ref, ns)
        if not edited and not updates and not sets:
            raise LgttError("the edit changed nothing", "no fork was made; change a value, or fork without --edit")
        updates.update(edited)
    updates.update(parse_set(sets))
    return updates
