"""The wizard's block merged with what the file already says, so nothing is lost and
nothing is said twice.

- Keys of the `$wgSMTP` being replaced that the block does not set (`IDHost`,
  `localhost`, `socket_options`, `persist`, `debug`, ...) are carried into the block as
  they were written.
- The mail globals the block sets (`$wgEnableEmail`, `$wgPasswordSender`, ...) are changed
  where the file already sets them. A second assignment further down would silently win
  over every later edit of the installer's line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wizard.mediawiki.localsettings.layout import Layout
from wizard.mediawiki.php import (
    CLOSERS,
    OPENERS,
    PhpFile,
    Statement,
    Token,
    TokenKind,
    literal,
    parse,
)
from wizard.model.i18n import _
from wizard.render.literals import php_comment, php_string

__all__ = ["MAIL_GLOBALS", "MANAGED_KEYS", "Edit", "Merged", "merge_block"]

MAIL_GLOBALS = frozenset({"wgEnableEmail", "wgPasswordSender", "wgEmergencyContact",
                          "wgUserEmailUseReplyTo"})
MANAGED_KEYS = frozenset({"host", "port", "auth", "username", "password", "timeout",
                          "starttls"})
"""Keys the wizard decides whether or not it writes them: never carried over."""
_BLOCK_PREFIX = "<?php\n"


@dataclass(frozen=True)
class Edit:
    """Replace old[start:end] with `text`."""

    start: int
    end: int
    text: bytes


@dataclass(frozen=True)
class Merged:
    block: str
    edits: tuple[Edit, ...]
    """Changes outside the block's region (a global changed where it is set)."""
    notes: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _Entry:
    key: str
    value: str
    """The value's source text, exactly as written."""


def merge_block(layout: Layout, old: bytes, block: str, region: tuple[int, int],
                path: Path) -> Merged:
    """`block` (with its markers) merged with the file; `region` is what it replaces."""
    parsed = _parse_block(block)
    lines = block.split("\n")
    notes: list[str] = []
    warnings: list[str] = []
    edits: list[Edit] = []
    drop: set[int] = set()
    for statement in parsed.statements:
        if statement.depth == 0 and statement.target in MAIL_GLOBALS and not statement.keys \
                and statement.operator == "=":
            edit, note, warning = _global_in_place(layout, old, statement, region, block)
            if warning:
                warnings.append(warning)
            if edit is not None or note:
                drop.update(_lines_of(lines, statement))
            if edit is not None and not _same_value(edit.text, old[edit.start:edit.end]):
                edits.append(edit)
                notes.append(note)
    smtp = next((s for s in parsed.statements if s.target == "wgSMTP" and not s.keys), None)
    if smtp is not None:
        ours = {entry.key for entry in _entries(smtp, block.encode("utf-8"),
                                                len(_BLOCK_PREFIX))}
        kept, where, lost = _current_entries(layout, old, region)
        carried = [e for e in kept if e.key not in ours and e.key not in MANAGED_KEYS]
        warnings += lost
        if carried:
            end_line = smtp.end_line - 2  # 0-based, without the "<?php" line
            lines[end_line:end_line] = [
                # No line number here: the text must be the same on the next run.
                *php_comment(_("Kept from the $wgSMTP this block replaced:"), "\t"),
                *(f"\t{php_string(e.key)} => {e.value}," for e in carried)]
            notes.append(_("Kept {keys} from $wgSMTP (line {line}), which the wizard does "
                           "not set.").format(keys=", ".join(e.key for e in carried),
                                              line=where))
    text = "\n".join(line for index, line in enumerate(lines) if index not in drop)
    return Merged(text, tuple(edits), tuple(notes), tuple(warnings))


def _same_value(new: bytes, old: bytes) -> bool:
    """Whether two value expressions are the same literal ('a' and "a" are)."""
    if new == old:
        return True
    before, after = literal(old), literal(new)
    return isinstance(before, str | int | float | bool) and type(before) is type(after) \
        and before == after


def _parse_block(block: str) -> PhpFile:
    return parse(_BLOCK_PREFIX + block + "\n")


def _lines_of(lines: Sequence[str], statement: Statement) -> range:
    """The block's lines holding `statement` and the `//` comment lines right above it."""
    first, last = statement.line - 2, statement.end_line - 2
    while first > 0 and lines[first - 1].lstrip().startswith("//"):
        first -= 1
    return range(first, last + 1)


