"""Patch `$wgSMTP` into LocalSettings.php as one managed block, or replace a password.

Patching changes exactly one region (the managed block, else the one `$wgSMTP = ...;`
statement, else an append), keeps every other byte, makes a backup first, checks the
result with `php -l` when PHP is installed, and writes atomically.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from wizard.mediawiki.localsettings.errors import (
    DamagedBlockError,
    LocalSettingsError,
    NotWritableError,
    SymlinkError,
)
from wizard.mediawiki.localsettings.layout import BEGIN_MARKER, END_MARKER, Layout, is_marker
from wizard.mediawiki.localsettings.lint import lint_before_write
from wizard.mediawiki.localsettings.model import (
    LintOutcome,
    PasswordChange,
    PasswordKind,
    PatchAction,
    PatchResult,
    WikiConfig,
)
from wizard.mediawiki.localsettings.source import (
    changed_error,
    newline_of,
    os_reason,
    parse_source,
    read_source,
    same_content,
)
from wizard.mediawiki.php import PhpSyntaxError, TokenKind, brackets_balanced, literal, tokenize
from wizard.model.i18n import _
from wizard.render.literals import php_string
from wizard.store.files import atomic_write, make_backup

__all__ = ["managed_block", "patch_localsettings", "replace_password"]


def managed_block(body: str) -> str:
    """`body` between the marker lines (unchanged if it already starts with them)."""
    text = body.replace("\r\n", "\n").strip("\n")
    if text.startswith(BEGIN_MARKER):
        return text
    return f"{BEGIN_MARKER}\n{text}\n{END_MARKER}"


def patch_localsettings(path: Path, block: str, *, expected: bytes | str | None = None,
                        now: datetime | None = None) -> PatchResult:
    """Put `block` (PHP statements; see `managed_block`) into LocalSettings.php.

    The managed block is replaced if present; else the `$wgSMTP = ...;` statement that
    decides the value; else the block is appended (before a final `?>`). Every other
    byte is kept; the file's line endings are used. `expected` is the content read
    earlier: if the file differs now, nothing is written (FileChangedError).
    """
    path = Path(path)
    if path.is_symlink():
        real = path.resolve()
        raise SymlinkError(_("{path} is a symbolic link to {real}. To change that file, "
                             "run again with {real}.").format(path=path, real=real),
                           path, real)
    old = read_source(path)
    if expected is not None and not same_content(old, expected):
        raise changed_error(path)
    layout = Layout(parse_source(old, path))
    if layout.damage:
        raise DamagedBlockError(_("{path}, line {line}: {message}").format(
            path=path, line=layout.damage_line, message=layout.damage), path)
    newline = newline_of(old)
    text = managed_block(block)
    _check_block(text, path)
    insert = text.replace("\n", newline).encode("utf-8")

    start, end, action = _region(layout)
    if action is PatchAction.APPENDED:
        before = old[:start]
        nl = newline.encode()
        lead = b"" if not before or before.endswith(nl * 2) else (
            nl if before.endswith(nl) else nl * 2)
        insert = lead + insert + nl
    new = old[:start] + insert + old[end:]
    first_line = new[:start + (len(insert) - len(insert.lstrip(b"\r\n")))].count(b"\n") + 1
    shift = insert.count(b"\n") - old[start:end].count(b"\n")
    warnings = tuple(_(
        "Line {line} changes $wgSMTP after the wizard's block and so overrides it; "
        "remove that line or merge it into the block.").format(line=s.line + shift)
        for s in layout.smtp_statements if s.start >= end)
    if new == old:
        return PatchResult(path, None, action, False, first_line, LintOutcome.SKIPPED,
                           _("Nothing to check: the file already holds this block."),
                           warnings)

    backup, lint, lint_message = _commit(path, old, new, now)
    return PatchResult(path, backup, action, True, first_line, lint, lint_message, warnings)


def _commit(path: Path, old: bytes, new: bytes, now: datetime | None,
            ) -> tuple[Path, LintOutcome, str]:
    """Lint `new`, back up `old`, then replace the file atomically if it is still `old`."""
    lint, lint_message = lint_before_write(new, old, path)
    _check_writable(path)
    try:
        backup = make_backup(path, now)
    except OSError as exc:
        raise NotWritableError(_("Could not make a backup of {path}: {error}. Nothing was "
                                 "changed.").format(path=path, error=os_reason(exc)),
                               path) from None
    # Narrow the window for a concurrent editor: compare again just before replacing.
    if read_source(path) != old:
        raise changed_error(path)
    try:
        atomic_write(path, new)
    except OSError as exc:
        raise NotWritableError(_("Could not write {path}: {error}. The file is unchanged "
                                 "(a backup is at {backup}).").format(
                                     path=path, error=os_reason(exc), backup=backup),
                               path) from None
    return backup, lint, lint_message


def replace_password(config: WikiConfig, password: str, *, now: datetime | None = None,
                     ) -> PasswordChange:
    """Replace the password literal, where the wiki keeps it, and nothing else.

    Only the bytes of the one string literal change (in LocalSettings.php, or in the
    secrets file it requires); the file is linted, backed up and written atomically.
    """
    source = config.smtp.password if config.smtp else None
    if source is None or source.kind not in (PasswordKind.INLINE, PasswordKind.FILE) \
            or source.password is None:
        raise LocalSettingsError(_("The password in {path} is not a literal the wizard can "
                                   "replace; change it where it comes from.").format(
                                       path=config.path), config.path)
    path = source.path
    old = read_source(path)
    if path == config.path and not same_content(old, config.raw):
        raise changed_error(path)
    # The statement starts at `source.line`; the literal is in it, after a key or `=`.
    tokens = [token for token in tokenize(old)
              if token.kind not in (TokenKind.WHITESPACE, TokenKind.COMMENT)]
    spans = [(token.start, token.end) for i, token in enumerate(tokens)
             if token.kind is TokenKind.STRING and token.line >= source.line
             and literal(old[token.start:token.end]) == source.password
             and i > 0 and tokens[i - 1].text in ("=", "=>")]
    if len(spans) > 1:
        spans = [(token.start, token.end) for i, token in enumerate(tokens)
                 if (token.start, token.end) in spans and tokens[i - 1].text == "=>"
                 and literal(old[tokens[i - 2].start:tokens[i - 2].end]) == "password"]
    if len(spans) != 1:
        raise LocalSettingsError(_("{path}, line {line}: the password literal could not be "
                                   "told apart from other text there; change it by hand."
                                   ).format(path=path, line=source.line), path)
    start, end = spans[0]
    new = old[:start] + php_string(password).encode("utf-8") + old[end:]
    backup, lint, _message = _commit(path, old, new, now)
    return PasswordChange(path, backup, lint)


def _region(layout: Layout) -> tuple[int, int, PatchAction]:
    if layout.block is not None:
        return layout.block.start, layout.block.end, PatchAction.REPLACED_BLOCK
    # Replace the statement only if it decides the value: the last one touching
    # $wgSMTP, a plain top-level assignment. Otherwise an appended block wins.
    last = layout.smtp_statements[-1] if layout.smtp_statements else None
    if last is not None and last.depth == 0 and not last.keys and last.operator == "=":
        return last.start, last.end, PatchAction.REPLACED_STATEMENT
    point = layout.append_point()
    return point, point, PatchAction.APPENDED


def _check_block(text: str, path: Path) -> None:
    """Refuse a block that would swallow or break the rest of the file."""
    problem = None
    try:
        tokens = tokenize("<?php\n" + text + "\n")
    except PhpSyntaxError as exc:
        problem = exc.reason
    else:
        kinds = {t.kind for t in tokens[1:]}
        if kinds & {TokenKind.OPEN_TAG, TokenKind.CLOSE_TAG,
                    TokenKind.INLINE_HTML}:
            problem = _("it must not contain <?php or ?>")
        comments = [t.text for t in tokens if t.kind is TokenKind.COMMENT]
        if sum(is_marker(c, BEGIN_MARKER) for c in comments) != 1 or sum(
                is_marker(c, END_MARKER) for c in comments) != 1:
            problem = _("it must have one BEGIN and one END marker")
        if not brackets_balanced(tokens):
            problem = _("its brackets do not match")
    if problem is not None:
        raise LocalSettingsError(_("The block to write into {path} is not valid: {problem}. "
                                   "Nothing was changed.").format(path=path, problem=problem),
                                 path)


def _check_writable(path: Path) -> None:
    folder = path.parent
    if not os.access(path, os.W_OK):
        raise NotWritableError(_("{path} is read-only for this user. Make it writable or "
                                 "run the wizard as its owner; nothing was changed."
                                 ).format(path=path), path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise NotWritableError(_("The folder {folder} is not writable for this user, so "
                                 "no backup and no safe replacement can be made there; "
                                 "nothing was changed.").format(folder=folder), path)
