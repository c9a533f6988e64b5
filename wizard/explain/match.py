"""`explain(text)`: which diagnoses an error text means, with the facts it gives.

Every pattern of the registry is searched in the text. A match yields one finding per
code of its pattern (the first likely, the others possible). Within a topic only the
most precise findings survive, then each code is kept once. The result is typed data;
`report` gives it the shape of a check's report (the same codes, the same JSON).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wizard.explain.codes import CodeMeaning, Reply, find_replies, recognised_codes
from wizard.explain.confirm import next_command
from wizard.explain.facts import fill, shown_facts
from wizard.explain.pattern import Pattern
from wizard.explain.registry import REGISTRY
from wizard.explain.text import clip
from wizard.model.diagnosis import Diagnosis
from wizard.model.i18n import _
from wizard.model.report import Report, Status, Step
from wizard.model.settings import Client

__all__ = ["Explanation", "Finding", "explain"]

# Words that tell whose error it is when no pattern says so.
_CLIENT_MARKS = (
    (Client.PEAR, re.compile(r"\[SMTP: |PEAR|Net_SMTP|Net/S(?:MTP|ocket)\.php")),
    (Client.SMTPLIB, re.compile(r"Traceback \(most recent call last\)|smtplib|\[Errno ")),
)


@dataclass(frozen=True)
class Finding:
    """One diagnosis the text means, and the evidence for it."""

    diagnosis: Diagnosis
    likely: bool
    """False: another possible cause of the same words."""
    pattern: str
    topic: str
    says: str
    """What the program reported, in plain words."""
    fragment: str
    """The words that matched, made visible."""
    facts: dict[str, str]
    """What was read from the text (host, port, reply, sender, names, ...)."""
    source: str

    def to_dict(self) -> dict[str, object]:
        return {"code": self.diagnosis.code, "likely": self.likely, "pattern": self.pattern,
                "topic": self.topic, "says": self.says, "fragment": self.fragment,
                "facts": self.facts, "source": self.source,
                "diagnosis": self.diagnosis.to_dict()}


@dataclass(frozen=True)
class Explanation:
    findings: tuple[Finding, ...]
    codes: tuple[CodeMeaning, ...]
    """Reply codes and RFC 3463 enhanced status codes found, with their meaning."""
    client: Client | None
    facts: dict[str, str] = field(default_factory=dict)
    """Facts of the whole text: the server, its reply."""
    next_command: str | None = None
    """The `smtp-wizard check …` (or `doctor`) command that confirms it live."""
    truncated: bool = False
    """Only the beginning of a longer text was read."""

    @property
    def recognised(self) -> bool:
        return bool(self.findings)

    @property
    def report(self) -> Report:
        """The findings as a report's steps (id = topic), as `check` shows its own."""
        steps = tuple(_step(finding) for finding in self.findings) or (Step(
            "explain", Status.SKIPPED, _("No known error was found in this text."),
            tuple(f"{code.code}: {code.meaning}" for code in self.codes)),)
        target: dict[str, object] = {"client": str(self.client or ""), **self.facts}
        return Report("explain", target, steps)

    def to_dict(self) -> dict[str, object]:
        return {**self.report.to_dict(), "recognised": self.recognised,
                "findings": [finding.to_dict() for finding in self.findings],
                "codes": [code.to_dict() for code in self.codes],
                "next": self.next_command, "truncated": self.truncated}


def _step(finding: Finding) -> Step:
    read = ", ".join(f"{key} {value}" for key, value in finding.facts.items())
    details = [_("matched: {fragment}").format(fragment=finding.fragment)]
    if read:
        details.append(_("read: {facts}").format(facts=read))
    summary = finding.says if finding.likely else _("Or, for the same words: {says}").format(
        says=finding.says)
    return Step(finding.topic, Status.FAIL if finding.likely else Status.WARN, summary,
                tuple(details), finding.diagnosis)


@dataclass(frozen=True)
class _Hit:
    pattern: Pattern
    match: re.Match[str]


def _client(hits: list[_Hit], text: str) -> Client | None:
    for hit in hits:
        if hit.pattern.client is not None:
            return hit.pattern.client
    return next((client for client, marks in _CLIENT_MARKS if marks.search(text)), None)


def _base_facts(hits: list[_Hit], replies: list[Reply]) -> dict[str, str]:
    """Facts of the whole text, first mention first: a wrapper's host and port, the
    recipient of smtplib's exception around Exim's words, and the first reply."""
    groups: dict[str, str | None] = {}
    for hit in hits:
        for key, value in hit.match.groupdict().items():
            if value and key not in groups:
                groups[key] = value
    facts = shown_facts(groups, {})
    if replies:
        facts.setdefault("reply", clip(str(replies[0])))
    return facts


def _findings(hits: list[_Hit], base: dict[str, str]) -> list[Finding]:
    """A finding per code of each hit; within a topic only the most precise survive;
    each code once, the likely ones first, in the order the text names them."""
    candidates: list[tuple[int, int, Finding]] = []
    for hit in hits:
        read = shown_facts(hit.match.groupdict(), base)
        for number, code in enumerate(hit.pattern.codes):
            candidates.append((hit.pattern.precision, hit.match.start(), Finding(
                fill(code, read, hit.pattern.facts), number == 0, hit.pattern.name,
                hit.pattern.topic, _(hit.pattern.says), clip(hit.match.group()), read,
                hit.pattern.source)))
    best = {topic: max(p for p, _start, f in candidates if f.topic == topic)
            for topic in {finding.topic for _p, _start, finding in candidates}}
    kept = sorted(((start, finding) for precision, start, finding in candidates
                   if precision == best[finding.topic]),
                  key=lambda item: (not item[1].likely, item[0]))
    seen: set[str] = set()
    findings = []
    for _start, finding in kept:
        if finding.diagnosis.code not in seen:
            seen.add(finding.diagnosis.code)
            findings.append(finding)
    return findings


def explain(text: str, *, truncated: bool = False) -> Explanation:
    """What `text` (an error message, a traceback, a log) means; see the module doc."""
    text = text.replace("\r\n", "\n")
    hits = [_Hit(pattern, match) for pattern in REGISTRY
            if (match := pattern.compiled.search(text)) is not None]
    hits.sort(key=lambda hit: hit.match.start())
    replies = find_replies(text)
    base = _base_facts(hits, replies)
    client = _client(hits, text)
    findings = _findings(hits, base)
    return Explanation(
        tuple(findings), recognised_codes(text, replies), client, base,
        next_command([finding.diagnosis.code for finding in findings],
                     {**base, **{k: v for f in findings if f.likely for k, v in
                                 f.facts.items()}}, client),
        truncated)
