"""Paste the error, get the cause: what an error text from a wiki's mail code means.

`explain(text)` finds the known error texts of PEAR Mail/Net_SMTP, PHP, smtplib, Django,
MoinMoin, OpenSSL and the mail servers and providers in `text` (a registry of patterns,
one module per source), and returns an `Explanation`: the diagnoses in the catalogue's
words with the facts read from the text, the reply codes and RFC 3463 status codes it
quotes, and the `smtp-wizard check` command that confirms it live. `read_text` bounds
and decodes what was pasted; `compare` and `beside` set an explanation beside a doctor's report.
"""

from __future__ import annotations

from wizard.explain.compare import beside, compare
from wizard.explain.confirm import PLACEHOLDERS
from wizard.explain.match import Explanation, Finding, explain
from wizard.explain.text import MAX_INPUT, decode

__all__ = [
    "MAX_INPUT",
    "PLACEHOLDERS",
    "Explanation",
    "Finding",
    "beside",
    "compare",
    "explain",
    "read_text",
]


def read_text(data: bytes) -> tuple[str, bool]:
    """The text of at most `MAX_INPUT` bytes of `data`, and whether it was cut."""
    return decode(data[:MAX_INPUT]), len(data) > MAX_INPUT
