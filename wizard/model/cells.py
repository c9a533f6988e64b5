"""Text measured in terminal cells: a CJK character takes two, a combining mark none.

Translated text is laid out by the cells it covers, not by its characters: a Chinese
sentence of 39 characters fills a 78-column line. Chinese is written without spaces, so
a line may break between any two wide characters, except before closing punctuation
(，。）and the like), which stays with the character before it.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["cell_width", "has_wide", "line_chunks", "ljust_cells", "wrap_cells"]

_WIDE = {"W", "F"}
# Punctuation a line must not start with (the closing half of Chinese typesetting's
# line-breaking rule); ASCII ones too, for a mixed sentence.
_NO_LINE_START = set("，。、；：？！）》」』】〕”’…—%,.;:?!)]}")
# And the opening ones a line must not end with.
_NO_LINE_END = set("（《「『【〔“‘")
_WHITESPACE = re.compile(r"\s")
# A chunk is a run of spaces, one wide character, or a run of anything else. Compiled
# on first use: its classes take milliseconds to build, and an English screen (whose
# lines go to Rich's own divider) never needs them.
_WIDE_RANGES = ("\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
                "\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd")


@functools.cache
def _chunk_pattern() -> re.Pattern[str]:
    return re.compile(f" +|[{_WIDE_RANGES}]|[^ {_WIDE_RANGES}]+")


def has_wide(text: str) -> bool:
    """`text` holds a character that takes two cells (and may break a line after it)."""
    return not text.isascii() and any(_char_width(char) == 2 for char in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in _WIDE else 1


def cell_width(text: str) -> int:
    """The cells `text` covers on a terminal."""
    if text.isascii():
        return len(text)
    return sum(map(_char_width, text))


def ljust_cells(text: str, width: int) -> str:
    """`text` padded with spaces to `width` cells (a longer text is left as it is)."""
    return text + " " * max(0, width - cell_width(text))


def line_chunks(text: str) -> list[str]:
    """`text` cut where a line may break: runs of spaces, words, and single wide
    characters (with the punctuation that must stay beside them); joined, the text."""
    chunks: list[str] = []
    for chunk in _chunk_pattern().findall(text):
        if chunks and not chunks[-1].isspace() and not chunk.isspace() and (
                chunk[0] in _NO_LINE_START or chunks[-1][-1] in _NO_LINE_END):
            chunks[-1] += chunk
        else:
            chunks.append(chunk)
    return chunks


def _split_long(chunk: str, room: int, width: int) -> list[str]:
    """A chunk wider than a line (a long path) cut at cell boundaries: the first piece
    fits `room`, the rest `width` each."""
    pieces: list[str] = []
    piece, used = "", 0
    for char in chunk:
        size = _char_width(char)
        # A character wider than a whole line (width 1) goes on a line of its own.
        if used + size > room and (piece or not pieces):
            pieces.append(piece)
            piece, used, room = "", 0, width
        piece += char
        used += size
    return [*pieces, piece]


def wrap_cells(text: str, width: int, *, initial_indent: str = "",
               subsequent_indent: str = "", break_long_words: bool = True) -> list[str]:
    """`text` as lines of at most `width` cells (as `textwrap.wrap`, but measured in
    cells and breaking between wide characters); spaces at a break are dropped, the
    others kept (they may align columns). Without `break_long_words` a word longer
    than a line (a URL) stands alone on a longer line."""
    lines: list[str] = []
    line, used = initial_indent, cell_width(initial_indent)
    indent_width = cell_width(subsequent_indent)
    fresh = True  # nothing but the indent on the line yet
    for chunk in line_chunks(_WHITESPACE.sub(" ", text)):
        if chunk.isspace():
            if not (fresh and lines):
                line, used = line + chunk, used + len(chunk)
            continue
        size = cell_width(chunk)
        # A chunk longer than any line (a long path) starts where it is, as textwrap's.
        if used + size > width and not fresh and size <= width - indent_width:
            lines.append(line.rstrip(" "))
            line, used, fresh = subsequent_indent, indent_width, True
        if used + size > width and not break_long_words:
            if not fresh:
                lines.append(line.rstrip(" "))
                line, used = subsequent_indent, indent_width
            line, used, fresh = line + chunk, used + size, False
            continue
        if used + size > width and used >= width and not fresh:
            lines.append(line.rstrip(" "))
            line, used, fresh = subsequent_indent, indent_width, True
        if used + size > width:
            *full, last = _split_long(chunk, width - used, width - indent_width)
            for piece in full:
                lines.append((line + piece).rstrip(" "))
                line, used = subsequent_indent, indent_width
            chunk, size = last, cell_width(last)
        line, used, fresh = line + chunk, used + size, False
    if not fresh:
        lines.append(line.rstrip(" "))
    return lines
