"""MediaWiki's own verdict: the conversation through the wiki's PHP (`smtp.via_php`), set
beside the doctor's own live check.

The Python check is fast and says precisely why; the PHP run is what MediaWiki really
does, with the PEAR it really loads, as the account it really runs as. So the PHP run
decides: when it gets through, a failure of the Python check is only a warning, and when
it fails, the doctor fails with PEAR's own words beside the diagnosis. Each disagreement
is said where it shows.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from wizard.mediawiki.localsettings import WikiConfig
from wizard.mediawiki.pear import loaded_package
from wizard.mediawiki.via_php import PhpConversation
from wizard.model.diagnosis import Diagnosis, diagnose
from wizard.model.i18n import _
from wizard.model.report import Report, Status, Step
from wizard.smtp.envelope import refuses_sender

__all__ = [
    "SILENT_CODES",
    "pear_summary",
    "reconcile",
    "sender_refused",
    "silent_server",
    "via_php_step",
]

_STEP_ID = "smtp.via_php"
SILENT_CODES = frozenset({"plain-on-tls-port", "no-banner", "tcp-timeout", "server-timeout"})
"""The live check's findings where PEAR would wait for a reply that never comes: its
`timeout` bounds only the connect, so the PHP run is not waited for then."""
_REQUIRED = re.compile(r"Failed opening required '([^']*)'")


def sender_refused(via: PhpConversation | None) -> bool | None:
    """Whether MediaWiki's PHP was refused the sender (True), got through (False), or
    did not get as far as the envelope (None)."""
    if via is None or not via.answered:
        return None
    if via.ok:
        return False
    stage = via.failed_stage
    reply = f"{via.reply[0]} {via.reply[1]}" if via.reply else via.error
    if stage == "sender" or (stage == "recipient" and refuses_sender(reply)):
        return True
    return False if stage == "recipient" else None


def silent_server(live: Report) -> bool:
    """Whether the live check met a server that stays silent (PEAR would hang there)."""
    return any(step.diagnosis is not None and step.diagnosis.code in SILENT_CODES
               for step in live.steps)


def pear_summary(via: PhpConversation) -> list[str]:
    """'pear/mail 1.5.1: /usr/share/mediawiki/vendor/pear/mail/Mail.php' and the like, for
    the classes MediaWiki's PHP loaded."""
    lines = []
    for cls, package in (("Mail", "pear/mail"), ("Net_SMTP", "pear/net_smtp"),
                         ("Net_Socket", "pear/net_socket"), ("PEAR", "pear/pear-core-minimal")):
        file = via.files.get(cls)
        if file:
            version, _folder = loaded_package(Path(file), package)
            lines.append(f"{package} {version or '?'}: {file}")
    return lines


def _who(via: PhpConversation) -> str:
    return _("as {account}").format(account=via.ran_as) if via.ran_as else ""


