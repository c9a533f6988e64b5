"""One known error text: how to find it, what it means, and where its wording is from.

The knowledge is data: each `Pattern` is a regular expression over the pasted text, the
diagnosis codes it means (the first the likely one, the rest other causes of the same
words), a topic and a precision. Named groups in the expression are facts (host, port,
sender, ...) that fill the catalogue's sentences.

Patterns compete by topic: within one topic only the most precise findings are kept,
so Net_SMTP 1.12's “did not match expected name” (a precise reason) replaces the bare
“STARTTLS failed” around it, and Gmail's own reply replaces PEAR's generic wrapper.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from wizard.model.settings import Client

__all__ = [
    "AMBIGUOUS",
    "EMAIL",
    "GENERIC",
    "HOST",
    "PEAR_REPLY",
    "PRECISE",
    "PY_REPLY",
    "REASON",
    "Pattern",
    "reply",
]

# Precision, lowest first: a wrapper that hides the reason; a reason that several
# causes share; a reason with a single cause; a provider's or a library's exact words.
AMBIGUOUS, GENERIC, REASON, PRECISE = 0, 1, 2, 3

HOST = r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[?[0-9A-Fa-f:.]{2,45}\]?"
"""A host name or an IP address, and nothing a shell would interpret."""

EMAIL = r"[A-Za-z0-9._%+=-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?"
"""An e-mail address of the characters a command line can carry unquoted."""


def reply(code: str, text: str = "") -> str:
    """A reply with `code` in any of its wrappers (raw `535 …`, PEAR's `(code: 535,
    response: …`, smtplib's `(535, b'…`), then `text`, which may follow its enhanced code."""
    return (rf"(?<![\w.]){code}(?:[ -]|, response: |, b?['\"])"
            rf"(?:[245]\.\d{{1,3}}\.\d{{1,3}}\s+)?{text}")


PEAR_REPLY = (r"\(code: (?P<reply_code>-?\d{1,3}), response: (?P<reply_text>.{0,1000}?)"
              r"\)\]")
"""The end of PEAR's `_error()` text: `(code: 553, response: …)]`."""

PY_REPLY = (r"\((?P<reply_code>[2-5]\d\d), b?(?P<q>['\"])"
            r"(?P<reply_text>(?:\\.|[^\\\n]){0,1000}?)(?P=q)")
"""smtplib's `(code, bytes)` as an exception prints it: `(535, b'5.7.8 …')`."""


@dataclass(frozen=True)
class Pattern:
    name: str
    """Stable id, given in JSON (`pattern`)."""
    codes: tuple[str, ...]
    """The diagnoses, likely first; empty for a wrapper that only supplies facts."""
    regex: str
    """Searched case-insensitively; named groups become facts."""
    topic: str
    """What failed: dns, connect, tls, auth, envelope, wiki, config. Findings of one
    topic compete; the topic is also the step id in `explain`'s report."""
    precision: int
    source: str
    """The program (and version) that prints these words, or the provider's reply as
    documented: where the exact wording comes from."""
    says: str
    """What the program reported, in plain words (translatable)."""
    client: Client | None = None
    """The client these words come from, when they say so."""
    facts: dict[str, str] = field(default_factory=dict)
    """Fixed facts for the sentences, such as the stage."""

    @functools.cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.regex, re.IGNORECASE | re.DOTALL)
