"""The PHP tokenizer: the whole language surface a settings file uses.

Tags, comments, every string form including heredoc and nowdoc, numbers, names, casts
and operators, each token with its byte offsets and line. A quoted string's body is
decoded in `strings`.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import NamedTuple

from wizard.errors import WizardError
from wizard.mediawiki.php.text import latin1
from wizard.model.i18n import _
from wizard.model.memory import collector_paused

__all__ = [
    "LABEL",
    "NAME_START",
    "VARIABLE",
    "PhpSyntaxError",
    "Token",
    "TokenKind",
    "significant",
    "token_kind",
    "tokenize",
]


class PhpSyntaxError(WizardError):
    """The source is not PHP that PHP would accept (an unterminated string, a stray tag)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(_("Line {line}: {message}").format(line=line, message=message))
        self.reason = message
        self.line = line


class TokenKind(StrEnum):
    INLINE_HTML = "inline-html"
    """Text outside `<?php ... ?>`, echoed as is."""
    OPEN_TAG = "open-tag"
    CLOSE_TAG = "close-tag"
    WHITESPACE = "whitespace"
    COMMENT = "comment"
    STRING = "string"
    """Quoted with ', " or ` (the last is a shell command, never a literal)."""
    HEREDOC = "heredoc"
    """`<<<EOT` and nowdoc `<<<'EOT'`, through the closing label."""
    NUMBER = "number"
    VARIABLE = "variable"
    NAME = "name"
    """Identifiers and keywords, namespaced or not: `true`, `array`, `\\getenv`."""
    CAST = "cast"
    OPERATOR = "operator"
    """Operators and punctuation: `=`, `=>`, `;`, `(`, `[`, `#[`, ..."""


class Token(NamedTuple):
    """One token; a named tuple rather than a frozen dataclass because a big settings
    file has hundreds of thousands of them, and a tuple is made three times faster."""

    kind: TokenKind
    text: str
    """The source bytes, one character per byte (Latin-1)."""
    start: int
    end: int
    line: int


# --- Tokenizer -------------------------------------------------------------------------

# A name as PHP reads it (bytes 0x80-0xff count as letters); `strings` reads `$name`
# inside a string body with the same rules.
NAME_START = "A-Za-z_\x80-\xff"
_NAME_CHAR = "A-Za-z0-9_\x80-\xff"
LABEL = f"[{NAME_START}][{_NAME_CHAR}]*"
_LNUM = r"[0-9]+(?:_[0-9]+)*"
_DNUM = rf"(?:(?:{_LNUM})?\.{_LNUM}|{_LNUM}\.(?:{_LNUM})?)"

_DIGITS = "0123456789"
_DIGITS_NONEMPTY = tuple(_DIGITS)
_OPEN_TAG = re.compile(r"<\?php(?:[ \t\n]|\r\n?|\Z)|<\?=", re.IGNORECASE)
_WHITESPACE = re.compile(r"[ \t\r\n]+")
_NUMBER = re.compile(
    rf"0[xX][0-9a-fA-F]+(?:_[0-9a-fA-F]+)*|0[bB][01]+(?:_[01]+)*|0[oO][0-7]+(?:_[0-7]+)*"
    rf"|(?:{_DNUM}|{_LNUM})(?:[eE][+-]?{_LNUM})?")
VARIABLE = re.compile(rf"\$({LABEL})")
_NAME = re.compile(rf"\\?{LABEL}(?:\\{LABEL})*")
_CAST = re.compile(
    r"\([ \t]*(?:int|integer|bool|boolean|float|double|real|string|binary|array|object"
    r"|unset)[ \t]*\)", re.IGNORECASE)
