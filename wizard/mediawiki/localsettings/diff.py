"""A unified diff of a planned change to LocalSettings.php, with every secret masked.

The diff is shown before anything is written, on a terminal that may be recorded or
shared, so string literals assigned to anything named like a secret (`$wgDBpassword`,
`$wgSecretKey`, `'password' =>`) are masked, and so is every given secret wherever
it appears. A name that ends like an address (`$wgPasswordSender`) is not a secret:
the admin checks the sender in the diff.
"""

from __future__ import annotations

import difflib
import itertools
import operator
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from wizard.mediawiki.php import PhpSyntaxError, Token, TokenKind, literal, tokenize
from wizard.mediawiki.php.lexer import token_kind
from wizard.render.literals import php_string

__all__ = ["MASK", "Span", "fragment_spans", "masked_diff", "masked_text", "secret_spans"]

MASK = "'********'"
_SECRET_NAME = re.compile(r"pass|secret|key|token|credential", re.IGNORECASE)
# `$wgPasswordSender` holds the address mail comes from, `$wgPasswordSenderName` the
# name shown with it: "Password" there names the mails it sends, not a secret.
_ADDRESS_NAME = re.compile(r"(?:sender|contact|address)(?:name)?\Z", re.IGNORECASE)
_KEPT = {kind: kind not in (TokenKind.WHITESPACE, TokenKind.COMMENT) for kind in TokenKind}
_LITERAL = {kind: kind in (TokenKind.STRING, TokenKind.HEREDOC) for kind in TokenKind}
_ASSIGNING = frozenset({"=>", "=", ".=", "??="})
_token_text = operator.itemgetter(1)


Span = tuple[int, int]


def secret_spans(tokens: Sequence[Token], offset: int = 0) -> list[Span]:
    """Byte spans of the literals that hold secrets, from a file's tokens (`offset` is
    subtracted: for tokens of a fragment read with a prefix)."""
    code = list(itertools.compress(tokens, map(_KEPT.__getitem__, map(token_kind, tokens))))
    # Only a literal right after `=`, `=>`, ... can be assigned to a name: found with
    # C-level calls, for a farm's file has tens of thousands of literals.
    assigned = map(operator.and_, map(_LITERAL.__getitem__, map(token_kind, code[1:])),
                   map(_ASSIGNING.__contains__, map(_token_text, code)))
    return [(code[index].start - offset, code[index].end - offset)
            for index in itertools.compress(range(1, len(code)), assigned)
            if _named_secret(code, index)]


def fragment_spans(fragment: bytes) -> list[Span]:
    """`secret_spans` of a piece of PHP code (a block about to be inserted)."""
    prefix = b"<?php "
    try:
        return secret_spans(tokenize(prefix + fragment), len(prefix))
    except PhpSyntaxError:
        return []


def masked_text(source: bytes, spans: Sequence[Span] | None = None,
                secrets: Sequence[str] = ()) -> str:
    """`source` as text with the secret literals (`spans`; found here when None) replaced
    by MASK, and every given secret as well."""
    if spans is None:
        try:
            spans = secret_spans(tokenize(source))
        except PhpSyntaxError:
            spans = []
    raw = bytearray()
    position = 0
    for start, end in sorted(spans):
        raw += source[position:start] + MASK.encode()
        position = end
    raw += source[position:]
    text = bytes(raw).decode("utf-8", "replace")
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        for form in (php_string(secret), secret):
            text = text.replace(form, MASK)
    return text


def masked_diff(path: Path, old: tuple[bytes, Sequence[Span] | None],
                new: tuple[bytes, Sequence[Span] | None], secrets: Sequence[str] = ()) -> str:
    """The unified diff from `old` to `new` (each: bytes and its secret spans, None to
    find them), secrets masked and control characters made visible."""
    lines = difflib.unified_diff(
        masked_text(old[0], old[1], secrets).splitlines(keepends=True),
        masked_text(new[0], new[1], secrets).splitlines(keepends=True),
        fromfile=f"{path} (now)", tofile=f"{path} (new)")
    out = ["".join(_shown(ch) for ch in line.rstrip("\r\n")) for line in lines]
    return "\n".join(out) + ("\n" if out else "")


def _shown(ch: str) -> str:
    """A character as it may reach a terminal: tabs stay; control and format characters
    (ESC, a right-to-left override) are shown as escapes, never obeyed."""
    if ch == "\t" or unicodedata.category(ch) not in ("Cc", "Cf"):
        return ch
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def _named_secret(tokens: Sequence[Token], index: int) -> bool:
    """Whether the literal at `index` is what `$secretName = ` or `'secretKey' =>`
    assigns (the name may sit behind keys: `$wgSMTP['password'] = `)."""
    previous = tokens[index - 1] if index > 0 else None
    if previous is None or previous.kind is not TokenKind.OPERATOR:
        return False
    if previous.text == "=>":
        key = literal(tokens[index - 2].text) if index > 1 else None
        return isinstance(key, str) and _secret_name(key)
    if previous.text not in ("=", ".=", "??="):
        return False
    names: list[str] = []
    for back in range(index - 2, -1, -1):
        token = tokens[back]
        if token.kind is TokenKind.VARIABLE:
            names.append(token.text)
            break
        if token.kind is TokenKind.STRING:
            value = literal(token.text)
            names.append(value if isinstance(value, str) else "")
        elif token.text not in ("[", "]"):
            break
    return any(map(_secret_name, names))


def _secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name)) and not _ADDRESS_NAME.search(name)
