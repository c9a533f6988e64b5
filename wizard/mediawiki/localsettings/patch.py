"""Patch `$wgSMTP` into LocalSettings.php as one managed block, or replace a password.

Patching changes exactly one region (the managed block, else the one `$wgSMTP = ...;`
statement, else an insertion where code still runs), plus, when merging, the lines that
already set a mail global; it keeps every other byte, makes a backup first, checks the
result with `php -l` when PHP is installed, and writes atomically. `plan_patch` computes
the new text without writing, so the caller can show the change first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from wizard.mediawiki.localsettings.diff import Span, fragment_spans, masked_diff, secret_spans
from wizard.mediawiki.localsettings.errors import (
    DamagedBlockError,
    FileChangedError,
    LocalSettingsError,
    NotWritableError,
    SymlinkError,
)
from wizard.mediawiki.localsettings.layout import BEGIN_MARKER, END_MARKER, Layout, is_marker
from wizard.mediawiki.localsettings.lint import lint_before_write
from wizard.mediawiki.localsettings.merge import Edit, merge_block
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
    forget_parsed,
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

__all__ = ["PatchPlan", "commit_patch", "managed_block", "patch_localsettings", "plan_patch",
           "replace_password"]


def managed_block(body: str) -> str:
    """`body` between the marker lines (unchanged if it already starts with them)."""
    text = body.replace("\r\n", "\n").strip("\n")
    if text.startswith(BEGIN_MARKER):
        return text
    return f"{BEGIN_MARKER}\n{text}\n{END_MARKER}"


@dataclass(frozen=True)
class PatchPlan:
    """What a patch would change, before anything is written: show `diff()`, then
    `commit_patch` it."""

    path: Path
    old: bytes = field(repr=False)
    new: bytes = field(repr=False)
    action: PatchAction
    line: int
    """Where the block starts in the new file."""
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    """What was merged: keys kept from the old $wgSMTP, globals changed where they are."""
    secret_spans: tuple[tuple[Span, ...], tuple[Span, ...]] = field(default=((), ()),
                                                                   repr=False)
    """Where the secret literals are in `old` and in `new` (for `diff`)."""

    @property
    def changed(self) -> bool:
        return self.new != self.old

    def diff(self, secrets: Sequence[str] = ()) -> str:
        """The change as a unified diff, every secret masked."""
        return masked_diff(self.path, (self.old, self.secret_spans[0]),
                           (self.new, self.secret_spans[1]), secrets)


def plan_patch(path: Path, block: str, *, expected: bytes | str | None = None,
               merge: bool = False) -> PatchPlan:
    """What putting `block` (PHP statements; see `managed_block`) into LocalSettings.php
    would give, without writing anything.

    The managed block is replaced if present; else the `$wgSMTP = ...;` statement that
    decides the value; else the block is added where code still runs (before a
    top-level `return;`/`__halt_compiler();`, before a final `?>`, else at the end).
    Every other byte is kept; the file's line endings are used. `expected` is the content
    read earlier: if the file differs now, FileChangedError. With `merge`, keys of the
    replaced `$wgSMTP` that the block lacks are kept, and mail globals the file already
    sets are changed where they are (see `merge`).
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

    start, end, action, first = _region(layout)
    edits: tuple[Edit, ...] = ()
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    if merge:
        merged = merge_block(layout, old, text, (start, end), path)
        text, edits, notes, warnings = merged.block, merged.edits, merged.notes, \
            merged.warnings
        _check_block(text, path)
    insert = text.replace("\n", newline).encode("utf-8", "surrogateescape")
    lead_in = b""
    if action is PatchAction.APPENDED:
        before = old[:start]
        nl = newline.encode()
        lead = b"" if not before or before.endswith(nl * 2) else (
            nl if before.endswith(nl) else nl * 2)
        # Before a `return;` at the start of its line, a blank line separates the two.
        tail = nl * 2 if layout.stop is not None and before.endswith(nl) else nl
        lead_in = first.encode() + lead
        insert = lead_in + insert + tail
    changes = [Edit(start, end, insert), *edits]
    new, moved = _apply(old, changes)
    block_at = moved(start) + len(lead_in)
    line = new[:block_at].count(b"\n") + 1
    later = tuple(_(
        "Line {line} changes $wgSMTP after the wizard's block and so overrides it; "
        "remove that line or merge it into the block.").format(
            line=new[:moved(s.start)].count(b"\n") + 1)
        for s in layout.smtp_statements if s.start >= end)
    return PatchPlan(path, old, new, action, line, warnings + later, notes,
                     _spans(layout, changes, moved))


