"""Just enough PHP to read and patch LocalSettings.php, in pure Python.

A real tokenizer for the whole language surface a settings file uses (tags, comments,
every string form including heredoc and nowdoc, numbers, names, casts, operators), a
statement splitter that knows blocks from expressions, and a reader for literal values:
strings, numbers, booleans, null and arrays in both spellings. Anything else (a constant,
a concatenation, `getenv()`, an interpolated string) becomes `Unparsed`, which keeps the
source text: reported, never guessed.

Offsets are byte offsets into the file as given, so a patch can replace exactly one
statement. Internally the bytes are decoded as Latin-1, which maps every byte to one
character; string values are decoded as UTF-8 at the end (undecodable bytes are kept as
surrogate escapes, so nothing is lost).
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeAlias

from wizard.errors import WizardError
from wizard.model.i18n import _

__all__ = [
    "APPEND",
    "ASSIGN_OPERATORS",
    "CLOSERS",
    "OPENERS",
    "Call",
    "PhpArray",
    "PhpFile",
    "PhpSyntaxError",
    "PhpValue",
    "Statement",
    "Token",
    "TokenKind",
    "Unparsed",
    "Value",
    "brackets_balanced",
    "find_calls",
    "literal",
    "next_index",
    "parse",
    "string_expression",
    "tokenize",
    "unserialize",
]

PHP_INT_MAX = 2**63 - 1
PHP_INT_MIN = -(2**63)

PhpScalar: TypeAlias = "str | int | float | bool | None"
PhpArray: TypeAlias = "dict[int | str, Value]"
PhpValue: TypeAlias = "PhpScalar | PhpArray"
Value: TypeAlias = "PhpValue | Unparsed"
"""A literal PHP value in Python (null is None, arrays are ordered dicts), or Unparsed."""


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


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    """The source bytes, one character per byte (Latin-1)."""
    start: int
    end: int
    line: int


@dataclass(frozen=True)
class Unparsed:
    """An expression that is not a literal; `source` is its text as written."""

    source: str
    tokens: tuple[Token, ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        return self.source


class _Append:
    """The empty index of `$a[] = ...`."""

    def __repr__(self) -> str:
        return "APPEND"


APPEND = _Append()

ASSIGN_OPERATORS = frozenset({
    "=", ".=", "+=", "-=", "*=", "/=", "%=", "**=", "??=", "|=", "&=", "^=", "<<=", ">>=",
})


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
    keys: tuple[int | str | _Append | Unparsed, ...] = ()
    operator: str | None = None
    value: Value = None

    @property
    def keyword(self) -> str:
        """The leading name in lower case (`require_once`, `wfloadextension`), or ''."""
        first = self.tokens[0]
        return first.text.lower().lstrip("\\") if first.kind is TokenKind.NAME else ""


@dataclass(frozen=True)
class Call:
    """A function call found anywhere in the file; `args` are literal values or Unparsed."""

    name: str
    line: int
    start: int
    end: int
    args: tuple[Value, ...]


@dataclass(frozen=True)
class PhpFile:
    source: bytes = field(repr=False)
    tokens: tuple[Token, ...] = field(repr=False)
    statements: tuple[Statement, ...]

    def text(self, start: int, end: int) -> str:
        """Source between two byte offsets, decoded for display."""
        return _display(self.source[start:end])

    def comments(self) -> list[Token]:
        return [t for t in self.tokens if t.kind is TokenKind.COMMENT]


# --- Tokenizer -------------------------------------------------------------------------

_NAME_START = "A-Za-z_\x80-\xff"
_NAME_CHAR = "A-Za-z0-9_\x80-\xff"
_LABEL = f"[{_NAME_START}][{_NAME_CHAR}]*"
_LNUM = r"[0-9]+(?:_[0-9]+)*"
_DNUM = rf"(?:(?:{_LNUM})?\.{_LNUM}|{_LNUM}\.(?:{_LNUM})?)"

_DIGITS = "0123456789"
_DIGITS_NONEMPTY = tuple(_DIGITS)
_OPEN_TAG = re.compile(r"<\?php(?:[ \t\n]|\r\n?|\Z)|<\?=", re.IGNORECASE)
_WHITESPACE = re.compile(r"[ \t\r\n]+")
_NUMBER = re.compile(
    rf"0[xX][0-9a-fA-F]+(?:_[0-9a-fA-F]+)*|0[bB][01]+(?:_[01]+)*|0[oO][0-7]+(?:_[0-7]+)*"
    rf"|(?:{_DNUM}|{_LNUM})(?:[eE][+-]?{_LNUM})?")
_VARIABLE = re.compile(rf"\$({_LABEL})")
_NAME = re.compile(rf"\\?{_LABEL}(?:\\{_LABEL})*")
_CAST = re.compile(
    r"\([ \t]*(?:int|integer|bool|boolean|float|double|real|string|binary|array|object"
    r"|unset)[ \t]*\)", re.IGNORECASE)
_HEREDOC_START = re.compile(rf"<<<[ \t]*(?:({_LABEL})|\"({_LABEL})\"|'({_LABEL})')(?:\r\n|\r|\n)")
_LINE_END_OR_CLOSE = re.compile(r"\r\n|\r|\n|\?>")
_NEWLINE = re.compile(r"\r\n|\r|\n")
# Longest first, so `===` wins over `==` and `<<=` over `<<`.
_OPERATORS = sorted(
    ["===", "!==", "<=>", "**=", "...", "<<=", ">>=", "??=", "?->", "==", "!=", "<>", "<=",
     ">=", "&&", "||", "??", "->", "=>", "::", "++", "--", "+=", "-=", "*=", "/=", ".=",
     "%=", "&=", "|=", "^=", "<<", ">>", "**"],
    key=len, reverse=True)


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]

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
                kind, end = self.next_token(pos)
                out.append(self._token(kind, pos, end))
                pos = end
                if kind is TokenKind.CLOSE_TAG:
                    break
        return out

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
        if ch == "$" and (variable := _VARIABLE.match(text, pos)):
            return TokenKind.VARIABLE, variable.end()
        if ch in _DIGITS or (ch == "." and text[pos + 1:pos + 2] in _DIGITS_NONEMPTY):
            number = _NUMBER.match(text, pos)
            assert number is not None  # a digit always starts a number
            return TokenKind.NUMBER, number.end()
        if match := _NAME.match(text, pos):
            return TokenKind.NAME, match.end()
        if ch == "(" and (cast := _CAST.match(text, pos)):
            return TokenKind.CAST, cast.end()
        for operator in _OPERATORS:
            if text.startswith(operator, pos):
                return TokenKind.OPERATOR, pos + len(operator)
        return TokenKind.OPERATOR, pos + 1

    def _single_quoted_end(self, pos: int) -> int:
        text, i = self.text, pos + 1
        while i < len(text):
            if text[i] == "\\":
                i += 2
            elif text[i] == "'":
                return i + 1
            else:
                i += 1
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
    return _Lexer(_latin1(source)).tokens()


# --- Literal values --------------------------------------------------------------------

_BRACED_VARIABLE = re.compile(rf"\{{\$({_LABEL})\}}")
_INDEX_OR_PROPERTY = re.compile(rf"\[|->[{_NAME_START}]")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "e": "\x1b", "f": "\f",
                   "\\": "\\", "$": "$"}
_OCTAL_ESCAPE = re.compile(r"[0-7]{1,3}")
_HEX_ESCAPE = re.compile(r"x([0-9A-Fa-f]{1,2})")
_UNICODE_ESCAPE = re.compile(r"u\{([0-9A-Fa-f]+)\}")


@dataclass(frozen=True)
class _Var:
    name: str


def _string_parts(token: Token) -> list[str | _Var] | None:
    """A string token as literal text and simple `$name`/`{$name}` parts, Latin-1 text.

    None for anything that is not plain text plus simple variables: heredoc, shell
    commands, `$a[0]`, `{$a->b}`, an invalid `\\u{...}`.
    """
    text = token.text
    if token.kind is not TokenKind.STRING or text[0] == "`":
        return None
    if text[0] == "'":
        return [re.sub(r"\\([\\'])", r"\1", text[1:-1])]
    body, i = text[1:-1], 0
    parts: list[str | _Var] = []
    chunk: list[str] = []
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            decoded, i = _escape(body, i + 1)
            if decoded is None:
                return None
            chunk.append(decoded)
            continue
        variable = _VARIABLE.match(body, i)
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
            chunk.append(ch)
            i += 1
            continue
        parts.extend(["".join(chunk), _Var(match.group(1))])
        chunk = []
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


def _scalar(token: Token) -> PhpScalar | Unparsed:
    if token.kind is TokenKind.STRING:
        parts = _string_parts(token)
        if parts is not None and len(parts) == 1 and isinstance(parts[0], str):
            return _utf8(parts[0])
    elif token.kind is TokenKind.NUMBER:
        number = _number(token.text)
        if number is not None:
            return number
    elif token.kind is TokenKind.NAME:
        word = token.text.lower().lstrip("\\")
        if word in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[word]
    return Unparsed(_display_latin1(token.text), (token,))


_INT_KEY = re.compile(r"(?:0|-?[1-9][0-9]*)\Z")


def _array_key(value: PhpValue) -> int | str | None:
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


class _Literal:
    """Reads literal values from significant tokens of one file."""

    def __init__(self, text: str) -> None:
        self.text = text

    def unparsed(self, tokens: Sequence[Token]) -> Unparsed:
        if not tokens:
            return Unparsed("")
        return Unparsed(_display_latin1(self.text[tokens[0].start:tokens[-1].end]),
                        tuple(tokens))

    def value(self, tokens: Sequence[Token]) -> Value:
        if not tokens:
            return Unparsed("")
        first, last = tokens[0], tokens[-1]
        if len(tokens) == 1:
            return _scalar(first)
        if first.kind is TokenKind.OPERATOR and first.text in "-+":
            operand = self.value(tokens[1:])
            if isinstance(operand, int | float) and not isinstance(operand, bool):
                return -operand if first.text == "-" else operand
            return self.unparsed(tokens)
        if first.text == "[" and last.text == "]" and _closer(tokens, 0) == len(tokens) - 1:
            return self.array(tokens, tokens[1:-1])
        if (first.kind is TokenKind.NAME and first.text.lower() == "array"
                and tokens[1].text == "(" and _closer(tokens, 1) == len(tokens) - 1):
            return self.array(tokens, tokens[2:-1])
        return self.unparsed(tokens)

    def array(self, whole: Sequence[Token], inner: Sequence[Token]) -> Value:
        result: PhpArray = {}
        items = _split(inner, ",")
        if items and not items[-1]:
            items.pop()  # a trailing comma
        for item in items:
            if not item or item[0].text in ("...", "&"):
                # An empty element or a spread: PHP refuses it or we cannot follow it.
                return self.unparsed(whole)
            parts = _split(item, "=>")
            if not all(parts):
                return self.unparsed(whole)  # `1 =>` with nothing after it
            if len(parts) == 1:
                index = next_index(result)
                if index is None:
                    return self.unparsed(whole)
                key: int | str = index
            elif len(parts) == 2:
                raw_key = self.value(parts[0])
                normal = None if isinstance(raw_key, Unparsed | dict) else _array_key(raw_key)
                if normal is None:
                    return self.unparsed(whole)
                key = normal
            else:
                return self.unparsed(whole)
            result[key] = self.value(parts[-1])
        return result


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


def _is_op(token: Token, text: str) -> bool:
    return token.kind is TokenKind.OPERATOR and token.text == text


def _closer(tokens: Sequence[Token], index: int) -> int:
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


def _split(tokens: Sequence[Token], separator: str) -> list[list[Token]]:
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


def literal(source: bytes | str) -> Value:
    """The value of a PHP expression if it is a literal, else Unparsed: `"[1, 'a' => true]"`."""
    wrapped = "<?php " + _latin1(source)
    return _Literal(wrapped).value(_significant(_Lexer(wrapped).tokens()))


# --- Statements ------------------------------------------------------------------------

_TRIVIA = (TokenKind.WHITESPACE, TokenKind.COMMENT, TokenKind.OPEN_TAG)
_CONTROL = frozenset({"if", "elseif", "while", "for", "foreach", "switch", "declare"})
_ALT_END = frozenset({"endif", "endwhile", "endfor", "endforeach", "endswitch", "enddeclare"})
_CLASS_LIKE = frozenset({"class", "interface", "trait", "abstract", "final", "readonly"})


def _significant(tokens: Sequence[Token]) -> list[Token]:
    return [t for t in tokens if t.kind not in _TRIVIA]


class _Parser:
    """Splits significant tokens into statements, tracking how deeply each is nested."""

    def __init__(self, text: str, tokens: Sequence[Token]) -> None:
        self.literal = _Literal(text)
        self.toks = _significant(tokens)
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
        while self.i < len(self.toks):
            if self.is_op("}"):
                self.i += 1  # a stray closing brace: PHP would refuse the file
                continue
            self.statement(0)
        return self.out

    def statement(self, depth: int) -> None:
        token = self.peek()
        if token is None:
            return
        word = self.word()
        if token.kind in (TokenKind.INLINE_HTML, TokenKind.CLOSE_TAG):
            self.i += 1
        elif self.is_op("#["):
            close = _closer(self.toks, self.i)  # an attribute belongs to what follows
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
                end = _closer(self.toks, self.i)
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
        close = _closer(self.toks, self.i + 1)
        return close >= 0 and close + 1 < len(self.toks) and self.toks[close + 1].text == ":"

    def skip_group(self) -> None:
        if self.is_op("("):
            close = _closer(self.toks, self.i)
            self.i = close + 1 if close >= 0 else len(self.toks)

    def skip_to_body(self) -> None:
        """Past a declaration's head (name, parameters, types) to its `{`."""
        while self.i < len(self.toks) and not self.is_op("{") and not self.is_op(";"):
            if self.is_op("("):
                self.skip_group()
            else:
                self.i += 1

    def simple(self, depth: int) -> None:
        start, depth_in = self.i, 0
        while self.i < len(self.toks):
            token = self.toks[self.i]
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
                    self.i += 1
                    break
            self.i += 1
        if self.i == start:
            self.i += 1
            return
        self.out.append(self.make(self.toks[start:self.i], depth))

    def make(self, tokens: list[Token], depth: int) -> Statement:
        first, last = tokens[0], tokens[-1]
        statement = Statement(first.start, last.end, first.line, last.line, depth,
                              tuple(tokens))
        assignment = self.assignment(tokens[:-1] if _is_op(last, ";") else tokens)
        return dataclasses.replace(statement, **assignment) if assignment else statement

    def assignment(self, body: list[Token]) -> dict[str, object] | None:
        """`$name[key]... op value` split into its parts, or None."""
        if body[0].kind is not TokenKind.VARIABLE:
            return None
        keys: list[int | str | _Append | Unparsed] = []
        i = 1
        while i < len(body) and _is_op(body[i], "["):
            close = _closer(body, i)
            if close < 0:
                return None
            inner = body[i + 1:close]
            if not inner:
                keys.append(APPEND)
            else:
                raw = self.literal.value(inner)
                normal = None if isinstance(raw, Unparsed | dict) else _array_key(raw)
                keys.append(self.literal.unparsed(inner) if normal is None else normal)
            i = close + 1
        if i >= len(body) or body[i].kind is not TokenKind.OPERATOR or (
                body[i].text not in ASSIGN_OPERATORS):
            return None
        return {"target": body[0].text[1:], "keys": tuple(keys), "operator": body[i].text,
                "value": self.literal.value(body[i + 1:])}