_HEREDOC_START = re.compile(rf"<<<[ \t]*(?:({LABEL})|\"({LABEL})\"|'({LABEL})')(?:\r\n|\r|\n)")
_LINE_END_OR_CLOSE = re.compile(r"\r\n|\r|\n|\?>")
_NEWLINE = re.compile(r"\r\n|\r|\n")
# Longest first, so `===` wins over `==` and `<<=` over `<<`.
_OPERATORS = sorted(
    ["===", "!==", "<=>", "**=", "...", "<<=", ">>=", "??=", "?->", "==", "!=", "<>", "<=",
     ">=", "&&", "||", "??", "->", "=>", "::", "++", "--", "+=", "-=", "*=", "/=", ".=",
     "%=", "&=", "|=", "^=", "<<", ">>", "**"],
    key=len, reverse=True)
# One regex instead of a loop over the list: most tokens of a big file are one-character
# operators (`[`, `]`, `=`, `;`), and trying each longer operator first cost the most.
_OPERATOR = re.compile("|".join(map(re.escape, _OPERATORS)))
# A backslash escapes the next character, whatever it is; no nested repetition, so an
# unclosed string fails in linear time.
_SINGLE_QUOTED_REST = re.compile(r"(?:[^'\\]|\\.)*'", re.DOTALL)
# Nearly every token of a file, read by one regex in one `finditer` pass. The
# alternatives mirror `next_token` in its order and give exactly what it gives for a
# token starting there; where `next_token` must decide (a closing tag, `__halt_compiler`,
# a heredoc, a string with `{$`/`${` or a backtick, an unclosed quote) an empty
# lookahead matches instead, which stops the pass and hands that token to `next_token`.
# Each kind's alternative is a group; `lastindex` names it. The last one matches any
# character, so each match starts where the one before ended: no text is skipped, and
# `finditer` never searches ahead.
_FAST_ALTERNATIVES: list[tuple[TokenKind | None, str]] = [
    (TokenKind.WHITESPACE, r"[ \t\r\n]+"),
    # Characters that start nothing but a one-character operator: first, being common.
    (TokenKind.OPERATOR, r"[\[\];,){}~@]"),
    (None, r"(?=\?>)"),
    (TokenKind.OPERATOR, r"\#\["),
    (TokenKind.COMMENT, r"(?:\#|//)[^\r\n?]*(?:\?(?!>)[^\r\n?]*)*"),
    # PHP only warns about an unterminated comment and ignores the rest.
    (TokenKind.COMMENT, r"/\*(?:.*?\*/|.*)"),
    (TokenKind.STRING, r"'(?:[^'\\]|\\.)*'"),
    (TokenKind.STRING, r'"(?:[^"\\{$]|\\.|\{(?!\$)|\$(?!\{))*"'),
    (None, r"(?=['\"`]|<<<)"),
    (TokenKind.VARIABLE, rf"\$(?:{LABEL})"),
    (TokenKind.NUMBER, rf"(?=\.?[0-9])(?:{_NUMBER.pattern})"),
    (None, rf"(?=(?i:__halt_compiler)(?![{_NAME_CHAR}]|\\[{NAME_START}]))"),
    (TokenKind.NAME, _NAME.pattern),
    (TokenKind.CAST, rf"(?i:{_CAST.pattern})"),
    (TokenKind.OPERATOR, _OPERATOR.pattern),
    (TokenKind.OPERATOR, "."),
]
_FAST = re.compile("|".join(f"({pattern})" if kind else pattern
                            for kind, pattern in _FAST_ALTERNATIVES), re.DOTALL)
_FAST_KINDS = [None, *(kind for kind, _pattern in _FAST_ALTERNATIVES if kind)]
"""The kind of each group of `_FAST`, by group number."""
_FAST_CHUNK = 4096
"""Tokens made per batch: bounds the match objects held at once."""
_match_text = re.Match.group
_match_start = re.Match.start
_match_end = re.Match.end
_match_group_number = re.Match.lastindex.__get__
_new_token = functools.partial(tuple.__new__, Token)


