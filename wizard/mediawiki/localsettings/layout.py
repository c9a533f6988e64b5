"""Where the managed block and the `$wgSMTP` statements are in a parsed file."""

from __future__ import annotations

import re

from wizard.mediawiki.localsettings.model import ManagedBlock
from wizard.mediawiki.php import PhpFile, TokenKind
from wizard.model.i18n import _

__all__ = ["BEGIN_MARKER", "END_MARKER", "Layout", "is_marker"]

BEGIN_MARKER = "# BEGIN smtp-wizard"
END_MARKER = "# END smtp-wizard"
"""The managed block runs from the start of the BEGIN comment to the end of this text;
anything after it on the END line (a note the admin added) is kept."""
_MARKER_END = re.compile(r"(?![\w-])")


class Layout:
    """Where the managed block and the `$wgSMTP` statements are in a parsed file."""

    def __init__(self, parsed: PhpFile) -> None:
        self.parsed = parsed
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
        self.smtp_statements = [s for s in parsed.statements if s.target == "wgSMTP"]

    def append_point(self) -> int:
        """Before a final `?>` (code after it would be HTML), else the end of the file."""
        tokens = self.parsed.tokens
        for token in reversed(tokens):
            if token.kind is TokenKind.CLOSE_TAG:
                return token.start
            if token.kind is not TokenKind.INLINE_HTML:
                break
        return len(self.parsed.source)


def is_marker(comment: str, marker: str) -> bool:
    """Whether a comment starts with the marker as a whole word (not `# END smtp-wizard2`)."""
    return comment.startswith(marker) and bool(_MARKER_END.match(comment, len(marker)))
