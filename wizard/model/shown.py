"""Text from outside (a server, a certificate, a file) made safe to show on a terminal.

A server controlled by someone else can send escape sequences that set a terminal's
title, clear it or write its clipboard (OSC 52), and bytes that are not UTF-8 (which
reach a string as surrogates no encoder writes). `visible` turns all of them into
escapes that are read, not obeyed. Here, at the bottom of the layers, because the
transcript, the check's steps and the command line's messages all use it.
"""

from __future__ import annotations

import re

__all__ = ["visible"]

# C0 and C1 controls and DEL; the bidirectional embeddings, overrides and isolates (they
# reorder what follows on the line); surrogates, which is how a byte that was not UTF-8
# arrives (decoded with surrogateescape) and which no terminal can print.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # the byte surrogateescape kept
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` safe for a terminal: ESC becomes `\\x1b`, a byte that was not UTF-8
    `\\xff`, a right-to-left override `\\u202e`, a line break `\\n`; the rest is kept."""
    return _UNSAFE.sub(_escape, text)
