"""Where the managed block and the `$wgSMTP` statements are in a parsed file, and where
code stops running (a top-level `return;`, `exit;` or `__halt_compiler();`)."""

from __future__ import annotations

import re

from wizard.mediawiki.localsettings.model import ManagedBlock
from wizard.mediawiki.php import PhpFile, Statement, TokenKind
from wizard.model.i18n import _

__all__ = ["BEGIN_MARKER", "END_MARKER", "Layout", "is_marker"]

BEGIN_MARKER = "# BEGIN smtp-wizard"
END_MARKER = "# END smtp-wizard"
"""The managed block runs from the start of the BEGIN comment to the end of this text;
anything after it on the END line (a note the admin added) is kept."""
_MARKER_END = re.compile(r"(?![\w-])")
_STOPS = frozenset({"return", "exit", "die", "__halt_compiler"})
# After these a `?>` needs no `;` before new code: the statement before it has ended.
_ENDED = frozenset({";", "{", "}", ":"})


class Layout:
    """Where the managed block and the `$wgSMTP` statements are in a parsed file."""

    def __init__(self, parsed: PhpFile) -> None:
        self.parsed = parsed
        self.stop: Statement | None = next(
            (s for s in parsed.statements
             if s.depth == 0 and s.target is None and s.keyword in _STOPS), None)
        """The first top-level statement after which PHP runs nothing of this file."""
        comments = parsed.comments()
        begins = [t for t in comments if is_marker(t.text, BEGIN_MARKER)]
        ends = [t for t in comments if is_marker(t.text, END_MARKER)]
        self.block: ManagedBlock | None = None
        self.damage = ""
        self.damage_line = 0
        if len(begins) == len(ends) == 1 and begins[0].start < ends[0].start:
            self.block = ManagedBlock(begins[0].start, ends[0].start + len(END_MARKER),
                                      begins[0].line, ends[0].line)
        elif begins or ends:
            self.damage_line = (begins or ends)[0].line
            self.damage = _(
                "The smtp-wizard markers are damaged: there must be exactly one "
                "“{begin}” line and one “{end}” line after it. Fix them by hand (or "
                "remove both) and run the wizard again.").format(
                    begin=BEGIN_MARKER, end=END_MARKER)
        if self.block is not None and self.stop is not None \
                and self.block.start > self.stop.start:
            self.damage_line = self.block.line
            self.damage = _(
                "The smtp-wizard block comes after “{stop}” on line {line}, so PHP never "
                "runs it. Move the block above line {line} (or remove that statement) and "
                "run the wizard again.").format(stop=self.stop.keyword, line=self.stop.line)
        # What comes after the stop never runs, so it neither decides $wgSMTP nor may be
        # replaced in the belief that it does.
        self.smtp_statements = [s for s in parsed.statements if s.target == "wgSMTP"
                                and (self.stop is None or s.start < self.stop.start)]

    def append_point(self) -> tuple[int, str]:
        """Where code added at the end still runs, and what must go first there.

        Before a top-level `return`/`exit`/`__halt_compiler` (at the start of its line),
        else before a final `?>` (code after it would be HTML), else at the end of the
        file. A `?>` also ends the statement before it (`$a = 1 ?>`): then a `;` must
        come first, or the new code would continue that statement.
        """
        source = self.parsed.source
        if self.stop is not None:
            line_start = source.rfind(b"\n", 0, self.stop.start) + 1
            indent = source[line_start:self.stop.start]
            return (line_start if not indent.strip() else self.stop.start), ""
        tokens = self.parsed.tokens
        for index in range(len(tokens) - 1, -1, -1):
            token = tokens[index]
            if token.kind is TokenKind.CLOSE_TAG:
                before = next((t for t in reversed(tokens[:index])
                               if t.kind not in (TokenKind.WHITESPACE, TokenKind.COMMENT)),
                              None)
                ended = before is None or before.kind is TokenKind.OPEN_TAG or (
                    before.kind is TokenKind.OPERATOR and before.text in _ENDED)
                return token.start, "" if ended else ";"
            if token.kind is not TokenKind.INLINE_HTML:
                break
        return len(source), ""


def is_marker(comment: str, marker: str) -> bool:
    """Whether a comment starts with the marker as a whole word (not `# END smtp-wizard2`)."""
    return comment.startswith(marker) and bool(_MARKER_END.match(comment, len(marker)))
