"""Chinese text wrapped the way Chinese is written: a line may break between any two
characters, not only at spaces.

Rich and Textual break lines at white space only. A Chinese sentence has none, so it
is one "word": when it does not fit the rest of a line it starts a new one, leaving a
gap behind "wiki " or "SMTP ", and is then cut at the width. `install()` replaces the
line divider both use with one that also breaks beside each wide character (keeping
closing punctuation such as "，" and "。" with the character before it). Text without
a wide character goes to the original divider, so English is laid out as before.
"""

from __future__ import annotations

import rich.text
import textual.content
from rich._wrap import divide_line as _divide_at_spaces
from rich.cells import cell_len, chop_cells

from wizard.model.cells import has_wide, line_chunks

__all__ = ["divide_line", "install"]


def _words(text: str) -> list[tuple[int, str]]:
    """(start, word) with its trailing spaces, as Rich's divider sees words."""
    words: list[tuple[int, str]] = []
    position = 0
    for chunk in line_chunks(text):
        if words and (chunk.isspace() or words[-1][1].isspace()):
            start, word = words[-1]
            words[-1] = (start, word + chunk)
        else:
            words.append((position, chunk))
        position += len(chunk)
    return words


def divide_line(text: str, width: int, fold: bool = True) -> list[int]:
    """Where `text` breaks into lines of `width` cells (Rich's `divide_line` contract)."""
    if not has_wide(text):
        return _divide_at_spaces(text, width, fold)
    breaks: list[int] = []
    offset = 0
    for start, word in _words(text):
        length = cell_len(word.rstrip())
        if offset + length <= width:
            offset += cell_len(word)
        elif length > width and fold:
            pieces = chop_cells(word, width)
            for piece in pieces[:-1]:
                if start:
                    breaks.append(start)
                start += len(piece)
            if start:
                breaks.append(start)
            offset = cell_len(pieces[-1])
        else:
            if offset and start:
                breaks.append(start)
            offset = cell_len(word)
    return breaks


def install() -> None:
    """Wrap text in Textual's widgets and Rich's renderables with `divide_line`."""
    textual.content.divide_line = divide_line  # type: ignore[attr-defined]
    rich.text.divide_line = divide_line  # type: ignore[attr-defined]