class Lexer:
    """Tokens of one source held as Latin-1 text (see `text`), with line numbers."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
        self.lone_newlines = "\r" not in text
        """Every line ends with `\n` alone, so counting those counts lines."""

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def error(self, message: str, offset: int) -> PhpSyntaxError:
        return PhpSyntaxError(message, self.line(offset))

    def tokens(self) -> list[Token]:
        text, n = self.text, len(self.text)
        out: list[Token] = []
        pos = 0
        while pos < n:
            # Outside PHP: everything up to the next opening tag is echoed as is.
            tag = _OPEN_TAG.search(text, pos)
            html_end = tag.start() if tag else n
            if html_end > pos:
                out.append(self._token(TokenKind.INLINE_HTML, pos, html_end))
            if tag is None:
                break
            out.append(self._token(TokenKind.OPEN_TAG, tag.start(), tag.end()))
            pos = tag.end()
            while pos < n:
                pos = self._fast_tokens(out, pos)
                if pos >= n:
                    break
                kind, end = self.next_token(pos)
                out.append(self._token(kind, pos, end))
                pos = end
                if kind is TokenKind.CLOSE_TAG:
                    break
                if kind is TokenKind.NAME and out[-1].text.lower() == "__halt_compiler":
                    pos = self._halt(out, pos)
        return out

    def _fast_tokens(self, out: list[Token], pos: int) -> int:
        """Append the tokens `_FAST` reads from `pos` on; where they stop.

        A megabyte of settings is some 300,000 tokens, so there is no Python code per
        token: the matches are taken up to the first empty one, and their texts, offsets,
        kinds and lines become tokens through C-level `map` calls.
        """
        matches = itertools.takewhile(_match_text, _FAST.finditer(self.text, pos))
        while chunk := list(itertools.islice(matches, _FAST_CHUNK)):
            starts = list(map(_match_start, chunk))
            texts = list(map(_match_text, chunk))
            if self.lone_newlines:
                # The tokens run on without a gap, so each one's line is the first's
                # plus the newlines before it, counted in C.
                lines: Iterable[int] = itertools.accumulate(
                    map(str.count, texts, itertools.repeat("\n", len(texts) - 1)),
                    initial=self.line(starts[0]))
            else:
                lines = map(functools.partial(bisect.bisect_right, self.line_starts), starts)
            kinds = map(_FAST_KINDS.__getitem__, map(_match_group_number, chunk))
            out.extend(map(_new_token, zip(kinds, texts, starts, map(_match_end, chunk),
                                           lines, strict=True)))
            pos = chunk[-1].end()
        return pos

    def _halt(self, out: list[Token], pos: int) -> int:
        """PHP compiles nothing after `__halt_compiler();` (or `...() ?>`): the tokens
        through that `;`, then the rest of the file as one INLINE_HTML token (data)."""
        n = len(self.text)
        while pos < n:
            kind, end = self.next_token(pos)
            out.append(self._token(kind, pos, end))
            pos = end
            if kind is TokenKind.CLOSE_TAG or out[-1].text == ";":
                break
        if pos < n:
            out.append(self._token(TokenKind.INLINE_HTML, pos, n))
        return n

    def _token(self, kind: TokenKind, start: int, end: int) -> Token:
        return Token(kind, self.text[start:end], start, end, self.line(start))

    def next_token(self, pos: int) -> tuple[TokenKind, int]:
        """The kind and end of the PHP-mode token at `pos`."""
        text = self.text
        ch = text[pos]
        if match := _WHITESPACE.match(text, pos):
            return TokenKind.WHITESPACE, match.end()
        if text.startswith("?>", pos):
            # The closing tag swallows one newline right after it.
            newline = _NEWLINE.match(text, pos + 2)
            return TokenKind.CLOSE_TAG, newline.end() if newline else pos + 2
        if text.startswith("#[", pos):
            return TokenKind.OPERATOR, pos + 2
        if ch == "#" or text.startswith("//", pos):
            # A line comment ends at the line end or just before `?>`.
            stop = _LINE_END_OR_CLOSE.search(text, pos)
            return TokenKind.COMMENT, stop.start() if stop else len(text)
        if text.startswith("/*", pos):
            close = text.find("*/", pos + 2)
            # PHP only warns about an unterminated comment and ignores the rest.
            return TokenKind.COMMENT, close + 2 if close >= 0 else len(text)
        if ch == "'":
            return TokenKind.STRING, self._single_quoted_end(pos)
        if ch in "\"`":
            return TokenKind.STRING, self._interpolated_end(pos + 1, ch)
        if ch == "<" and (heredoc := _HEREDOC_START.match(text, pos)):
            return TokenKind.HEREDOC, self._heredoc_end(heredoc)
        if ch == "$" and (variable := VARIABLE.match(text, pos)):
            return TokenKind.VARIABLE, variable.end()
        if ch in _DIGITS or (ch == "." and text[pos + 1:pos + 2] in _DIGITS_NONEMPTY):
            number = _NUMBER.match(text, pos)
            assert number is not None  # a digit always starts a number
            return TokenKind.NUMBER, number.end()
        if match := _NAME.match(text, pos):
            return TokenKind.NAME, match.end()
        if ch == "(" and (cast := _CAST.match(text, pos)):
            return TokenKind.CAST, cast.end()
        if operator := _OPERATOR.match(text, pos):
            return TokenKind.OPERATOR, operator.end()
        return TokenKind.OPERATOR, pos + 1

    def _single_quoted_end(self, pos: int) -> int:
        if match := _SINGLE_QUOTED_REST.match(self.text, pos + 1):
            return match.end()
        raise self.error(_("a quoted string is not closed"), pos)

    def _interpolated_end(self, pos: int, quote: str) -> int:
        """End of a `"`/backtick string whose body starts at `pos`."""
        text, i = self.text, pos
        while i < len(text):
            ch = text[i]
            if ch == "\\":
                i += 2
            elif ch == quote:
                return i + 1
            elif text.startswith(("{$", "${"), i):
                # Inside {$...} and ${...} PHP reads code again, strings and all.
                i = self._code_block_end(i + (1 if ch == "{" else 2))
            else:
                i += 1
        raise self.error(_("a quoted string is not closed"), pos - 1)

    def _code_block_end(self, pos: int) -> int:
        """Position after the `}` that closes the code starting at `pos`."""
        depth, i = 0, pos
        while i < len(self.text):
            kind, end = self.next_token(i)
            token = self.text[i:end]
            if kind is TokenKind.OPERATOR and token == "{":
                depth += 1
            elif kind is TokenKind.OPERATOR and token == "}":
                if depth == 0:
                    return end
                depth -= 1
            i = end
        raise self.error(_("a {…} expression in a string is not closed"), pos)

    def _heredoc_end(self, start: re.Match[str]) -> int:
        label = start.group(1) or start.group(2) or start.group(3)
        # Since PHP 7.3 the closing label may be indented and followed by more code.
        closing = re.compile(rf"^[ \t]*{re.escape(label)}(?![{_NAME_CHAR}])", re.MULTILINE)
        match = closing.search(self.text, start.end())
        if match is None:
            raise self.error(_("the heredoc {label} is not closed").format(label=label),
                             start.start())
        return match.end()


def tokenize(source: bytes | str) -> list[Token]:
    """Every token of `source`, whitespace and comments included; offsets are bytes."""
    with collector_paused():
        return Lexer(latin1(source)).tokens()


_TRIVIA = (TokenKind.WHITESPACE, TokenKind.COMMENT, TokenKind.OPEN_TAG)
_CARRIES_CODE = {kind: kind not in _TRIVIA for kind in TokenKind}
token_kind = operator.itemgetter(0)
"""A token's kind, as a C-level function for `map`."""


def significant(tokens: Sequence[Token]) -> list[Token]:
    """The tokens that carry code: no whitespace, comments or opening tags."""
    return list(itertools.compress(tokens, map(_CARRIES_CODE.__getitem__,
                                               map(token_kind, tokens))))
