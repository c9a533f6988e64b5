"""An explanation beside the doctor's findings: does the live state confirm the error?

An error text may be older than the settings, or come from a run with other settings
(MediaWiki's job queue runs from cron, as another user, without the web server's
environment). So each likely cause is looked up among the doctor's problems, the
certificate's faults as one family, and a server named in the text that is not the
one LocalSettings.php names is pointed out. The confirming command takes what the text
does not say (host, port, login, sender) from the wiki's settings.
"""

from __future__ import annotations

import dataclasses

from wizard.explain.confirm import is_live, next_command
from wizard.explain.match import Explanation
from wizard.model.i18n import _
from wizard.model.report import Report, Status

__all__ = ["beside", "compare"]

# Codes the text cannot tell apart but the doctor can.
_FAMILIES = (
    frozenset({"tls-certificate-rejected", "tls-expired", "tls-hostname-mismatch",
               "tls-self-signed", "tls-untrusted"}),
    frozenset({"auth-failed", "auth-app-password", "auth-basic-disabled",
               "auth-authorization-code"}),
    frozenset({"sender-rejected", "contact-unset", "user-email-from", "sender-unverified"}),
    frozenset({"tcp-timeout", "ec2-port-25", "plain-on-tls-port"}),
)


def _related(code: str) -> frozenset[str]:
    return next((family for family in _FAMILIES if code in family), frozenset({code}))


def compare(explanation: Explanation, report: Report) -> list[str]:
    """Sentences on how `explanation` stands against the doctor's `report`."""
    lines = []
    problems = [step for step in report.steps
                if step.diagnosis is not None and step.status in (Status.FAIL, Status.WARN)]
    went_live = any(step.id.startswith("smtp.") and step.status is not Status.SKIPPED
                    for step in report.steps)
    for finding in explanation.findings:
        if not finding.likely:
            continue
        code = finding.diagnosis.code
        same = [step for step in problems if step.diagnosis is not None
                and step.diagnosis.code in _related(code)]
        if not same and is_live(code) and not went_live:
            lines.append(_("[{code}] Not checked: the doctor did not talk to the mail "
                           "server.").format(code=code))
        elif same:
            lines.append(_("[{code}] The doctor finds it too: {steps}.").format(
                code=code, steps=", ".join(f"{step.id} [{step.diagnosis.code}]"
                                           for step in same if step.diagnosis)))
        else:
            lines.append(_("[{code}] The doctor does not find it now: the error may be older "
                           "than the current settings, or come from a run with other ones "
                           "(the job queue runs from cron, as another user).").format(code=code))
    host, port = explanation.facts.get("host"), explanation.facts.get("port")
    wiki_host, wiki_port = report.target.get("host"), report.target.get("port")
    if host and wiki_host and (host != str(wiki_host) or (port and port != str(wiki_port))):
        lines.append(_("The error names {host} port {port}, but LocalSettings.php sends "
                       "through {wiki_host} port {wiki_port}.").format(
            host=host, port=port or "…", wiki_host=wiki_host, wiki_port=wiki_port))
    return lines


def beside(explanation: Explanation, report: Report) -> Explanation:
    """`explanation` with its confirming command completed from the doctor's settings."""
    target = report.target
    wiki: dict[str, str] = {key: str(target[name]) for key, name in
                            (("host", "host"), ("port", "port"), ("user", "username"),
                             ("sender", "sender")) if target.get(name)}
    if str(target.get("mediawiki_host", "")).startswith(("ssl://", "tls://")):
        wiki["prefix"] = str(target["mediawiki_host"]).partition("://")[0]
    facts = {**wiki, **{key: value for finding in explanation.findings if finding.likely
                        for key, value in finding.facts.items()}}
    if "host" in explanation.facts:  # the text's server, with its own prefix or none
        facts["prefix"] = explanation.facts.get("prefix", "")
    codes = [finding.diagnosis.code for finding in explanation.findings]
    return dataclasses.replace(explanation, next_command=next_command(
        codes, facts, explanation.client))
