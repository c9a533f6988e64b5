"""Just enough PHP to read and patch LocalSettings.php, in pure Python.

`lexer` tokenizes the whole language surface a settings file uses and `brackets` walks
token runs by their brackets; `strings` decodes a quoted string's body; `values` reads
literal values (anything else stays `Unparsed`, keeping its source text: reported, never
guessed); `statements` splits a file into statements that know how deeply they are
nested (`codes` is the one-character-per-token form its regexes read); `expressions`
finds calls and evaluates simple string expressions; `serialize` reads PHP's
`serialize()` format. `text` says how bytes are held: offsets are byte offsets into the
file as given, so a patch can replace exactly one statement.
"""

from __future__ import annotations

from wizard.mediawiki.php.brackets import CLOSERS, OPENERS, brackets_balanced
from wizard.mediawiki.php.expressions import Call, find_calls, string_expression
from wizard.mediawiki.php.lexer import PhpSyntaxError, Token, TokenKind, tokenize
from wizard.mediawiki.php.serialize import unserialize
from wizard.mediawiki.php.statements import (
    APPEND,
    ASSIGN_OPERATORS,
    PhpFile,
    Statement,
    parse,
)
from wizard.mediawiki.php.values import (
    PhpArray,
    PhpValue,
    Unparsed,
    Value,
    literal,
    next_index,
)

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
