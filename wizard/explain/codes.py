"""SMTP reply codes and enhanced status codes found in a text, and what they mean.

A reply reaches an error text in one of a few wrappers: PEAR's `(code: 535, response:
5.7.8 …)`, smtplib's `(535, b'5.7.8 …')`, or as the server sent it (`535 5.7.8 …`, or
`535-…` for all but the last line). Reply codes mean what RFC 5321 (and RFC 4954 for
AUTH, RFC 3207 for STARTTLS) say; an enhanced status code `class.subject.detail` is read
per RFC 3463 (class: success or failure; subject: what kind of problem; detail).
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass

from wizard.model.i18n import N_, _

__all__ = ["CodeMeaning", "Reply", "find_replies", "parse_reply", "recognised_codes"]


@dataclass(frozen=True)
class Reply:
    """One server reply quoted in the text."""

    code: int
    enhanced: str
    """The RFC 3463 code at the start of the text, or ""."""
    text: str
    """The rest of the reply, its lines joined."""

    def __str__(self) -> str:
        return " ".join(part for part in (str(self.code), self.enhanced, self.text) if part)


@dataclass(frozen=True)
class CodeMeaning:
    code: str
    """"535" or "5.7.8"."""
    meaning: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "meaning": self.meaning}


_ENHANCED = r"[245]\.\d{1,3}\.\d{1,3}"
_MAX_REPLIES = 200
"""Replies read per form: a long log repeats the same few, and each costs time."""
# Wrappers first: their spans are taken, so the raw forms do not find the same reply again.
_WRAPPED = (
    # PEAR Mail_smtp::_error(): "[SMTP: <error> (code: <code>, response: <lines>)]"
    re.compile(r"\(code: (?P<code>[2-5]\d\d), response: (?P<text>.{0,2000}?)\)\]", re.S),
    # smtplib's exceptions print (code, bytes): "(535, b'5.7.8 …')", Python 2 without b.
    re.compile(r"\((?P<code>[2-5]\d\d), b?(?P<q>['\"])(?P<text>(?:\\.|[^\\\n]){0,2000}?)"
               r"(?P=q)"),
)
_RAW = (
    # A reply with an enhanced code anywhere: "… 553 5.7.1 <x>: Sender address rejected".
    re.compile(rf"(?<![\w.:/@-])(?P<code>[245][0-5]\d)[ -](?P<text>{_ENHANCED}"
               r"(?![\w-]|\.\d)[^\n]{0,500})"),
    # A reply alone at the start of a line, or after "Error: ": "550 User has no …".
    re.compile(r"(?:^|(?<=: ))[ \t]*(?P<code>[245][0-5]\d)[ -](?P<text>[A-Za-z<\[]"
               r"[^\n]{0,500})", re.M),
)
_STANDALONE = re.compile(rf"(?<![\w.:/@-])(?P<enh>{_ENHANCED})(?![\w-]|\.\d)")
_LEADING_ENHANCED = re.compile(rf"^(?P<enh>{_ENHANCED})(?![\w-]|\.\d)\s*")


def parse_reply(code: str, text: str) -> Reply:
    """A reply from its code and its text as quoted: its lines joined, its enhanced code
    taken off the front."""
    # smtplib shows a multi-line reply as one bytes literal with \n escapes.
    text = text.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\\'", "'")
    lines = []
    enhanced = ""
    for line in text.splitlines():
        line = re.sub(rf"^{code}[ -]", "", line.strip())
        found = _LEADING_ENHANCED.match(line)
        if found:
            enhanced = enhanced or found.group("enh")
            line = line[found.end():]
        if line:
            lines.append(line)
    return Reply(int(code), enhanced, " ".join(" ".join(lines).split()))


def find_replies(text: str) -> list[Reply]:
    """The server replies in `text` (the first `_MAX_REPLIES` of each form), in order."""
    found: list[tuple[int, Reply]] = []
    # The spans taken so far, sorted and never overlapping: a bisection finds a clash.
    starts: list[int] = []
    ends: list[int] = []
    for pattern in (*_WRAPPED, *_RAW):
        for match in itertools.islice(pattern.finditer(text), _MAX_REPLIES):
            start, end = match.span()
            at = bisect.bisect_right(starts, start)
            if (at and ends[at - 1] > start) or (at < len(starts) and starts[at] < end):
                continue
            starts.insert(at, start)
            ends.insert(at, end)
            found.append((start, parse_reply(match.group("code"), match.group("text"))))
    return [reply for _start, reply in sorted(found, key=lambda item: item[0])]


# RFC 5321 section 4.2, with RFC 3207 (STARTTLS), RFC 4954 (AUTH) and RFC 7504.
_REPLY_CODES = {
    220: N_("service ready"),
    221: N_("closing the connection"),
    235: N_("authentication succeeded (RFC 4954)"),
    250: N_("requested action completed"),
    251: N_("user not local; will forward"),
    252: N_("cannot verify the user, but will try to deliver"),
    334: N_("authentication challenge (RFC 4954)"),
    354: N_("start mail input"),
    421: N_("service not available, closing the connection"),
    432: N_("a password transition is needed (RFC 4954)"),
    450: N_("mailbox unavailable (busy or temporarily blocked); try again later"),
    451: N_("local error in processing; try again later"),
    452: N_("insufficient system storage; try again later"),
    454: N_("temporary authentication failure, or TLS not available (RFC 4954, RFC 3207)"),
    455: N_("server unable to accommodate the parameters"),
    500: N_("syntax error, command unrecognised"),
    501: N_("syntax error in parameters or arguments"),
    502: N_("command not implemented"),
    503: N_("bad sequence of commands"),
    504: N_("command parameter not implemented"),
    521: N_("this host does not accept mail (RFC 7504)"),
    530: N_("authentication required, or STARTTLS required first (RFC 4954, RFC 3207)"),
    534: N_("authentication mechanism is too weak (RFC 4954)"),
    535: N_("authentication credentials invalid (RFC 4954)"),
    538: N_("encryption required for the requested authentication mechanism (RFC 4954)"),
    550: N_("mailbox unavailable, or the action was refused by policy"),
    551: N_("user not local"),
    552: N_("exceeded storage allocation"),
    553: N_("mailbox name not allowed"),
    554: N_("transaction failed"),
    555: N_("MAIL FROM or RCPT TO parameters not recognised"),
    556: N_("the domain does not accept mail (RFC 7504)"),
}

_CLASSES = {"2": N_("success"), "4": N_("temporary failure (try again later)"),
            "5": N_("permanent failure")}
_SUBJECTS = {
    "0": N_("other or undefined status"), "1": N_("addressing"), "2": N_("mailbox"),
    "3": N_("mail system"), "4": N_("network and routing"),
    "5": N_("mail delivery protocol"), "6": N_("message content or media"),
    "7": N_("security or policy"),
}
# RFC 3463 section 3 (subject.detail), then RFC 4954's and Microsoft 365's own details.
_DETAILS = {
    "0.0": N_("other undefined status"),
    "1.0": N_("other address status"),
    "1.1": N_("bad destination mailbox address"),
    "1.2": N_("bad destination system address"),
    "1.3": N_("bad destination mailbox address syntax"),
    "1.4": N_("destination mailbox address ambiguous"),
    "1.5": N_("destination address valid"),
    "1.6": N_("destination mailbox has moved"),
    "1.7": N_("bad sender's mailbox address syntax"),
    "1.8": N_("bad sender's system address"),
    "2.0": N_("other or undefined mailbox status"),
    "2.1": N_("mailbox disabled, not accepting messages"),
    "2.2": N_("mailbox full"),
    "2.3": N_("message length exceeds an administrative limit"),
    "2.4": N_("mailing list expansion problem"),
    "3.0": N_("other or undefined mail system status"),
    "3.1": N_("mail system full"),
    "3.2": N_("system not accepting network messages"),
    "3.3": N_("system not capable of the selected features"),
    "3.4": N_("message too big for the system"),
    "3.5": N_("system incorrectly configured"),
    "4.0": N_("other or undefined network or routing status"),
    "4.1": N_("no answer from host"),
    "4.2": N_("bad connection"),
    "4.3": N_("directory server failure"),
    "4.4": N_("unable to route"),
    "4.5": N_("mail system congestion"),
    "4.6": N_("routing loop detected"),
    "4.7": N_("delivery time expired"),
    "5.0": N_("other or undefined protocol status"),
    "5.1": N_("invalid command"),
    "5.2": N_("syntax error"),
    "5.3": N_("too many recipients"),
    "5.4": N_("invalid command arguments"),
    "5.5": N_("wrong protocol version"),
    "5.6": N_("authentication exchange line is too long (RFC 4954)"),
    "6.0": N_("other or undefined media error"),
    "6.1": N_("media not supported"),
    "6.2": N_("conversion required and prohibited"),
    "6.3": N_("conversion required but not supported"),
    "6.4": N_("conversion with loss performed"),
    "6.5": N_("conversion failed"),
    "7.0": N_("other or undefined security status (with 530: authentication required)"),
    "7.1": N_("delivery not authorised, message refused"),
    "7.2": N_("mailing list expansion prohibited"),
    "7.3": N_("security conversion required but not possible"),
    "7.4": N_("security features not supported"),
    "7.5": N_("cryptographic failure"),
    "7.6": N_("cryptographic algorithm not supported"),
    "7.7": N_("message integrity failure"),
    "7.8": N_("authentication credentials invalid (RFC 4954)"),
    "7.9": N_("authentication mechanism is too weak (RFC 4954)"),
    "7.11": N_("encryption required for the authentication mechanism (RFC 4954)"),
    "7.12": N_("a password transition is needed (RFC 4954)"),
    "7.30": N_("Microsoft 365: Basic authentication is not supported for client "
               "submission"),
    "7.57": N_("Microsoft 365: the client was not authenticated to send mail"),
    "7.60": N_("Microsoft 365: the login may not send as this sender"),
    "7.139": N_("Microsoft 365: SMTP AUTH is switched off, or the sign-in was blocked "
                "by policy"),
}


def _enhanced_meaning(code: str) -> str:
    klass, subject, detail = code.split(".")
    known = _DETAILS.get(f"{subject}.{detail}")
    return "; ".join((_(_CLASSES[klass]), _(_SUBJECTS.get(subject, N_("unknown subject"))),
                      _(known) if known else _("detail {detail} is not defined by "
                                               "RFC 3463").format(detail=detail)))


def recognised_codes(text: str, replies: list[Reply]) -> tuple[CodeMeaning, ...]:
    """The reply codes and enhanced status codes in `text`, each once, with meanings.

    An enhanced code outside a reply is counted only when RFC 3463 or a known provider
    defines it, so version numbers (“PHP 5.6.40”) are not mistaken for one.
    """
    seen: dict[str, str] = {}
    for reply in replies:
        meaning = _REPLY_CODES.get(reply.code)
        seen.setdefault(str(reply.code), _(meaning) if meaning else
                        _("not a standard reply code"))
        if reply.enhanced:
            seen.setdefault(reply.enhanced, _enhanced_meaning(reply.enhanced))
    for match in _STANDALONE.finditer(text):
        code = match.group("enh")
        _klass, subject, detail = code.split(".")
        if code not in seen and f"{subject}.{detail}" in _DETAILS:
            seen[code] = _enhanced_meaning(code)
    return tuple(CodeMeaning(code, meaning) for code, meaning in seen.items())
