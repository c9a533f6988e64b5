"""The body of a quoted PHP string: its literal text and simple `$name` parts.

What `values` reads as a string literal and what an include path is made of; anything
PHP would evaluate further (`$a[0]`, `{$a->b}`, a shell command) is not decoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.mediawiki.php.lexer import LABEL, NAME_START, VARIABLE, Token, TokenKind

__all__ = ["Var", "string_parts"]

_STRING_SPECIAL = re.compile(r"[\\$]|\{\$")
_BRACED_VARIABLE = re.compile(rf"\{{\$({LABEL})\}}")
_INDEX_OR_PROPERTY = re.compile(rf"\[|->[{NAME_START}]")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "e": "\x1b", "f": "\f",
                   "\\": "\\", "$": "$"}
_SINGLE_QUOTED_ESCAPE = re.compile(r"\\([\\'])")
_OCTAL_ESCAPE = re.compile(r"[0-7]{1,3}")
_HEX_ESCAPE = re.compile(r"x([0-9A-Fa-f]{1,2})")
_UNICODE_ESCAPE = re.compile(r"u\{([0-9A-Fa-f]+)\}")


@dataclass(frozen=True)
class Var:
    """A simple `$name` or `{$name}` inside a double-quoted string."""

    name: str


def string_parts(token: Token) -> list[str | Var] | None:
    """A string token as literal text and simple `$name`/`{$name}` parts, Latin-1 text.

    None for anything that is not plain text plus simple variables: heredoc, shell
    commands, `$a[0]`, `{$a->b}`, an invalid `\\u{...}`.
    """
    text = token.text
    if token.kind is not TokenKind.STRING or text[0] == "`":
        return None
    if text[0] == "'":
        body = text[1:-1]
        return [_SINGLE_QUOTED_ESCAPE.sub(r"\1", body) if "\\" in body else body]
    body = text[1:-1]
    if "\\" not in body and "$" not in body:
        return [body]
    parts: list[str | Var] = []
    chunk: list[str] = []
    i = 0
    # Only a backslash, `$` or `{$` is not itself: the text between them is copied whole.
    while special := _STRING_SPECIAL.search(body, i):
        chunk.append(body[i:special.start()])
        i = special.start()
        if body[i] == "\\":
            decoded, i = _escape(body, i + 1)
            if decoded is None:
                return None
            chunk.append(decoded)
            continue
        variable = VARIABLE.match(body, i)
        braced = _BRACED_VARIABLE.match(body, i)
        if variable:
            # `$a[0]` and `$a->b` are array and property reads: not followed here.
            if _INDEX_OR_PROPERTY.match(body, variable.end()):
                return None
            match, i = variable, variable.end()
        elif braced:
            match, i = braced, braced.end()
        elif body.startswith(("{$", "${"), i):
            return None
        else:
            chunk.append(body[i])
            i += 1
            continue
        parts.extend(["".join(chunk), Var(match.group(1))])
        chunk = []
    chunk.append(body[i:])
    parts.append("".join(chunk))
    return [part for part in parts if part != ""] or [""]


def _escape(body: str, i: int) -> tuple[str | None, int]:
    """Decode the escape after a backslash at `body[i - 1]`; None if PHP rejects it."""
    ch = body[i]
    if ch in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[ch], i + 1
    if ch == '"':
        return '"', i + 1
    if octal := _OCTAL_ESCAPE.match(body, i):
        # "\400" overflows: PHP warns and keeps the low byte.
        return chr(int(octal.group(), 8) & 0xFF), octal.end()
    if hexa := _HEX_ESCAPE.match(body, i):
        return chr(int(hexa.group(1), 16)), hexa.end()
    if ch == "u" and body.startswith("u{", i):
        code = _UNICODE_ESCAPE.match(body, i)
        if code is None or int(code.group(1), 16) > 0x10FFFF:
            return None, i
        return chr(int(code.group(1), 16)).encode("utf-8", "surrogatepass").decode(
            "latin-1"), code.end()
    return "\\" + ch, i + 1
