"""The pasted text: bounded, decoded whatever its encoding, shown safely.

An error text arrives from a terminal paste, a log file or a web page: it may be huge (a
whole debug log), in UTF-16 (saved by a Windows editor), or carry bytes that are not
UTF-8 and escape sequences. Nothing is refused: the text is cut to `MAX_INPUT` bytes,
decoded losslessly, and every piece of it that is shown goes through `visible`.
"""

from __future__ import annotations

import codecs
import re

from wizard.smtp.transcript import visible

__all__ = ["MAX_FRAGMENT", "MAX_INPUT", "clip", "decode", "visible"]

MAX_INPUT = 128 * 1024
"""Bytes read: far more than any error message, and a whole page of a debug log."""

MAX_FRAGMENT = 240
"""Characters of a matched fragment or a fact shown: enough to recognise it."""

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))


def decode(data: bytes) -> str:
    """The text of `data`: UTF-8 unless a byte-order mark says otherwise. Bytes that do
    not decode are kept as surrogates, which `visible` shows as `\\xNN`."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace")
    return data.decode("utf-8", "surrogateescape")


_LINE_BREAK = re.compile(r"[ \t]*\r?\n[ \t]*")
_SPACES = re.compile(r" {2,}")


def clip(text: str, limit: int = MAX_FRAGMENT) -> str:
    """`text` on one line (a line break shown as ⏎), spaces folded, cut to `limit`
    characters and made visible."""
    folded = _SPACES.sub(" ", _LINE_BREAK.sub(" ⏎ ", text.strip()))
    if len(folded) > limit:
        folded = folded[:limit - 1] + "…"
    return visible(folded)
