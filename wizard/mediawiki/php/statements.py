"""PHP statements: a splitter that knows blocks from expressions, and what it finds.

Each simple statement keeps its byte offsets and how deeply it is nested; an assignment
to a variable is split into target, keys, operator and value. Also function calls found
anywhere in the file, and the evaluation of simple string expressions (include paths).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

from wizard.mediawiki.php.brackets import CLOSERS, OPENERS, closer, is_op
from wizard.mediawiki.php.codes import (
    ASSIGN_OPERATORS,
    OPENER_CODES,
    SCALAR_ASSIGNMENT,
    SIMPLE,
    code,
)
from wizard.mediawiki.php.lexer import (
    Lexer,
    Token,
    TokenKind,
    significant,
    token_kind,
)
from wizard.mediawiki.php.text import display
from wizard.mediawiki.php.values import LiteralReader, Unparsed, Value, array_key, scalar
from wizard.model.memory import collector_paused

__all__ = [
    "APPEND",
    "ASSIGN_OPERATORS",
    "Key",
    "PhpFile",
    "Statement",
    "parse",
]


class _Append:
    """The empty index of `$a[] = ...`."""

    def __repr__(self) -> str:
        return "APPEND"


APPEND = _Append()

Key: TypeAlias = "int | str | _Append | Unparsed"
"""One index of an assignment's target: a literal key, APPEND, or an expression."""

@dataclass(frozen=True)
class Statement:
    """One simple statement, from its first token through its `;` (byte offsets).

    `depth` 0 means it runs unconditionally at the top of the file; anything inside an
    `if`, a loop, a function or a block is deeper. Assignments to a variable fill
    `target` (without `$`), `keys` (`$a['x'][] = ...` gives `('x', APPEND)`), `operator`
    and `value`.
    """

    start: int
    end: int
    line: int
    end_line: int
    depth: int
    tokens: tuple[Token, ...] = field(repr=False)
    """The significant tokens: no whitespace or comments."""
    target: str | None = None
    keys: tuple[Key, ...] = ()
    operator: str | None = None
    value: Value = None

    @property
    def keyword(self) -> str:
        """The leading name in lower case (`require_once`, `wfloadextension`), or ''."""
        first = self.tokens[0]
        return first.text.lower().lstrip("\\") if first.kind is TokenKind.NAME else ""


@dataclass(frozen=True)
class PhpFile:
    source: bytes = field(repr=False)
    tokens: tuple[Token, ...] = field(repr=False)
    statements: tuple[Statement, ...]

    def text(self, start: int, end: int) -> str:
        """Source between two byte offsets, decoded for display."""
        return display(self.source[start:end])

    @functools.cached_property
    def _comments(self) -> tuple[Token, ...]:
        # Kept: reading and then patching a file looks for its markers twice.
        return tuple(itertools.compress(self.tokens, map(TokenKind.COMMENT.__eq__,
                                                         map(token_kind, self.tokens))))

    def comments(self) -> list[Token]:
        return list(self._comments)


_CONTROL = frozenset({"if", "elseif", "while", "for", "foreach", "switch", "declare"})
_ALT_END = frozenset({"endif", "endwhile", "endfor", "endforeach", "endswitch", "enddeclare"})
_CLASS_LIKE = frozenset({"class", "interface", "trait", "abstract", "final", "readonly"})


