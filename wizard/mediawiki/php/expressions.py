"""What a file says beyond its statements: calls of given functions anywhere in it, and
the value of a simple string expression (an include path, a default address).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wizard.mediawiki.php.brackets import closer, split
from wizard.mediawiki.php.lexer import Token, TokenKind, significant, token_kind
from wizard.mediawiki.php.statements import PhpFile
from wizard.mediawiki.php.strings import Var, string_parts
from wizard.mediawiki.php.text import utf8
from wizard.mediawiki.php.values import LiteralReader, Value

__all__ = ["Call", "find_calls", "string_expression"]


@dataclass(frozen=True)
class Call:
    """A function call found anywhere in the file; `args` are literal values or Unparsed."""

    name: str
    line: int
    start: int
    end: int
    args: tuple[Value, ...]


def find_calls(php: PhpFile, *names: str) -> list[Call]:
    """Calls of the named functions anywhere in the file (case-insensitive, `\\` allowed).

    Method calls, static calls and declarations of the same name do not count.
    """
    wanted = {name.lower() for name in names}
    tokens = significant(php.tokens)
    reader = LiteralReader(php.source.decode("latin-1"))
    calls: list[Call] = []
    at_names = itertools.compress(itertools.count(), map(TokenKind.NAME.__eq__,
                                                         map(token_kind, tokens)))
    for i in at_names:
        token = tokens[i]
        if token.text.lower().lstrip("\\") not in wanted:
            continue
        before = tokens[i - 1].text.lower() if i else ""
        if before in ("->", "?->", "::", "function", "new", "const"):
            continue
        if i + 1 >= len(tokens) or tokens[i + 1].text != "(":
            continue
        close = closer(tokens, i + 1)
        if close < 0:
            continue
        inner = tokens[i + 2:close]
        args = [reader.value(arg) for arg in split(inner, ",")] if inner else []
        calls.append(Call(token.text.lower().lstrip("\\"), token.line, token.start,
                          tokens[close].end, tuple(args)))
    return calls


def string_expression(tokens: Sequence[Token], variables: Mapping[str, str],
                      constants: Mapping[str, str]) -> str | None:
    """Evaluate a string built from literals, known variables and constants, else None.

    Enough for include paths (`__DIR__ . '/secrets.php'`, `"$IP/private.php"`,
    `dirname( __FILE__ ) . '/x'`) and for spotting defaults like `"apache@$wgServerName"`.
    `constants` may hold `__DIR__` and `__FILE__`; `dirname(__FILE__)` uses `__DIR__`.
    """
    code = significant(tokens)
    while code and code[0].text == "(" and closer(code, 0) == len(code) - 1:
        code = code[1:-1]
    pieces: list[str] = []
    for part in split(code, "."):
        words = [t.text.lower() for t in part]
        if len(part) == 1 and part[0].kind is TokenKind.STRING:
            parts = string_parts(part[0])
            if parts is None:
                return None
            for piece in parts:
                if isinstance(piece, Var):
                    if piece.name not in variables:
                        return None
                    pieces.append(variables[piece.name])
                else:
                    pieces.append(utf8(piece))
        elif len(part) == 1 and part[0].kind is TokenKind.VARIABLE:
            if part[0].text[1:] not in variables:
                return None
            pieces.append(variables[part[0].text[1:]])
        elif len(part) == 1 and part[0].kind is TokenKind.NAME and (
                part[0].text.upper() in constants):
            pieces.append(constants[part[0].text.upper()])
        elif words == ["dirname", "(", "__file__", ")"] and "__DIR__" in constants:
            pieces.append(constants["__DIR__"])
        else:
            return None
    return "".join(pieces)
