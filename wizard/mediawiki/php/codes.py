"""Significant tokens as a string, one character per token, for the statement splitter.

Regexes over that string find where a statement ends and recognise the common
`$name['key'] = value;` whole, instead of Python code looking at every token: a
megabyte of settings is some 200,000 significant tokens.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence

from wizard.mediawiki.php.lexer import Token, TokenKind, token_kind

__all__ = ["ASSIGN_OPERATORS", "KIND_CODES", "OPENER_CODES", "OPERATOR_CODES",
           "SCALAR_ASSIGNMENT", "SIMPLE", "code"]

ASSIGN_OPERATORS = frozenset({
    "=", ".=", "+=", "-=", "*=", "/=", "%=", "**=", "??=", "|=", "&=", "^=", "<<=", ">>=",
})
KIND_CODES = {
    TokenKind.INLINE_HTML: "h", TokenKind.OPEN_TAG: "t", TokenKind.CLOSE_TAG: "x",
    TokenKind.WHITESPACE: " ", TokenKind.COMMENT: "/", TokenKind.STRING: "s",
    TokenKind.HEREDOC: "e", TokenKind.NUMBER: "d", TokenKind.VARIABLE: "v",
    TokenKind.NAME: "n", TokenKind.CAST: "c", TokenKind.OPERATOR: "o",
}
OPERATOR_CODES = {
    "(": "(", "[": "[", "{": "{", "#[": "#", ")": ")", "]": "]", "}": "}", ";": ";",
    "=": "=", **{text: "a" for text in ASSIGN_OPERATORS - {"="}},
}
_OPERATOR_KEYS = {(TokenKind.OPERATOR, text): code for text, code in OPERATOR_CODES.items()}
_kind_and_text = operator.itemgetter(0, 1)
OPENER_CODES = frozenset("([{#")


def _group(depth: int) -> str:
    """A bracketed run of codes, brackets inside nested up to `depth` deep."""
    inside = r"[^([{#)\]}]" if depth == 1 else rf"(?:[^([{{#)\]}}]|{_group(depth - 1)})"
    return rf"[([{{#]{inside}*[)\]}}]"


# A simple statement runs to a `;`, `?>` or closing brace outside brackets; inside them
# anything goes. Brackets nest three deep here (deeper ones go token by token). At each
# code at most one alternative can match (a bracket group starts with the opener the
# other excludes), so giving back on a failed group costs one look per code given back.
# Not possessive quantifiers: Python 3.11.2 (Debian 12) gets `*+` inside groups wrong.
SIMPLE = re.compile(rf"(?:[^;x([{{#)\]}}]|{_group(3)})*")
# `$name[k]...[] = v;` where each key and the value is one token: what most lines of a
# big settings file are.
SCALAR_ASSIGNMENT = re.compile(r"v(?:\[[^([{#)\]}]?\])*[=a][^([{#)\]};x];?")


def code(tokens: Sequence[Token]) -> str:
    return "".join(map(_OPERATOR_KEYS.get, map(_kind_and_text, tokens),
                       map(KIND_CODES.__getitem__, map(token_kind, tokens))))
