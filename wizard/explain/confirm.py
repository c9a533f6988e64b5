"""The one command that confirms an explanation live.

An error text is evidence from the past; `smtp-wizard check` with the host, port, sender
and recipient read from it shows whether the cause is still there, and names it exactly
where the text could not (which of the certificate's faults, which port speaks what).
Causes that live in the wiki's files or on its machine are confirmed by the doctor.
What the text does not say stays an upper-case placeholder (HOST, USER) to fill in.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping

from wizard.model.settings import Client

__all__ = ["PLACEHOLDERS", "is_live", "next_command"]

# What a check needs besides host and port to meet each problem again.
_CHECK_NEEDS: dict[str, tuple[str, ...]] = {
    "auth-failed": ("user",),
    "auth-app-password": ("user",),
    "auth-basic-disabled": ("user",),
    "auth-authorization-code": ("user",),
    "auth-mechanism": ("user",),
    "auth-not-offered": ("user",),
    "auth-non-ascii": ("user",),
    "auth-required": ("sender", "rcpt"),
    "mail-in-clear": ("sender", "rcpt"),
    "helo-rejected": ("helo", "sender", "rcpt"),
    "sender-rejected": ("user", "sender", "rcpt"),
    "recipient-rejected": ("user", "sender", "rcpt"),
    "client-rejected": ("sender", "rcpt"),
    "data-rejected": ("user", "sender", "rcpt", "send"),
    "ses-unverified": ("user", "sender", "rcpt", "send"),
}
# Found in LocalSettings.php, PHP or the machine, not on the wire.
_DOCTOR = frozenset({"include-path", "pear-missing", "contact-unset", "selinux-httpd",
                     "smtp-disabled", "user-email-from", "ec2-port-25"})
_OPTIONS = (("user", "--user", "USER"), ("sender", "--sender", "SENDER"),
            ("rcpt", "--rcpt", "ADDRESS"), ("helo", "--helo", "localhost"))
PLACEHOLDERS = frozenset({"HOST", "USER", "SENDER", "ADDRESS", "PATH"})
"""The words of a command that stand for what the text did not say."""


def is_live(code: str) -> bool:
    """Whether only a live check (not the wiki's files) can confirm `code`."""
    return code not in _DOCTOR


def next_command(codes: Iterable[str], facts: Mapping[str, str],
                 client: Client | None) -> str | None:
    """`smtp-wizard check …` for the live causes among `codes`, else `smtp-wizard
    doctor` for the wiki's own; None when there are no codes."""
    codes = list(codes)
    live = [code for code in codes if is_live(code)]
    if not live:
        return "smtp-wizard doctor PATH" if codes else None
    needs = {need for code in live for need in _CHECK_NEEDS.get(code, ())}
    host = facts.get("host", "HOST")
    if facts.get("prefix"):
        host = f"{facts['prefix'].lower()}://{host}"
    words = ["smtp-wizard", "check", host]
    if facts.get("port"):
        words += ["--port", facts["port"]]
    if client is Client.SMTPLIB:
        # Python's texts never say whether the port was meant for SMTP_SSL or STARTTLS:
        # the check finds out what it speaks.
        words += ["--client", "smtplib", "--security", "auto"]
    for need, option, placeholder in _OPTIONS:
        if need in needs:
            words += [option, facts.get(need, placeholder)]
    if "send" in needs:
        words.append("--send-test")
    return shlex.join(words)