def parse(source: bytes | str) -> PhpFile:
    """Tokens and statements of a PHP file; raises PhpSyntaxError if it cannot be read."""
    raw = source.encode("utf-8") if isinstance(source, str) else source
    text = raw.decode("latin-1")
    tokens = _Lexer(text).tokens()
    statements = _Parser(text, tokens).run()
    return PhpFile(raw, tuple(tokens), tuple(statements))


def find_calls(php: PhpFile, *names: str) -> list[Call]:
    """Calls of the named functions anywhere in the file (case-insensitive, `\\` allowed).

    Method calls, static calls and declarations of the same name do not count.
    """
    wanted = {name.lower() for name in names}
    tokens = _significant(php.tokens)
    reader = _Literal(php.source.decode("latin-1"))
    calls: list[Call] = []
    for i, token in enumerate(tokens):
        if token.kind is not TokenKind.NAME or token.text.lower().lstrip("\\") not in wanted:
            continue
        before = tokens[i - 1].text.lower() if i else ""
        if before in ("->", "?->", "::", "function", "new", "const"):
            continue
        if i + 1 >= len(tokens) or tokens[i + 1].text != "(":
            continue
        close = _closer(tokens, i + 1)
        if close < 0:
            continue
        inner = tokens[i + 2:close]
        args = [reader.value(arg) for arg in _split(inner, ",")] if inner else []
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
    significant = _significant(tokens)
    while (significant and significant[0].text == "("
           and _closer(significant, 0) == len(significant) - 1):
        significant = significant[1:-1]
    pieces: list[str] = []
    for part in _split(significant, "."):
        words = [t.text.lower() for t in part]
        if len(part) == 1 and part[0].kind is TokenKind.STRING:
            parts = _string_parts(part[0])
            if parts is None:
                return None
            for piece in parts:
                if isinstance(piece, _Var):
                    if piece.name not in variables:
                        return None
                    pieces.append(variables[piece.name])
                else:
                    pieces.append(_utf8(piece))
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