def via_php_step(via: PhpConversation | None, live: Report | None, config: WikiConfig,
                 *, stopped: bool = False, why_not: str = "", note: str = "",
                 compare: bool = True) -> Step:
    """smtp.via_php: what MediaWiki's own PHP did. `stopped`: the run was not waited for
    because the live check met a silent server; `why_not`: why it did not run at all;
    `note`: why it ran as another account than the web server's; `compare`: say in the
    details where the doctor's own check disagrees (off when the caller says it)."""
    if via is None:
        if stopped:
            return Step(_STEP_ID, Status.FAIL, _(
                "MediaWiki's PHP was not waited for: the server stays silent, and PEAR's "
                "'timeout' bounds only the connect, so every page that sends mail hangs."))
        return Step(_STEP_ID, Status.SKIPPED, why_not or _("Not run."))
    details = [*([note] if note else []), *pear_summary(via)]
    if via.php_version:
        details.append(_("PHP {version}, settings loaded by MediaWiki's own maintenance "
                         "bootstrap (--conf {path}).").format(version=via.php_version,
                                                              path=config.path))
    if via.password == "stand-in":
        details.append(_("The wiki's password is empty for a command-line PHP (the web "
                         "server passes it in its environment); the password given to the "
                         "doctor stood in for it."))
    if not via.answered:
        status = Status.FAIL if via.timed_out else Status.WARN
        summary = (_("MediaWiki's PHP did not finish: PEAR waits without limit once "
                     "connected, so the wiki would hang here.") if via.timed_out
                   else _("MediaWiki's PHP could not be asked."))
        return Step(_STEP_ID, status, summary, (via.problem, *details), elapsed=via.elapsed)
    if via.enable_email is False or via.smtp_array is False:
        return Step(_STEP_ID, Status.SKIPPED, (
            _("MediaWiki's PHP {who} has e-mail switched off ($wgEnableEmail).")
            if via.enable_email is False else
            _("MediaWiki's PHP {who} does not send through $wgSMTP.")).format(who=_who(via)),
            tuple(details), elapsed=via.elapsed)
    live_failed = [step.id for step in live.steps if step.status is Status.FAIL] \
        if live is not None and compare else []
    if via.ok:
        done = [via.tls or _("no TLS"), *(["AUTH"] if config.smtp and config.smtp.auth
                                          else []),
                f"MAIL FROM {via.sender}", f"RCPT TO {via.rcpt}"]
        if live_failed:
            details.insert(0, _("The doctor's own check failed at {steps}, MediaWiki's PHP "
                                "did not: MediaWiki's result counts.").format(
                steps=", ".join(live_failed)))
        return Step(_STEP_ID, Status.OK, _(
            "MediaWiki's own PHP {who} got through: {done}; nothing was sent.").format(
                who=_who(via), done=", ".join(done)), tuple(details), elapsed=via.elapsed)
    if via.stage == "auth-skipped" and not via.error:
        return Step(_STEP_ID, Status.OK, _(
            "MediaWiki's own PHP {who} connected{tls}; AUTH and the sender were not tried: "
            "the wiki's password is empty for a command-line PHP.").format(
                who=_who(via), tls=f" ({via.tls})" if via.tls else ""), (
            _("The web server passes the password in its environment (Apache SetEnv, "
              "php-fpm env[...]); a command-line PHP does not get it. Give the doctor the "
              "password (--password-stdin) to try AUTH and the sender through PHP too."),
            *details), elapsed=via.elapsed)
    stage = via.failed_stage
    diagnosis = _diagnosis(stage, via, live, config)
    if compare and live is not None and not live_failed:
        details.insert(0, _("The doctor's own check passed every step, but MediaWiki's PHP "
                            "failed: MediaWiki's result counts."))
    details.insert(0, _("PEAR: {error}").format(error=via.error.strip()) if stage not in (
        "bootstrap", "pear") else _("PHP: {error}").format(error=via.error.strip()))
    return Step(_STEP_ID, Status.FAIL, _("MediaWiki's own PHP {who} fails at {stage}.").format(
        who=_who(via), stage=_stage_words(stage)), tuple(details), diagnosis,
        elapsed=via.elapsed)


def _stage_words(stage: str) -> str:
    return {
        "bootstrap": _("loading its settings"), "pear": _("loading PEAR"),
        "connect": _("the connection"), "tls": _("TLS"), "auth": _("AUTH"),
        "sender": _("MAIL FROM"), "recipient": _("RCPT TO"),
    }.get(stage, stage)


def _live_diagnosis(live: Report | None, *step_ids: str) -> Diagnosis | None:
    for step_id in step_ids:
        step = live.step(step_id) if live is not None else None
        if step is not None and step.status is Status.FAIL and step.diagnosis is not None:
            return step.diagnosis
    return None


def _diagnosis(stage: str, via: PhpConversation, live: Report | None,
               config: WikiConfig) -> Diagnosis | None:
    """The precise diagnosis: the live check's for the same stage when it has one, else
    one made from PEAR's reply."""
    reply = f"{via.reply[0]} {via.reply[1]}" if via.reply else via.error.strip()
    if stage in ("sender", "recipient") and refuses_sender(reply):
        return _live_diagnosis(live, "sender", "recipient") or diagnose(
            "sender-rejected", sender=via.sender, reply=reply)
    if stage == "recipient":
        return _live_diagnosis(live, "recipient") or diagnose(
            "recipient-rejected", rcpt=via.rcpt, reply=reply)
    if stage == "sender":
        return _live_diagnosis(live, "sender") or diagnose(
            "sender-rejected", sender=via.sender, reply=reply)
    if stage == "auth":
        return _live_diagnosis(live, "auth") or diagnose("auth-failed", reply=reply)
    if stage == "tls":
        return _live_diagnosis(live, "tls", "connect")
    if stage == "connect":
        return _live_diagnosis(live, "connect", "dns")
    if stage == "pear":
        if config.include_path_calls:
            return diagnose("include-path", line=config.include_path_calls[-1].line)
        missing = _REQUIRED.search(via.error)
        return diagnose("pear-missing", packages=missing.group(1) if missing else "Mail",
                        include_path=via.include_path, file=missing.group(1) if missing
                        else "Mail.php")
    return None


def reconcile(live_steps: list[Step], via: PhpConversation | None) -> list[Step]:
    """The live check's steps, with MediaWiki's verdict beside them: a failure MediaWiki's
    own PHP got past is a warning, and says so."""
    if via is None or not via.ok:
        return live_steps
    note = _("MediaWiki's own PHP got past this step (see via_php): this finding does not "
             "stop the wiki's mail.")
    return [dataclasses.replace(step, status=Status.WARN, details=(*step.details, note))
            if step.status is Status.FAIL else step for step in live_steps]