def _global_in_place(layout: Layout, old: bytes, statement: Statement,
                     region: tuple[int, int], block: str,
                     ) -> tuple[Edit | None, str, str]:
    """Change the file's own assignment of this global instead of adding one; else say
    which line wins. Returns (edit, note, warning)."""
    name = statement.target
    assert name is not None
    elsewhere = [s for s in layout.parsed.statements if s.target == name
                 and not region[0] <= s.start < region[1]
                 and (layout.stop is None or s.start < layout.stop.start)]
    if not elsewhere:
        return None, "", ""
    last = elsewhere[-1]
    if last.depth > 0 or last.keys or last.operator != "=":
        if last.start > region[1]:
            return None, "", _("Line {line} sets ${name} after the wizard's block, so that "
                               "value wins over the block's.").format(line=last.line,
                                                                      name=name)
        return None, "", ""
    value = _value_span(statement)
    new_text = block.encode("utf-8")[value[0] - len(_BLOCK_PREFIX):
                                     value[1] - len(_BLOCK_PREFIX)]
    start, end = _value_span(last)
    note = _("Changed ${name} on line {line}, where the file sets it, instead of adding "
             "a second assignment.").format(name=name, line=last.line)
    return Edit(start, end, new_text), note, ""


def _value_span(statement: Statement) -> tuple[int, int]:
    """Byte offsets of the assigned value: after the operator that follows the target
    and its keys, up to the `;`."""
    tokens = statement.tokens
    last = tokens[-2] if tokens[-1].text == ";" else tokens[-1]
    depth = 0
    for index, token in enumerate(tokens[1:], start=1):
        if token.kind is TokenKind.OPERATOR and token.text in OPENERS:
            depth += 1
        elif token.kind is TokenKind.OPERATOR and token.text in CLOSERS:
            depth -= 1
        elif depth == 0 and token.text == statement.operator:
            return tokens[index + 1].start, last.end
    return tokens[-1].end, tokens[-1].end


def _current_entries(layout: Layout, old: bytes, region: tuple[int, int],
                     ) -> tuple[list[_Entry], int, list[str]]:
    """The keys `$wgSMTP` has where the block goes: the last whole assignment's entries,
    updated by the one-key assignments after it. Returns (entries, line, warnings about
    settings that cannot be carried)."""
    before = [s for s in layout.smtp_statements if s.start < region[1]]
    base = next((i for i in range(len(before) - 1, -1, -1)
                 if before[i].depth == 0 and not before[i].keys
                 and before[i].operator == "="), None)
    if base is None:
        return [], 0, []
    entries = {e.key: e for e in _entries(before[base], old, 0)}
    warnings: list[str] = []
    for statement in before[base + 1:]:
        key = statement.keys[0] if len(statement.keys) == 1 else None
        if statement.depth == 0 and statement.operator == "=" and isinstance(key, str):
            start, end = _value_span(statement)
            entries[key] = _Entry(key, _text(old[start:end]))
        else:
            warnings.append(_("Line {line} changes $wgSMTP before the wizard's block, "
                              "which replaces $wgSMTP whole: copy that setting into the "
                              "block if it is still needed.").format(line=statement.line))
    return list(entries.values()), before[base].line, warnings


def _entries(statement: Statement, source: bytes, offset: int) -> list[_Entry]:
    """The `'key' => value` entries of an array literal assigned by `statement`, with
    each value's exact source text; [] when the value is not an array literal."""
    start, end = _value_span(statement)
    tokens = [t for t in statement.tokens if start <= t.start and t.end <= end]
    if len(tokens) >= 3 and tokens[0].kind is TokenKind.NAME and \
            tokens[0].text.lower() == "array" and tokens[1].text == "(":
        tokens = tokens[1:]
    if len(tokens) < 2 or tokens[0].text not in ("[", "(") or tokens[-1].text not in (
            "]", ")"):
        return []
    entries: list[_Entry] = []
    for part in _split(tokens[1:-1]):
        arrow = next((i for i, t in enumerate(part) if t.text == "=>"), -1)
        if arrow != 1 or len(part) < 3:
            continue
        key = literal(part[0].text)
        if isinstance(key, str):
            start, end = part[2].start - offset, part[-1].end - offset
            entries.append(_Entry(key, _text(source[start:end])))
    return entries


def _split(tokens: Sequence[Token]) -> list[list[Token]]:
    """Top-level comma-separated parts of an array's body."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind is TokenKind.OPERATOR and token.text in OPENERS:
            depth += 1
        elif token.kind is TokenKind.OPERATOR and token.text in CLOSERS:
            depth -= 1
        elif token.text == "," and depth == 0 and token.kind is TokenKind.OPERATOR:
            parts.append([])
            continue
        parts[-1].append(token)
    return [part for part in parts if part]


def _text(raw: bytes) -> str:
    """Source bytes as block text (surrogate escapes keep non-UTF-8 bytes exact);
    the block is written with the file's own line endings."""
    return raw.decode("utf-8", "surrogateescape").replace("\r\n", "\n")

