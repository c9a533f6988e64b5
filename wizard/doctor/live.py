"""The live area: the settings the file yields in PEAR's semantics, the password to try,
the live check itself (its steps prefixed "smtp."), and the other port probed when Amazon
EC2 throttles port 25."""

from __future__ import annotations

import asyncio
import dataclasses

from wizard.doctor.contacts import Contact
from wizard.doctor.options import DoctorOptions, ProgressCallback
from wizard.mediawiki.localsettings import LocalSettingsError, SmtpState, WikiConfig, to_settings
from wizard.model.diagnosis import Diagnosis
from wizard.model.fields import SettingsError
from wizard.model.i18n import _
from wizard.model.report import Report, Status, Step
from wizard.model.settings import Security, Settings
from wizard.smtp.check import CheckOptions, run_check
from wizard.smtp.ports import PortResult, probe_ports
from wizard.store.keyring import SecretsError, load_password

__all__ = [
    "check_live",
    "live_password",
    "live_settings",
    "live_steps",
    "not_run_step",
    "probe_alternative",
]

_KEYRING_TIMEOUT = 10.0
_EC2_PROBE_TIMEOUT = 5.0
# Amazon EC2 throttles port 25 only: submission is the way out.
_ALTERNATIVE_PORT = 587
_PREFIX = "smtp."


def live_settings(config: WikiConfig, ca_file: str | None, sender: Contact,
                  contact: Contact, starttls_known: bool | None,
                  ) -> tuple[Settings | None, str | None, str]:
    """(settings, password from the file, error) for the live check, in PEAR's semantics.

    The contacts are judged by the doctor itself (a bad one must not hide the server
    settings), and MediaWiki's default sender is used as MediaWiki would use it.
    `starttls_known`: the pear/mail PHP loads honours the 'starttls' key.
    """
    values = {**config.values, "wgPasswordSender": None, "wgEmergencyContact": None}
    try:
        found = to_settings(dataclasses.replace(config, values=values))
    except LocalSettingsError as exc:
        return None, None, exc.message
    if found is None:
        return None, None, (_("it has no 'host'.") if config.smtp_state is SmtpState.ARRAY
                            else "")
    settings, password = found
    changes: dict[str, object] = {"sender": sender.address or "",
                                  "emergency_contact": contact.address or ""}
    if ca_file is not None:
        changes["ca_file"] = ca_file
    smtp = config.smtp
    if smtp is not None and smtp.starttls and smtp.security is None and not starttls_known:
        # An old pear/mail ignores the key: TLS only inside AUTH, as with no key at all.
        changes["security"] = Security.NONE
    return settings.replace(**changes), password, ""


async def live_password(settings: Settings | None, file_password: str | None,
                        options: DoctorOptions,
                        ) -> tuple[str | None, str, Diagnosis | None]:
    """(password, note, problem): the one given, else the file's, else the keyring's; the
    note says what the keyring did, never the secret; `problem`: the keyring is set up
    wrong."""
    password = options.password if options.password is not None else file_password
    if settings is None or not settings.auth or password is not None or not options.use_keyring:
        return password, "", None
    try:
        found = await asyncio.wait_for(asyncio.to_thread(
            load_password, settings, backend=options.keyring_backend), _KEYRING_TIMEOUT)
    except (SecretsError, SettingsError) as exc:
        return None, _("not in the keyring: {reason}").format(reason=exc.message), (
            exc.problem if isinstance(exc, SecretsError) else None)
    except TimeoutError:
        return None, _("the keyring did not answer within {n} s").format(
            n=int(_KEYRING_TIMEOUT)), None
    if found is None:
        return None, "", None
    return found, _("the doctor uses the password stored in the keyring"), None


async def check_live(settings: Settings, password: str | None, options: DoctorOptions,
                     on_progress: ProgressCallback | None) -> Report:
    """The live check, as `options.client` talks; progress under the "smtp." names."""
    def progress(step_id: str, step: Step | None) -> None:
        if on_progress is not None:
            on_progress(_PREFIX + step_id,
                        None if step is None else dataclasses.replace(step, id=_PREFIX + step_id))

    check_options = CheckOptions(client=options.client, rcpt=options.rcpt,
                                 resolver=options.resolver, hosts_path=options.hosts_path)
    # MediaWiki always logs in when 'auth' is on; a server judges the sender of a client
    # that has not, so without the password that answer would be a false one.
    unjudged = settings.auth and password is None and bool(settings.sender)
    report = await run_check(settings.replace(sender="") if unjudged else settings, password,
                             check_options, on_progress=progress)
    if not unjudged:
        return report
    skipped = Step("sender", Status.SKIPPED, _(
        "Not tried: without the password the doctor cannot log in first, as MediaWiki "
        "does, and the server judges the sender of a client that has logged in."))
    progress("sender", skipped)
    return dataclasses.replace(report, steps=(*report.steps, skipped))


def live_steps(report: Report) -> list[Step]:
    """The live check's steps under their "smtp." names."""
    return [dataclasses.replace(step, id=_PREFIX + step.id) for step in report.steps]


def not_run_step(*, uses_smtp: bool, settings: Settings | None) -> Step:
    """smtp.live when there was no live check, saying why."""
    why = (_("Not run: the wiki does not send through $wgSMTP.") if not uses_smtp
           else _("Not run: $wgSMTP could not be read.") if settings is None
           else _("Not run: live checks are off."))
    return Step(_PREFIX + "live", Status.SKIPPED, why)


async def probe_alternative(settings: Settings) -> PortResult:
    """The same host's submission port, for when Amazon EC2 throttles port 25."""
    results = await probe_ports([(settings.ascii_host, _ALTERNATIVE_PORT)],
                                timeout=min(settings.timeout, _EC2_PROBE_TIMEOUT))
    return results[0]