# --- serialize() format (the PEAR registry) ----------------------------------------------

def unserialize(data: bytes) -> PhpValue:
    """Read PHP's `serialize()` output holding scalars and arrays (no objects)."""
    value, end = _unserialize(data, 0)
    if end != len(data):
        raise ValueError(f"unexpected data at offset {end}")
    return value


def _unserialize(data: bytes, pos: int) -> tuple[PhpValue, int]:
    kind = data[pos:pos + 1]
    if kind == b"N":
        _expect(data, pos + 1, b";")
        return None, pos + 2
    if kind in (b"b", b"i", b"d"):
        _expect(data, pos + 1, b":")
        end = data.index(b";", pos)
        raw = data[pos + 2:end].decode("ascii")
        if kind == b"b":
            return raw == "1", end + 1
        return (int(raw) if kind == b"i" else float(raw)), end + 1
    if kind == b"s":
        _expect(data, pos + 1, b":")
        colon = data.index(b":", pos + 2)
        length = int(data[pos + 2:colon])
        _expect(data, colon + 1, b'"')
        start = colon + 2
        _expect(data, start + length, b'";')
        return _utf8(data[start:start + length].decode("latin-1")), start + length + 2
    if kind == b"a":
        _expect(data, pos + 1, b":")
        colon = data.index(b":", pos + 2)
        count = int(data[pos + 2:colon])
        _expect(data, colon + 1, b"{")
        pos = colon + 2
        result: PhpArray = {}
        for _index in range(count):
            key, pos = _unserialize(data, pos)
            if not isinstance(key, int | str) or isinstance(key, bool):
                raise ValueError(f"bad array key at offset {pos}")
            result[key], pos = _unserialize(data, pos)
        _expect(data, pos, b"}")
        return result, pos + 1
    raise ValueError(f"unsupported serialized type {kind!r} at offset {pos}")


def _expect(data: bytes, pos: int, marker: bytes) -> None:
    if data[pos:pos + len(marker)] != marker:
        raise ValueError(f"expected {marker!r} at offset {pos}")


# --- Text helpers --------------------------------------------------------------------

def _latin1(source: bytes | str) -> str:
    raw = source.encode("utf-8") if isinstance(source, str) else source
    return raw.decode("latin-1")


def _utf8(latin1: str) -> str:
    """PHP string bytes (held as Latin-1 text) as a Python string."""
    return latin1.encode("latin-1").decode("utf-8", "surrogateescape")


def _display_latin1(latin1: str) -> str:
    return _display(latin1.encode("latin-1"))


def _display(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")
