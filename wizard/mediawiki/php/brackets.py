"""Walking token sequences by their brackets: matching, balance, splitting."""

from __future__ import annotations

from collections.abc import Sequence

from wizard.mediawiki.php.lexer import Token, TokenKind

__all__ = ["CLOSERS", "OPENERS", "brackets_balanced", "closer", "is_op", "split"]

OPENERS = frozenset({"(", "[", "{", "#["})
CLOSERS = frozenset({")", "]", "}"})


def brackets_balanced(tokens: Sequence[Token]) -> bool:
    """Every bracket closed, none closed before it was opened."""
    depth = 0
    for token in tokens:
        if token.kind is TokenKind.OPERATOR and token.text in OPENERS:
            depth += 1
        elif token.kind is TokenKind.OPERATOR and token.text in CLOSERS:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def is_op(token: Token, text: str) -> bool:
    return token.kind is TokenKind.OPERATOR and token.text == text


def closer(tokens: Sequence[Token], index: int) -> int:
    """Index of the bracket closing the one at `index`, or -1."""
    depth = 0
    for i in range(index, len(tokens)):
        text = tokens[i].text
        if tokens[i].kind is TokenKind.OPERATOR:
            if text in OPENERS:
                depth += 1
            elif text in CLOSERS:
                depth -= 1
                if depth == 0:
                    return i
    return -1


def split(tokens: Sequence[Token], separator: str) -> list[list[Token]]:
    """Split at `separator` outside brackets."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind is TokenKind.OPERATOR:
            if token.text in OPENERS:
                depth += 1
            elif token.text in CLOSERS:
                depth -= 1
            elif token.text == separator and depth == 0:
                parts.append([])
                continue
        parts[-1].append(token)
    return parts
