"""How PHP source bytes are held while reading them, and turned back into text.

Offsets are byte offsets into the file as given, so a patch can replace exactly one
statement. Internally the bytes are decoded as Latin-1, which maps every byte to one
character; string values are decoded as UTF-8 at the end (undecodable bytes are kept as
surrogate escapes, so nothing is lost).
"""

from __future__ import annotations

__all__ = ["display", "display_latin1", "latin1", "utf8"]


def latin1(source: bytes | str) -> str:
    """Source as one character per byte; a str is taken as UTF-8 text."""
    raw = source.encode("utf-8") if isinstance(source, str) else source
    return raw.decode("latin-1")


def utf8(latin1_text: str) -> str:
    """PHP string bytes (held as Latin-1 text) as a Python string."""
    return latin1_text.encode("latin-1").decode("utf-8", "surrogateescape")


def display_latin1(latin1_text: str) -> str:
    """Source held as Latin-1 text, decoded for display."""
    return display(latin1_text.encode("latin-1"))


def display(raw: bytes) -> str:
    """Source bytes decoded for display (a bad byte shows as a replacement mark)."""
    return raw.decode("utf-8", "replace")
