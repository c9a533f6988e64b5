"""The file's bytes and its PHP, read with errors that tell the user what to do."""

from __future__ import annotations

import functools
from pathlib import Path

from wizard.mediawiki.localsettings.errors import (
    FileChangedError,
    LocalSettingsError,
    NotFoundError,
    ParseError,
)
from wizard.mediawiki.php import PhpFile, PhpSyntaxError, TokenKind, parse
from wizard.model.i18n import _

__all__ = [
    "changed_error",
    "forget_parsed",
    "newline_of",
    "os_reason",
    "parse_source",
    "read_source",
    "same_content",
]


def read_source(path: Path) -> bytes:
    """The file's bytes; a missing or unreadable file is a LocalSettingsError."""
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise NotFoundError(_("There is no LocalSettings.php at {path}.").format(path=path),
                            path) from None
    except OSError as exc:
        raise LocalSettingsError(_("Could not read {path}: {error}. Run the wizard as a "
                                   "user who may read it (its owner or root).").format(
                                       path=path, error=os_reason(exc)), path) from None


def parse_source(raw: bytes, path: Path) -> PhpFile:
    """The file's PHP; ParseError where PHP would refuse it too."""
    try:
        parsed = _parse(raw)
    except PhpSyntaxError as exc:
        raise ParseError(_("{path}, line {line}: {message}. PHP cannot run this file "
                           "either.").format(path=path, line=exc.line, message=exc.reason),
                         path, exc.line) from None
    if not any(t.kind is TokenKind.OPEN_TAG for t in parsed.tokens):
        raise ParseError(_("{path} holds no PHP code (no “<?php”).").format(path=path),
                         path, 1)
    return parsed


# Reading and then patching a file parses the same bytes twice; for a farm's megabyte of
# settings that is most of the run. A PhpFile is never changed after it is made (the
# interpreter copies the values it keeps), so the second caller gets the first's.
@functools.lru_cache(maxsize=1)
def _parse(raw: bytes) -> PhpFile:
    return parse(raw)


def forget_parsed() -> None:
    """Drop the kept parse: once a patch is planned nothing reads it again, and a
    farm's file is hundreds of thousands of objects that the interpreter would walk
    again when it exits."""
    _parse.cache_clear()


def newline_of(raw: bytes) -> str:
    """The line ending most lines use, so a patch matches them."""
    crlf = raw.count(b"\r\n")
    return "\r\n" if crlf > raw.count(b"\n") - crlf else "\n"


def same_content(data: bytes, expected: bytes | str) -> bool:
    """Whether the file still holds what was read earlier."""
    if isinstance(expected, bytes):
        return data == expected
    # Text read with Path.read_text() has its line endings translated: accept that form.
    text = data.decode("utf-8", "surrogateescape")
    return expected in (text, text.replace("\r\n", "\n").replace("\r", "\n"))


def changed_error(path: Path) -> FileChangedError:
    return FileChangedError(_("{path} changed since it was read (another editor, or a "
                              "second run?). Nothing was written: read it again and retry."
                              ).format(path=path), path)


def os_reason(exc: OSError) -> str:
    """The system's words for an OSError, without the errno and path."""
    return exc.strerror or str(exc)
