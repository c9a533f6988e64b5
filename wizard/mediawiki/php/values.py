"""Literal PHP values in Python, and the reader that finds them in tokens.

Strings, numbers, booleans, null and arrays in both spellings. Anything else (a
constant, a concatenation, `getenv()`, an interpolated string) becomes `Unparsed`, which
keeps the source text: reported, never guessed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

from wizard.mediawiki.php.brackets import closer, split
from wizard.mediawiki.php.lexer import Lexer, Token, TokenKind, significant
from wizard.mediawiki.php.strings import string_parts
from wizard.mediawiki.php.text import display_latin1, latin1, utf8

__all__ = [
    "PHP_INT_MAX",
    "PHP_INT_MIN",
    "LiteralReader",
    "PhpArray",
    "PhpScalar",
    "PhpValue",
    "Unparsed",
    "Value",
    "array_key",
    "literal",
    "next_index",
    "scalar",
]

PHP_INT_MAX = 2**63 - 1
PHP_INT_MIN = -(2**63)

PhpScalar: TypeAlias = "str | int | float | bool | None"
PhpArray: TypeAlias = "dict[int | str, Value]"
PhpValue: TypeAlias = "PhpScalar | PhpArray"
Value: TypeAlias = "PhpValue | Unparsed"
"""A literal PHP value in Python (null is None, arrays are ordered dicts), or Unparsed."""


@dataclass(frozen=True)
class Unparsed:
    """An expression that is not a literal; `source` is its text as written."""

    source: str
    tokens: tuple[Token, ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        return self.source


def _number(text: str) -> int | float | None:
    """The value of a number token as PHP reads it; None for `08` (a parse error)."""
    digits = text.replace("_", "")
    prefix = digits[:2].lower()
    value: int | float
    if prefix in ("0x", "0b", "0o"):
        value = int(digits[2:], {"0x": 16, "0b": 2, "0o": 8}[prefix])
    elif any(c in digits for c in ".eE"):
        return float(digits)
    elif len(digits) > 1 and digits[0] == "0":
        try:
            value = int(digits, 8)
        except ValueError:
            return None
    else:
        value = int(digits)
    # Integer literals past PHP_INT_MAX silently become floats.
    return float(value) if value > PHP_INT_MAX else value


_WORDS: dict[str, PhpScalar] = {"true": True, "false": False, "null": None}


def scalar(token: Token) -> PhpScalar | Unparsed:
    """The value of a one-token expression."""
    kind, text = token.kind, token.text
    if kind is TokenKind.STRING:
        if text[0] == "'" and "\\" not in text and text.isascii():
            return text[1:-1]  # the usual string: its text is its value
        parts = string_parts(token)
        if parts is not None and len(parts) == 1 and isinstance(parts[0], str):
            return utf8(parts[0])
    elif kind is TokenKind.NUMBER:
        number = _number(text)
        if number is not None:
            return number
    elif kind is TokenKind.NAME:
        word = text.lower().lstrip("\\")
        if word in _WORDS:
            return _WORDS[word]
    return Unparsed(display_latin1(text), (token,))


_INT_KEY = re.compile(r"(?:0|-?[1-9][0-9]*)\Z")


def array_key(value: PhpValue) -> int | str | None:
    """PHP's key normalisation; None where PHP would refuse or warn and guess."""
    if isinstance(value, bool):
        return int(value)
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        if _INT_KEY.match(value) and PHP_INT_MIN <= int(value) <= PHP_INT_MAX:
            return int(value)
        return value
    return None


def next_index(array: PhpArray) -> int | None:
    """The key `$a[] = ...` would use; None where PHP versions disagree or PHP fails."""
    ints = [key for key in array if isinstance(key, int)]
    if not ints:
        return 0
    top = max(ints)
    # PHP < 8.3 restarts at 0 after negative keys, 8.3 continues: do not guess.
    if top < 0 or top == PHP_INT_MAX:
        return None
    return top + 1


class LiteralReader:
    """Reads literal values from significant tokens of one file."""

    def __init__(self, text: str) -> None:
        self.text = text

    def unparsed(self, tokens: Sequence[Token]) -> Unparsed:
        if not tokens:
            return Unparsed("")
        return Unparsed(display_latin1(self.text[tokens[0].start:tokens[-1].end]),
                        tuple(tokens))

    def value(self, tokens: Sequence[Token]) -> Value:
        if not tokens:
            return Unparsed("")
        first, last = tokens[0], tokens[-1]
        if len(tokens) == 1:
            return scalar(first)
        if first.kind is TokenKind.OPERATOR and first.text in "-+":
            operand = self.value(tokens[1:])
            if isinstance(operand, int | float) and not isinstance(operand, bool):
                return -operand if first.text == "-" else operand
            return self.unparsed(tokens)
        if first.text == "[" and last.text == "]" and closer(tokens, 0) == len(tokens) - 1:
            return self.array(tokens, tokens[1:-1])
        if (first.kind is TokenKind.NAME and first.text.lower() == "array"
                and tokens[1].text == "(" and closer(tokens, 1) == len(tokens) - 1):
            return self.array(tokens, tokens[2:-1])
        return self.unparsed(tokens)

    def array(self, whole: Sequence[Token], inner: Sequence[Token]) -> Value:
        result: PhpArray = {}
        items = split(inner, ",")
        if items and not items[-1]:
            items.pop()  # a trailing comma
        for item in items:
            if not item or item[0].text in ("...", "&"):
                # An empty element or a spread: PHP refuses it or we cannot follow it.
                return self.unparsed(whole)
            parts = split(item, "=>")
            if not all(parts):
                return self.unparsed(whole)  # `1 =>` with nothing after it
            if len(parts) == 1:
                index = next_index(result)
                if index is None:
                    return self.unparsed(whole)
                key: int | str = index
            elif len(parts) == 2:
                raw_key = self.value(parts[0])
                normal = None if isinstance(raw_key, Unparsed | dict) else array_key(raw_key)
                if normal is None:
                    return self.unparsed(whole)
                key = normal
            else:
                return self.unparsed(whole)
            result[key] = self.value(parts[-1])
        return result


def literal(source: bytes | str) -> Value:
    """The value of a PHP expression if it is a literal, else Unparsed: `"[1, 'a' => true]"`."""
    wrapped = "<?php " + latin1(source)
    return LiteralReader(wrapped).value(significant(Lexer(wrapped).tokens()))
