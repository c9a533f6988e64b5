"""Exact literals and safe comments for PHP and Python source.

Every value a renderer writes goes through here, so a password with quotes,
backslashes, `$`, `?>` or `'; system('x'); '` reads back byte for byte and can never
end a string, a comment or the PHP block early.
"""

from __future__ import annotations

import re

from wizard.model.cells import wrap_cells
from wizard.model.i18n import _
from wizard.render import RenderError

__all__ = [
    "number",
    "php_comment",
    "php_string",
    "python_comment",
    "python_string",
]

COMMENT_WIDTH = 88
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# PEP 263: in a file's first two lines, a comment with "coding:" or "coding=" chooses the
# codec Python reads the whole file with (utf-7 would turn "+AAo-" into a line break).
_CODING = re.compile(r"coding([:=])")


def _checked(value: str) -> str:
    # Settings and check_password refuse these already; a renderer must not rely on it,
    # since a line break inside a literal could smuggle in a statement of its own.
    if any(ch in value for ch in "\r\n\0"):
        raise RenderError(_("A value contains a line break or a NUL character, which a "
                            "config file cannot hold."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RenderError(_("A value is not valid Unicode text (it holds a lone "
                            "surrogate).")) from None
    return value


def php_string(value: str) -> str:
    """A PHP single-quoted literal: inside '...' only \\\\ and \\' are escapes, so
    doubling every backslash and escaping every quote is exact (no `$` interpolation)."""
    escaped = _checked(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def python_string(value: str, *, python2: bool = False) -> str:
    """A Python string literal that evaluates to `value`.

    `repr()` is always valid source for a `str`. For Python 2 (MoinMoin 1.9) the literal
    is `u'...'` with every non-ASCII character escaped, which means the same text in
    Python 2 and 3 whatever coding line the file has.
    """
    _checked(value)
    return "u" + ascii(value) if python2 else repr(value)


def number(value: float) -> str:
    """An int or float literal that PHP and Python read the same way."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _visible(text: str) -> str:
    """Characters that print as nothing or reorder what follows (U+202E), escaped as
    `repr()` escapes them in a literal."""
    return "".join(char if char.isprintable() else ascii(char)[1:-1]
                   for char in text)


def _comment(text: str, prefix: str, indent: str) -> list[str]:
    lines: list[str] = []
    # Translations may bring their own line breaks; each becomes a comment line.
    for paragraph in text.splitlines() or [""]:
        paragraph = _visible(_CONTROL.sub(" ", paragraph))
        # In terminal cells: a Chinese comment breaks between its characters.
        wrapped = wrap_cells(paragraph, COMMENT_WIDTH - len(indent) - len(prefix),
                             break_long_words=False)
        lines.extend(wrapped or [""])
    return [f"{indent}{prefix} {line}".rstrip() for line in lines]


def php_comment(text: str, indent: str = "") -> list[str]:
    """`// ...` lines; `?>` is broken up because it ends PHP mode even inside `//`."""
    return _comment(text.replace("?>", "? >"), "//", indent)


def python_comment(text: str, indent: str = "", *, python2: bool = False) -> list[str]:
    """`# ...` lines that can never declare the file's encoding. For Python 2, which
    refuses a non-ASCII byte in a file without a coding line, ASCII with escapes."""
    text = _CODING.sub(r"coding \1", text)
    if python2:
        text = text.encode("ascii", "backslashreplace").decode("ascii")
    return _comment(text, "#", indent)