def _spans(layout: Layout, changes: list[Edit], moved: Callable[[int], int],
           ) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """Secret literals in the old file (from the tokens already read) and where they are
    in the new one: moved along where untouched, found afresh in the inserted text; the
    new file is never tokenized as a whole (a farm's settings run to megabytes)."""
    before = secret_spans(layout.parsed.tokens)
    kept = [(moved(a), moved(b)) for a, b in before
            if not any(e.start < b and a < e.end for e in changes)]
    added = [(moved(e.start) + a, moved(e.start) + b) for e in changes
             for a, b in fragment_spans(e.text)]
    return tuple(before), tuple(sorted(kept + added))


def commit_patch(plan: PatchPlan, *, now: datetime | None = None) -> PatchResult:
    """Write a plan: lint, back up, replace atomically (if the file is still as planned)."""
    if not plan.changed:
        return PatchResult(plan.path, None, plan.action, False, plan.line,
                           LintOutcome.SKIPPED,
                           _("Nothing to check: the file already holds this block."),
                           plan.warnings, plan.notes)
    backup, lint, lint_message = _commit(plan.path, plan.old, plan.new, now)
    return PatchResult(plan.path, backup, plan.action, True, plan.line, lint, lint_message,
                       plan.warnings, plan.notes)


def patch_localsettings(path: Path, block: str, *, expected: bytes | str | None = None,
                        now: datetime | None = None, merge: bool = False) -> PatchResult:
    """Put `block` into LocalSettings.php: `plan_patch`, then `commit_patch`."""
    return commit_patch(plan_patch(path, block, expected=expected, merge=merge), now=now)


def _apply(old: bytes, edits: list[Edit]) -> tuple[bytes, Callable[[int], int]]:
    """`old` with the (non-overlapping) edits made, and where an old offset outside
    them lands in the new bytes (an insertion at an offset stays after it)."""
    ordered = sorted(edits, key=lambda e: e.start)
    pieces: list[bytes] = []
    position = 0
    for edit in ordered:
        pieces += [old[position:edit.start], edit.text]
        position = edit.end
    pieces.append(old[position:])

    def moved(offset: int) -> int:
        return offset + sum(len(e.text) - (e.end - e.start) for e in ordered
                            if e.end <= offset and e.start < offset)

    return b"".join(pieces), moved


def _commit(path: Path, old: bytes, new: bytes, now: datetime | None,
            ) -> tuple[Path, LintOutcome, str]:
    """Lint `new`, back up `old`, then replace the file atomically if it is still `old`."""
    forget_parsed()
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
        changed = changed_error(path)
        raise FileChangedError(changed.message + " " + _(
            "The file as it was read is in {backup}.").format(backup=backup), path)
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
    path, old, start, end = _password_literal(config)
    new = old[:start] + php_string(password).encode("utf-8") + old[end:]
    backup, lint, _message = _commit(path, old, new, now)
    return PasswordChange(path, backup, lint)


def password_line(config: WikiConfig) -> tuple[Path, int, str]:
    """Where `replace_password` would change the password: the file, the literal's line
    number and that line with the literal masked, to show before asking."""
    path, old, start, end = _password_literal(config)
    first = old.rfind(b"\n", 0, start) + 1
    last = old.find(b"\n", end)
    shown = old[first:start] + b"'********'" + old[end:last if last >= 0 else len(old)]
    return path, old.count(b"\n", 0, start) + 1, shown.decode("utf-8", "replace").strip()


def _password_literal(config: WikiConfig) -> tuple[Path, bytes, int, int]:
    """(file, its bytes, start, end) of the password's string literal."""
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
    return path, old, *spans[0]


def _region(layout: Layout) -> tuple[int, int, PatchAction, str]:
    """(start, end, action, what must come first) of the region the block replaces."""
    if layout.block is not None:
        return layout.block.start, layout.block.end, PatchAction.REPLACED_BLOCK, ""
    # Replace the statement only if it decides the value: the last one touching
    # $wgSMTP, a plain top-level assignment. Otherwise an appended block wins.
    last = layout.smtp_statements[-1] if layout.smtp_statements else None
    if last is not None and last.depth == 0 and not last.keys and last.operator == "=":
        return last.start, last.end, PatchAction.REPLACED_STATEMENT, ""
    point, first = layout.append_point()
    return point, point, PatchAction.APPENDED, first


def _check_block(text: str, path: Path) -> None:
    """Refuse a block that would swallow or break the rest of the file."""
    problem = None
    try:
        tokens = tokenize(("<?php\n" + text + "\n").encode("utf-8", "surrogateescape"))
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
