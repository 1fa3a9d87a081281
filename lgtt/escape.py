"""Untrusted text made safe to print: control and invisible characters shown as visible escapes.

Checkpoint data is what LLMs and users typed. Printed raw, an ESC or C1 control can clear the
screen, set the window title or make hyperlinks, and a bidi override reorders what is shown.
`visible` replaces every such character with a Python-style escape (`\\x1b`, `\\u202e`), so the
text stays readable and nothing reaches the terminal as a command. Rich markup is never parsed in
data: lgtt's consoles run with markup off (see lgtt.render.console).
"""

from __future__ import annotations

import re

# Every code point `visible` escapes, by Unicode category (Python 3.11's Unicode 14 tables):
# Cc (C0 but \n and \t, DEL, C1), Cf (soft hyphen, Arabic/Syriac format signs, zero-width space,
# LRM/RLM/ALM, bidi embeddings/overrides/isolates, invisible operators, BOM, interlinear
# annotations, tags: all but ZWNJ/ZWJ, which shape scripts and emoji and move nothing), Zl/Zp
# (line/paragraph separators) and Cs (lone surrogates, which cannot even be encoded).
_CLASS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2"
    "\u180e\u200b\u200e-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff"
    "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_UNSAFE = re.compile(f"[{_CLASS}]")
_UNSAFE_LINE = re.compile(f"[{_CLASS}\\n\\t]")


_SHORT = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape_char(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch in _SHORT:
        return _SHORT[ch]
    cp = ord(ch)
    if cp < 0x100:
        return f"\\x{cp:02x}"
    return f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"


def visible(text: str, *, one_line: bool = False) -> str:
    """`text` with control/invisible characters escaped; `one_line` also escapes \\n and \\t."""
    if text.isprintable():  # C-speed: no control, format, separator or surrogate character at all
        return text
    pattern = _UNSAFE_LINE if one_line else _UNSAFE
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape_char, text)


def has_unsafe(text: str) -> bool:
    """Whether `visible` would change `text` (newlines and tabs allowed)."""
    return not text.isprintable() and _UNSAFE.search(text) is not None


def json_safe(doc: str) -> str:
    """A JSON document with every unsafe character as a `\\uXXXX` escape (same decoded value).

    `json.dumps(ensure_ascii=False)` escapes C0 only; DEL, C1, bidi controls and lone surrogates
    would be written raw, and a terminal or `less` showing the JSON would act on them.
    """
    if doc.isascii() and "\x7f" not in doc:  # isascii is O(1); C0 is escaped by json.dumps already
        return doc
    if _UNSAFE.search(doc) is None:
        return doc

    def _u(m: re.Match[str]) -> str:
        cp = ord(m.group(0))
        if cp < 0x10000:
            return f"\\u{cp:04x}"
        cp -= 0x10000
        return f"\\u{0xD800 + (cp >> 10):04x}\\u{0xDC00 + (cp & 0x3FF):04x}"

    return _UNSAFE.sub(_u, doc)