class _Parser:
    """Splits significant tokens into statements, tracking how deeply each is nested."""

    def __init__(self, text: str, tokens: Sequence[Token]) -> None:
        self.literal = LiteralReader(text)
        self.toks = significant(tokens)
        self.code = code(self.toks)
        self.i = 0
        self.out: list[Statement] = []

    def peek(self, offset: int = 0) -> Token | None:
        index = self.i + offset
        return self.toks[index] if index < len(self.toks) else None

    def word(self, offset: int = 0) -> str:
        token = self.peek(offset)
        return token.text.lower() if token is not None and token.kind is TokenKind.NAME else ""

    def is_op(self, text: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token is not None and token.kind is TokenKind.OPERATOR and token.text == text

    def run(self) -> list[Statement]:
        code = self.code
        while self.i < len(code):
            if code[self.i] == "}":
                self.i += 1  # a stray closing brace: PHP would refuse the file
                continue
            self.statement(0)
        return self.out

    def statement(self, depth: int) -> None:
        token = self.peek()
        if token is None:
            return
        if token.kind is TokenKind.VARIABLE:
            self.simple(depth)  # the usual case; a variable starts no structure
            return
        word = self.word()
        if token.kind in (TokenKind.INLINE_HTML, TokenKind.CLOSE_TAG):
            self.i += 1
        elif self.is_op("#["):
            close = closer(self.toks, self.i)  # an attribute belongs to what follows
            self.i = close + 1 if close >= 0 else len(self.toks)
        elif word == "namespace" and self._namespace_block():
            self.block(depth)  # a namespace block's code runs unconditionally
        elif self.is_op("{"):
            # A bare block runs like the code around it; the structure that owns a block
            # (if, function) is what adds a level.
            self.i += 1
            self.block(depth)
        elif word in _CONTROL:
            self.i += 1
            self.skip_group()
            self.body(depth + 1)
        elif word == "else":
            self.i += 1
            self.body(depth + 1)
        elif word in ("do", "try", "finally"):
            self.i += 1
            self.statement(depth + 1)
        elif word == "catch":
            self.i += 1
            self.skip_group()
            self.statement(depth + 1)
        elif word == "function" and (self.peek(1) is not None and (
                self.word(1) or self.is_op("&", 1))):
            self.skip_to_body()  # a declaration; its body runs only when called
            self.statement(depth + 1)
        elif word in _CLASS_LIKE or (word == "enum" and self.word(1)):
            self.skip_to_body()
            if self.is_op("{"):
                end = closer(self.toks, self.i)
                self.i = end + 1 if end >= 0 else len(self.toks)
        else:
            self.simple(depth)

    def block(self, depth: int) -> None:
        """Statements up to the matching `}` (consumed)."""
        while self.i < len(self.toks) and not self.is_op("}"):
            self.statement(depth)
        self.i += 1

    def body(self, depth: int) -> None:
        """The body of a control structure: a statement, a block or `: ... endif;`."""
        if not self.is_op(":"):
            self.statement(depth)
            return
        self.i += 1
        while self.i < len(self.toks):
            word = self.word()
            if word in _ALT_END:
                self.i += 1
                if self.is_op(";"):
                    self.i += 1
                return
            if (word == "else" and self.is_op(":", 1)) or (
                    word == "elseif" and self._alt_elseif()):
                return  # the caller's loop reads it as a statement of its own
            self.statement(depth)

    def _namespace_block(self) -> bool:
        """After `namespace [Name]`, is a `{` next? If so, step into it."""
        offset = 2 if self.peek(1) is not None and self.word(1) else 1
        if not self.is_op("{", offset):
            return False
        self.i += offset + 1
        return True

    def _alt_elseif(self) -> bool:
        close = closer(self.toks, self.i + 1)
        return close >= 0 and close + 1 < len(self.toks) and self.toks[close + 1].text == ":"

    def skip_group(self) -> None:
        if self.is_op("("):
            close = closer(self.toks, self.i)
            self.i = close + 1 if close >= 0 else len(self.toks)

    def skip_to_body(self) -> None:
        """Past a declaration's head (name, parameters, types) to its `{`."""
        while self.i < len(self.toks) and not self.is_op("{") and not self.is_op(";"):
            if self.is_op("("):
                self.skip_group()
            else:
                self.i += 1

    def simple(self, depth: int) -> None:
        start = self.i
        end = SIMPLE.match(self.code, start).end()  # type: ignore[union-attr]  # may be empty
        stop = self.code[end:end + 1]
        if stop in OPENER_CODES:
            end = self.walk(start)  # brackets nested deeper than `SIMPLE` follows
        elif stop == ";":
            end += 1
        if end == start:
            self.i = start + 1
            return
        self.i = end
        self.out.append(self.make(start, end, depth))

    def walk(self, start: int) -> int:
        """End of the simple statement at `start`, token by token."""
        i, depth_in = start, 0
        while i < len(self.toks):
            token = self.toks[i]
            if token.kind is TokenKind.CLOSE_TAG and depth_in == 0:
                break  # `?>` ends a statement like `;`
            if token.kind is TokenKind.OPERATOR:
                if token.text in OPENERS:
                    depth_in += 1
                elif token.text in CLOSERS:
                    if depth_in == 0:
                        break  # the enclosing block's brace
                    depth_in -= 1
                elif token.text == ";" and depth_in == 0:
                    return i + 1
            i += 1
        return i

    def make(self, start: int, end: int, depth: int) -> Statement:
        tokens = self.toks[start:end]
        first, last = tokens[0], tokens[-1]
        assignment: tuple[str, tuple[Key, ...], str, Value] | None
        if SCALAR_ASSIGNMENT.fullmatch(self.code, start, end):
            assignment = self.scalar_assignment(start)
        else:
            assignment = self.assignment(tokens[:-1] if is_op(last, ";") else tokens)
        target, keys, operator_text, value = assignment or (None, (), None, None)
        return Statement(first.start, last.end, first.line, last.line, depth, tuple(tokens),
                         target=target, keys=keys, operator=operator_text, value=value)

    def scalar_assignment(self, start: int) -> tuple[str, tuple[Key, ...], str, Value]:
        """`assignment` of a statement `SCALAR_ASSIGNMENT` matches, without the bracket
        walks: each key and the value is one token."""
        toks, code = self.toks, self.code
        keys: list[Key] = []
        i = start + 1
        while code[i] == "[":
            if code[i + 1] == "]":
                keys.append(APPEND)
                i += 2
            else:
                keys.append(self.key(toks[i + 1:i + 2]))
                i += 3
        return toks[start].text[1:], tuple(keys), toks[i].text, scalar(toks[i + 1])

    def key(self, inner: list[Token]) -> Key:
        raw = self.literal.value(inner)
        normal = None if isinstance(raw, Unparsed | dict) else array_key(raw)
        return self.literal.unparsed(inner) if normal is None else normal

    def assignment(self, body: list[Token]) -> tuple[str, tuple[Key, ...], str, Value] | None:
        """`$name[key]... op value` split into its parts, or None."""
        if not body or body[0].kind is not TokenKind.VARIABLE:
            return None  # not an assignment, or an empty statement: `;;`
        keys: list[Key] = []
        i = 1
        while i < len(body) and is_op(body[i], "["):
            close = closer(body, i)
            if close < 0:
                return None
            inner = body[i + 1:close]
            keys.append(self.key(inner) if inner else APPEND)
            i = close + 1
        if i >= len(body) or body[i].kind is not TokenKind.OPERATOR or (
                body[i].text not in ASSIGN_OPERATORS):
            return None
        return body[0].text[1:], tuple(keys), body[i].text, self.literal.value(body[i + 1:])


def parse(source: bytes | str) -> PhpFile:
    """Tokens and statements of a PHP file; raises PhpSyntaxError if it cannot be read."""
    raw = source.encode("utf-8") if isinstance(source, str) else source
    text = raw.decode("latin-1")
    with collector_paused():
        tokens = Lexer(text).tokens()
        statements = _Parser(text, tokens).run()
        return PhpFile(raw, tuple(tokens), tuple(statements))
