"""`smtp-wizard doctor`: why does this wiki not send mail?

Every troubleshooting item of MediaWiki's `$wgSMTP` manual becomes a check of the real
machine and the real LocalSettings.php, and then the live check runs with the settings
found there, in PEAR's semantics. The result is a `Report` (command "doctor") whose step
ids are "area.name", areas in the order of `AREAS`:

- wiki: the file, `$wgEnableEmail`, `$wgSMTP`, its timeout and password, the contacts
  and `$wgUserEmailUseReplyTo`, `set_include_path`, whether the web server can read it;
- php: the `php` program, openssl, PEAR Mail/Net_SMTP, Auth_SASL, pear/mail's version;
- system: SELinux and its httpd booleans, Amazon EC2's port 25 throttle;
- smtp: the steps of `run_check`, prefixed "smtp.".
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import shlex
import stat
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import dns.asyncresolver
from keyring.backend import KeyringBackend

from wizard.mediawiki import php as phpsrc
from wizard.mediawiki.localsettings import (
    SYSTEM_PEAR_DIRS,
    USUAL_ROOTS,
    LocalSettingsError,
    NotFoundError,
    PasswordKind,
    SmtpState,
    WikiConfig,
    find_localsettings,
    read_localsettings,
    system_pear_mail_version,
    to_settings,
)
from wizard.mediawiki.machine import (
    SELinux,
    can_read,
    detect_cloud,
    read_selinux,
    web_server_accounts,
)
from wizard.mediawiki.phpenv import PEAR_FILES, PhpEnv, probe_php
from wizard.model.diagnosis import Diagnosis, diagnose
from wizard.model.i18n import _, ngettext
from wizard.model.report import Report, Status, Step
from wizard.model.settings import Client, Security, Settings, SettingsError, check_email
from wizard.smtp.check import CheckOptions, run_check
from wizard.smtp.ports import PortResult, PortState, probe_ports
from wizard.smtp.transcript import Direction
from wizard.store.keyring import SecretsError, load_password

__all__ = [
    "AREAS",
    "DoctorFindings",
    "cloud_step",
    "doctor_findings_to_settings",
    "pear_auth_mechanism",
    "php_steps",
    "run_doctor",
    "selinux_step",
]

AREAS = ("wiki", "php", "system", "smtp")
T = TypeVar("T")
ProgressCallback = Callable[[str, Step | None], None]
"""Called with (step id, None) when a step starts and (step id, step) when it ends."""

# SELinux's smtp_port_t: httpd_can_sendmail also lets httpd connect to these.
_SMTP_PORTS = frozenset({25, 465, 587})
# pear/mail learnt the 'starttls' key in 1.5.
_STARTTLS_KEY_SINCE = (1, 5)
# Net_SMTP's own order when Auth_SASL is installed; without it, LOGIN comes first.
_PEAR_SASL_ORDER = ("DIGEST-MD5", "CRAM-MD5", "LOGIN", "PLAIN")
_KEYRING_TIMEOUT = 10.0
_EC2_PROBE_TIMEOUT = 5.0
_AUTH_LINE = re.compile(r"^250[ -]AUTH[ =](.*)$", re.IGNORECASE)


# --- Collecting steps --------------------------------------------------------------------

class _Steps:
    """Steps by area, reported to `on_progress` as they are made."""

    def __init__(self, on_progress: ProgressCallback | None) -> None:
        self.on_progress = on_progress
        self.by_area: dict[str, list[Step]] = {area: [] for area in AREAS}

    def start(self, step_id: str) -> None:
        if self.on_progress is not None:
            self.on_progress(step_id, None)

    def put(self, step: Step) -> None:
        self.by_area[step.id.partition(".")[0]].append(step)
        if self.on_progress is not None:
            self.on_progress(step.id, step)

    def add(self, step_id: str, status: Status, summary: str,
            details: Sequence[str] = (), diagnosis: Diagnosis | None = None,
            elapsed: float = 0.0) -> None:
        self.put(Step(step_id, status, summary, tuple(details), diagnosis, elapsed=elapsed))

    def steps(self) -> tuple[Step, ...]:
        return tuple(step for area in AREAS for step in self.by_area[area])


# --- What the file says, as MediaWiki would use it ---------------------------------------

@dataclass(frozen=True)
class _Contact:
    """One of $wgPasswordSender / $wgEmergencyContact, as MediaWiki would use it."""

    variable: str
    address: str | None
    """The address MediaWiki sends with (its own default filled in), if it is valid."""
    problem: str = ""
    """Why it is not good (unset, the default, not an address); "" when it is."""
    is_default: bool = False


def _server_name(config: WikiConfig) -> str | None:
    """$wgServerName, or the host of $wgServer, as MediaWiki derives it."""
    if isinstance(config.server_name, str) and config.server_name:
        return config.server_name
    if isinstance(config.server, str) and config.server:
        server = config.server if "//" in config.server else "//" + config.server
        return urlsplit(server).hostname
    return None


def _contact(config: WikiConfig, variable: str, local: str, is_default: bool) -> _Contact:
    value = config.value(variable)
    name = "$" + variable
    if is_default:
        server = _server_name(config)
        address = f"{local}@{server}" if server else None
        if value is None or value == "" or value is False:
            problem = _("not set (MediaWiki then uses {address})").format(
                address=address or f"{local}@$wgServerName")
        else:
            problem = _("still MediaWiki's default, {address}").format(
                address=address or f"{local}@$wgServerName")
        return _Contact(name, _valid(address), problem, is_default=True)
    if isinstance(value, phpsrc.Unparsed):
        strings = {k: v for k, v in config.values.items() if isinstance(v, str)}
        value = phpsrc.string_expression(value.tokens, strings, {}) or value
    if not isinstance(value, str):
        return _Contact(name, None, _("set by an expression the doctor cannot read"))
    if _valid(value) is None:
        return _Contact(name, None, _("not an e-mail address (“{value}”)").format(value=value))
    return _Contact(name, value)


def _valid(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return check_email(address)
    except SettingsError:
        return None


def _version(text: str | None) -> tuple[int, ...] | None:
    match = re.match(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", text or "")
    return tuple(int(part) for part in match.groups() if part is not None) if match else None


def _pear_mail_version(config: WikiConfig, system_root: Path,
                       env: PhpEnv | None) -> tuple[str | None, str]:
    """(version, where) of the pear/mail PHP loads.

    Where PHP found Mail.php decides: the wiki's vendor/ (Composer puts it first), else
    the PEAR folder it is in, whose registry has the version. Without PHP's answer, the
    wiki's vendor/, else the usual system folders.
    """
    found = env.files.get("Mail.php") if env is not None and env.ok else None
    if found is not None:
        folder = Path(found).resolve().parent
        if folder.is_relative_to((config.wiki_root / "vendor").resolve()):
            return config.pear_mail_version, "vendor/"
        return system_pear_mail_version((folder,)), str(folder)
    if config.pear_mail_version:
        return config.pear_mail_version, "vendor/"
    dirs = tuple(system_root / d.relative_to(d.anchor) for d in SYSTEM_PEAR_DIRS)
    version = system_pear_mail_version(dirs)
    return version, _("the system's PEAR") if version else ""


def _live_settings(config: WikiConfig, ca_file: str | None, sender: _Contact,
                   contact: _Contact, starttls_known: bool | None,
                   ) -> tuple[Settings | None, str | None, str]:
    """(settings, password from the file, error) for the live check, in PEAR's semantics.

    The contacts are judged by the doctor itself (a bad one must not hide the server
    settings), and MediaWiki's default sender is used as MediaWiki would use it.
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


# --- The checks --------------------------------------------------------------------------

def _wiki_file_steps(out: _Steps, config: WikiConfig) -> None:
    details = [f"{p.path}:{p.line}: {p.message}" for p in config.problems]
    if details:
        out.add("wiki.localsettings", Status.WARN, ngettext(
            "Read {path}; {n} thing in it could not be followed.",
            "Read {path}; {n} things in it could not be followed.", len(details)).format(
                path=config.path, n=len(details)), details)
    else:
        out.add("wiki.localsettings", Status.OK, _("Read {path}.").format(path=config.path))

    enabled = config.enable_email
    if enabled is False:
        out.add("wiki.email", Status.FAIL, _("E-mail is switched off ($wgEnableEmail)."),
                diagnosis=diagnose("email-disabled"))
    elif isinstance(enabled, phpsrc.Unparsed):
        out.add("wiki.email", Status.WARN, _("$wgEnableEmail is set by an expression the "
                                             "doctor cannot read."))
    else:
        out.add("wiki.email", Status.OK, _("E-mail is switched on ($wgEnableEmail)."))


def _wiki_smtp_steps(out: _Steps, config: WikiConfig, settings: Settings | None,
                     error: str) -> None:
    state, smtp = config.smtp_state, config.smtp
    if state in (SmtpState.ABSENT, SmtpState.DISABLED):
        words = _("not set") if state is SmtpState.ABSENT else _("false")
        out.add("wiki.smtp", Status.WARN, _("$wgSMTP is {state}: mail goes through PHP's "
                                            "mail().").format(state=words),
                (_("To send through your provider instead, run: smtp-wizard"),),
                diagnose("smtp-disabled", state=words))
        return
    if state is SmtpState.UNPARSED or smtp is None:
        out.add("wiki.smtp", Status.WARN, _("$wgSMTP is set by an expression the doctor "
                                            "cannot read; it is not checked further."))
        return
    if settings is None:
        out.add("wiki.smtp", Status.FAIL, _("$wgSMTP (line {line}) cannot work as written."
                                            ).format(line=smtp.line),
                diagnosis=diagnose("smtp-invalid", error=error))
        return
    auth = (_("no authentication") if not settings.auth
            else _("login as {user}").format(user=settings.username))
    out.add("wiki.smtp", Status.OK, _("$wgSMTP (line {line}) sends through {host} port "
                                      "{port}, {auth}.").format(
        line=smtp.line, host=smtp.host, port=settings.port, auth=auth))
    if smtp.timeout is None:
        out.add("wiki.timeout", Status.WARN, _("$wgSMTP has no 'timeout'."),
                diagnosis=diagnose("smtp-timeout-unset"))
    else:
        out.add("wiki.timeout", Status.OK, _("PEAR gives up after {timeout} s ('timeout')."
                                             ).format(timeout=f"{smtp.timeout:g}"))


def _password_step(out: _Steps, config: WikiConfig, given: bool, keyring_note: str,
                   have: bool) -> None:
    """Where the wiki's SMTP password comes from; never the password itself."""
    source = config.smtp.password if config.smtp is not None else None
    if source is None:
        out.add("wiki.password", Status.FAIL, _("$wgSMTP has no 'password'."),
                diagnosis=diagnose("smtp-password-unset"))
        return
    where = {
        PasswordKind.INLINE: _("inline in LocalSettings.php, line {line}"),
        PasswordKind.FILE: _("in {path}, line {line}"),
        PasswordKind.ENV: _("read from the web server's environment variable {name}"),
        PasswordKind.UNKNOWN: _("set by an expression the doctor cannot read ({path}, "
                                "line {line})"),
    }[source.kind].format(path=source.path, line=source.line, name=source.name)
    if given:
        note = _("the doctor uses the password given to it")
    elif keyring_note:
        note = keyring_note
    elif source.password is not None:
        note = _("the doctor uses it for the live check")
    else:
        note = _("the doctor cannot read it, so AUTH is not tried; give the password, or "
                 "store it in the keyring with smtp-wizard")
    status = Status.OK if have else Status.SKIPPED
    out.add("wiki.password", status, _("The password is {where}.").format(where=where),
            (note,))


def _sender_step(out: _Steps, sender: _Contact, config: WikiConfig, live: Report | None,
                 reply_to_on: bool) -> None:
    smtp = config.smtp
    user = (smtp.username or "") if smtp is not None and smtp.auth else ""
    domain = sender.address.rpartition("@")[2].lower() if sender.address else ""
    user_domain = user.rpartition("@")[2].lower() if "@" in user else ""
    mismatch = bool(domain and user_domain and domain != user_domain)
    live_step = live.step("sender") if live is not None else None
    rejected = (live_step is not None and live_step.diagnosis is not None
                and live_step.diagnosis.code == "sender-rejected")
    accepted = live_step is not None and live_step.status is Status.OK
    details: list[str] = []
    if rejected and not reply_to_on:
        details.append(_("Also set $wgUserEmailUseReplyTo = true, so mail between users is "
                         "sent from $wgPasswordSender too."))

    def finding(status: Status, problem: str) -> None:
        out.add("wiki.sender", status, _("$wgPasswordSender is {problem}.").format(
            problem=problem), details, diagnose("contact-unset", variable=sender.variable,
                                                problem=problem))

    if sender.address is None:
        finding(Status.FAIL, sender.problem)
    elif rejected:
        finding(Status.FAIL, _("{address}, which the SMTP server refuses as sender for "
                               "{user}").format(address=sender.address, user=user or "-"))
    elif sender.is_default:
        finding(Status.WARN if accepted else Status.FAIL, sender.problem)
    elif mismatch and not accepted:
        finding(Status.WARN, _("{address}, at another domain than the SMTP account {user}"
                               ).format(address=sender.address, user=user))
    elif mismatch:
        out.add("wiki.sender", Status.OK, _("$wgPasswordSender is {address}; the server "
                                            "accepts it for {user}.").format(
            address=sender.address, user=user))
    else:
        out.add("wiki.sender", Status.OK, _("$wgPasswordSender is {address}.").format(
            address=sender.address) + (" " + _("The server accepts it.") if accepted else ""))


def _emergency_step(out: _Steps, contact: _Contact) -> None:
    if contact.address is not None and not contact.is_default:
        out.add("wiki.emergency_contact", Status.OK, _("$wgEmergencyContact is {address}."
                                                       ).format(address=contact.address))
        return
    # Only the sender travels in the envelope; a bad emergency contact shows in mails
    # and error pages, so an unset one is a warning, a broken one a failure.
    status = Status.WARN if contact.is_default else Status.FAIL
    out.add("wiki.emergency_contact", status, _("$wgEmergencyContact is {problem}.").format(
        problem=contact.problem), diagnosis=diagnose(
            "contact-unset", variable=contact.variable, problem=contact.problem))


def _mediawiki_default(wiki_root: Path, variable: str) -> bool | None:
    """A boolean's default in this MediaWiki's own code (DefaultSettings.php in old
    versions, `public const X = [ 'default' => ... ]` in MainConfigSchema.php in new
    ones), or None when neither says."""
    name = variable.removeprefix("wg")
    patterns = (
        ("includes/DefaultSettings.php",
         rf"^\s*\${variable}\s*=\s*(true|false)\s*;"),
        ("includes/MainConfigSchema.php",
         rf"^\s*public\s+const\s+{name}\s*=\s*\[\s*'default'\s*=>\s*(true|false)\b"),
    )
    for relative, pattern in patterns:
        try:
            text = (wiki_root / relative).read_text("utf-8", "replace")
        except OSError:
            continue
        match = re.search(pattern, text, re.IGNORECASE | re.MULTILINE)
        if match:
            return match.group(1).lower() == "true"
    return None


def _reply_to_step(out: _Steps, config: WikiConfig) -> bool:
    """$wgUserEmailUseReplyTo; returns whether it is on."""
    if config.value("wgEnableUserEmail") is False:
        out.add("wiki.reply_to", Status.OK, _("Mail between users is switched off "
                                              "($wgEnableUserEmail)."))
        return True
    value = config.user_email_use_reply_to
    if value is None:
        default = _mediawiki_default(config.wiki_root, "wgUserEmailUseReplyTo")
        if default is False:
            words = _("not set, and this MediaWiki's default is false")
            out.add("wiki.reply_to", Status.WARN, _("$wgUserEmailUseReplyTo is {value}."
                                                    ).format(value=words),
                    diagnosis=diagnose("user-email-from", value=words))
            return False
        out.add("wiki.reply_to", Status.OK, _("$wgUserEmailUseReplyTo is not set, and this "
                                              "MediaWiki's default is true.") if default else
                _("$wgUserEmailUseReplyTo is not set: MediaWiki's default applies."))
        return True
    if value is False:
        out.add("wiki.reply_to", Status.WARN, _("$wgUserEmailUseReplyTo is false."),
                diagnosis=diagnose("user-email-from", value="false"))
        return False
    out.add("wiki.reply_to", Status.OK, _("$wgUserEmailUseReplyTo is on: users' mail "
                                          "comes from $wgPasswordSender."))
    return True


def _include_path_calls(config: WikiConfig) -> list[tuple[int, str | None]]:
    """(line, the literal include path it sets, or None) for each call, in file order."""
    calls = phpsrc.find_calls(phpsrc.parse(config.raw), "set_include_path", "ini_set")
    found: list[tuple[int, str | None]] = []
    for call in calls:
        if call.name == "set_include_path":
            value = call.args[0] if call.args else None
        elif call.args[:1] == ("include_path",):
            value = call.args[1] if len(call.args) > 1 else None
        else:
            continue
        found.append((call.line, value if isinstance(value, str) else None))
    return found


def _include_path_step(out: _Steps, calls: list[tuple[int, str | None]],
                       env: PhpEnv | None) -> None:
    if not calls:
        out.add("wiki.include_path", Status.OK, _("LocalSettings.php leaves PHP's include "
                                                  "path alone."))
        return
    line = calls[-1][0]  # PHP runs them in order: the last one sets the path
    details = [_("line {line}: {what}").format(
        line=n, what=p if p is not None else _("an expression")) for n, p in calls]
    missing = env.missing_pear if env is not None and env.ok else ()
    status = Status.FAIL if missing else Status.WARN
    if missing:
        details.append(_("With the include path of line {line}, PHP cannot find: {list}."
                         ).format(line=line, list=", ".join(missing)))
    elif env is not None and env.ok:
        details.append(_("PHP still finds PEAR with it, but the line is not needed."))
    out.add("wiki.include_path", status, ngettext(
        "LocalSettings.php changes PHP's include path ({n} line).",
        "LocalSettings.php changes PHP's include path ({n} lines).", len(calls)).format(
            n=len(calls)), details, diagnose("include-path", line=line))


def _permissions_step(out: _Steps, config: WikiConfig, system_root: Path) -> None:
    accounts = web_server_accounts(system_root, config.path)
    if not accounts:
        out.add("wiki.permissions", Status.SKIPPED, _("No web server process was found, so "
                                                      "who must read LocalSettings.php is "
                                                      "not known."))
        return
    account = accounts[0]
    files = [config.path]
    source = config.smtp.password if config.smtp is not None else None
    if source is not None and source.kind is PasswordKind.FILE:
        files.append(source.path)
    for file in files:
        try:
            readable = can_read(account, file)
            info = file.stat()
        except OSError:
            continue
        if readable:
            continue
        group = account.group_name or str(account.gid)
        out.add("wiki.permissions", Status.FAIL, _("{account} cannot read {path}.").format(
            account=account.name, path=file), (account.source,), diagnose(
                "web-server-cannot-read", account=account.name, path=file,
                owner=info.st_uid, group=info.st_gid, mode=f"{stat.S_IMODE(info.st_mode):04o}",
                fix_group=shlex.quote(group), fix_path=shlex.quote(str(file))))
        return
    out.add("wiki.permissions", Status.OK, _("The web server's account {account} can read "
                                             "{files}.").format(
        account=account.name, files=", ".join(str(f) for f in files)), (account.source,))


def php_steps(env: PhpEnv | None, *, tls_needed: bool, pear_needed: bool,
              ) -> list[Step]:
    """The php.binary, php.openssl and php.pear steps for what `php` said about itself.

    `tls_needed`: the settings need TLS (ssl://, STARTTLS or AUTH); `pear_needed`: the
    wiki sends through $wgSMTP (PEAR), not PHP's mail().
    """
    if env is None:
        return [Step("php.binary", Status.SKIPPED, _("PHP was not checked."))]
    if not env.present:
        return [Step("php.binary", Status.WARN, env.error, (),
                     diagnose("php-missing", php=env.binary))]
    if env.error:
        return [Step("php.binary", Status.WARN, env.error)]
    steps = [Step("php.binary", Status.OK, _("PHP {version} ({php}).").format(
        version=env.version, php=env.binary), (
            _("php.ini: {ini}").format(ini=env.ini_file or _("none")),
            _("The web server's PHP (php-fpm, Apache's module) may read another php.ini "
              "and load other extensions than this command line PHP.")))]
    if env.openssl:
        steps.append(Step("php.openssl", Status.OK, _("The openssl extension is loaded "
                                                      "({version}).").format(
            version=env.openssl_version)))
    else:
        steps.append(Step("php.openssl", Status.FAIL if tls_needed else Status.WARN,
                          _("PHP has no openssl extension."), (),
                          diagnose("php-openssl-missing", php=env.binary)))
    if not pear_needed:
        steps.append(Step("php.pear", Status.SKIPPED, _("PEAR is not used: $wgSMTP is "
                                                        "not set.")))
    elif env.missing_pear:
        missing = [file for file in PEAR_FILES if env.files.get(file) is None]
        steps.append(Step("php.pear", Status.FAIL, _("PHP cannot find PEAR {list}.").format(
            list=", ".join(env.missing_pear)), (), diagnose(
                "pear-missing", packages=", ".join(env.missing_pear),
                include_path=env.include_path, file=missing[0])))
    else:
        steps.append(Step("php.pear", Status.OK, _("PHP finds PEAR Mail and Net_SMTP."),
                          tuple(f"{file}: {env.files[file]}" for file in PEAR_FILES)))
    return steps


def pear_auth_mechanism(offered: Sequence[str], *, auth_sasl: bool,
                        forced: str | None = None) -> str | None:
    """The AUTH mechanism Net_SMTP picks: the first of its list the server offers."""
    if forced:
        return forced.upper()
    order = _PEAR_SASL_ORDER if auth_sasl else _PEAR_SASL_ORDER[2:]
    offered_upper = {m.upper() for m in offered}
    return next((m for m in order if m in offered_upper), None)


def _offered_auth(live: Report) -> list[str] | None:
    """The AUTH mechanisms of the server's last EHLO answer in the live transcript."""
    offered: list[str] | None = None
    for step in live.steps:
        for line in step.transcript:
            match = _AUTH_LINE.match(line.text) if line.direction is Direction.SERVER else None
            if match:
                offered = match.group(1).split()
    return offered


def _auth_sasl_step(env: PhpEnv | None, settings: Settings | None,
                    live: Report | None) -> Step | None:
    if env is None or not env.ok or settings is None or not settings.auth:
        return None
    if not env.auth_sasl:
        return Step("php.auth_sasl", Status.OK, _("Auth_SASL is not installed: PEAR logs "
                                                  "in with LOGIN or PLAIN."))
    found = env.files.get("Auth/SASL.php")
    offered = _offered_auth(live) if live is not None else None
    if offered is None:
        return Step("php.auth_sasl", Status.OK, _("Auth_SASL is installed ({path}): PEAR "
                                                  "prefers DIGEST-MD5 and CRAM-MD5 when "
                                                  "the server offers them.").format(
            path=found))
    pear = pear_auth_mechanism(offered, auth_sasl=True, forced=settings.auth_mechanism)
    tested = pear_auth_mechanism(offered, auth_sasl=False, forced=settings.auth_mechanism)
    if pear is not None and pear != tested:
        return Step("php.auth_sasl", Status.WARN, _("Auth_SASL is installed: PEAR logs in "
                                                    "with {mechanism}.").format(
            mechanism=pear), (found or "",), diagnose(
                "pear-sasl-mechanism", mechanism=pear, tested=tested or "PLAIN"))
    return Step("php.auth_sasl", Status.OK, _("Auth_SASL is installed; with this server "
                                              "PEAR logs in with {mechanism}.").format(
        mechanism=pear or "-"))


def _pear_mail_step(out: _Steps, config: WikiConfig, version: str | None, where: str,
                    ) -> None:
    smtp = config.smtp
    if smtp is None or config.smtp_state is not SmtpState.ARRAY:
        return
    parsed = _version(version)
    knows = None if parsed is None else parsed >= _STARTTLS_KEY_SINCE
    if version is None:
        summary = _("The version of pear/mail could not be found.")
    else:
        summary = (_("pear/mail {version} ({where}) knows the 'starttls' key.") if knows else
                   _("pear/mail {version} ({where}) does not know the 'starttls' key: PEAR "
                     "uses STARTTLS only inside AUTH.")).format(version=version, where=where)
    if smtp.starttls is not None and knows is False:
        out.add("php.pear_mail", Status.WARN, summary, (), diagnose(
            "starttls-key-ignored", version=version))
    elif smtp.starttls is False and knows and smtp.auth:
        out.add("php.pear_mail", Status.FAIL, summary, (
            _("'starttls' => false: PEAR skips STARTTLS even for the login."),),
            diagnose("auth-in-clear"))
    else:
        out.add("php.pear_mail", Status.OK if version else Status.SKIPPED, summary)


def selinux_step(selinux: SELinux, *, uses_smtp: bool, port: int | None) -> Step:
    """SELinux's verdict for the web server sending mail, the way getsebool reads it.

    PHP's mail() runs sendmail: httpd_can_sendmail. PEAR connects out: either boolean
    allows SMTP's own ports (smtp_port_t: 25, 465, 587), only httpd_can_network_connect
    allows any other port.
    """
    if not selinux.enabled:
        return Step("system.selinux", Status.OK, _("SELinux is not in use."))
    if not selinux.enforcing:
        return Step("system.selinux", Status.OK, _("SELinux is permissive: it logs but "
                                                   "does not block."))
    if not selinux.booleans:
        return Step("system.selinux", Status.OK, _("SELinux is enforcing; its policy has no "
                                                   "httpd booleans."))
    if uses_smtp:
        needed = "httpd_can_network_connect"
        allowing = (needed, "httpd_can_sendmail") if port in _SMTP_PORTS else (needed,)
    else:
        needed = "httpd_can_sendmail"
        allowing = (needed,)
    states = tuple(f"{name} --> {'on' if value else 'off'}"
                   + (f" (pending: {'on' if selinux.pending[name] else 'off'})"
                      if name in selinux.pending else "")
                   for name, value in selinux.booleans.items())
    on = [name for name in allowing if selinux.booleans.get(name)]
    if on:
        return Step("system.selinux", Status.OK, _("SELinux is enforcing; {boolean} lets the "
                                                   "web server send mail.").format(
            boolean=on[0]), states)
    if needed not in selinux.booleans:
        return Step("system.selinux", Status.OK, _("SELinux is enforcing; its policy has no "
                                                   "{boolean}.").format(boolean=needed), states)
    extra = ((_("httpd_can_sendmail would also do, for ports 25, 465 and 587 only."),)
             if len(allowing) > 1 else ())
    return Step("system.selinux", Status.FAIL, _("SELinux is enforcing and blocks the web "
                                                 "server from sending mail."),
                states + extra, diagnose("selinux-httpd", boolean=needed))


def cloud_step(is_ec2: bool, evidence: str, settings: Settings | None,
               alternative: PortResult | None) -> Step:
    """Amazon EC2's port 25 throttle, with `alternative` (port 587 probed on the same
    host) as the way out when it answers."""
    if not is_ec2:
        return Step("system.cloud", Status.OK, _("Not on Amazon EC2: no port 25 throttle."))
    if settings is None or settings.port != 25:
        return Step("system.cloud", Status.OK, _("On Amazon EC2; port 25 is not used."),
                    (evidence,))
    details = [evidence]
    alt = ""
    if alternative is not None:
        state = alternative.state
        details.append(_("port {port} of {host}: {state}").format(
            port=alternative.port, host=alternative.host, state=state))
        if state.is_smtp:
            how = (_("with ssl://") if state is PortState.IMPLICIT_TLS
                   else _("with STARTTLS") if state is PortState.STARTTLS
                   else _("without TLS"))
            alt = " " + _("Port {port} of the same server answers ({how}).").format(
                port=alternative.port, how=how)
        else:
            alt = " " + _("Port {port} of the same server did not answer as SMTP ({state})."
                          ).format(port=alternative.port, state=state)
    return Step("system.cloud", Status.WARN, _("On Amazon EC2, sending through port 25."),
                tuple(details), diagnose("ec2-port-25", host=settings.host, alt=alt))


# --- The run -----------------------------------------------------------------------------

async def _keyring_password(settings: Settings, backend: KeyringBackend | None,
                            ) -> tuple[str | None, str]:
    """(password, note) from the keyring; the note says what happened, never the secret."""
    try:
        password = await asyncio.wait_for(
            asyncio.to_thread(load_password, settings, backend=backend), _KEYRING_TIMEOUT)
    except (SecretsError, SettingsError) as exc:
        return None, _("not in the keyring: {reason}").format(reason=exc.message)
    except TimeoutError:
        return None, _("the keyring did not answer within {n} s").format(
            n=int(_KEYRING_TIMEOUT))
    if password is None:
        return None, ""
    return password, _("the doctor uses the password stored in the keyring")


async def _probe_alternative(settings: Settings) -> PortResult:
    results = await probe_ports([(settings.ascii_host, 587)],
                                timeout=min(settings.timeout, _EC2_PROBE_TIMEOUT))
    return results[0]


async def _timed(awaitable: Awaitable[T]) -> tuple[T, float]:
    started = time.monotonic()
    return await awaitable, time.monotonic() - started


def _target(config: WikiConfig, settings: Settings | None, client: Client,
            sender: _Contact, contact: _Contact) -> dict[str, object]:
    target: dict[str, object] = {
        "localsettings": str(config.path), "wiki_root": str(config.wiki_root),
        "client": str(client), "smtp_state": str(config.smtp_state),
        "sender": sender.address or "", "emergency_contact": contact.address or "",
    }
    if settings is not None:
        target.update(
            host=settings.host, port=settings.port, security=str(settings.security),
            auth=settings.auth, username=settings.username, sender=settings.sender,
            emergency_contact=settings.emergency_contact, id_host=settings.id_host,
            helo_name=settings.helo_name, timeout=settings.timeout,
            ca_file=settings.ca_file, auth_mechanism=settings.auth_mechanism,
            mediawiki_host=settings.mediawiki_host)
    return target


def _read_wiki(out: _Steps, localsettings: Path | None, cwd: Path,
               roots: tuple[Path, ...]) -> WikiConfig | None:
    try:
        path = find_localsettings(localsettings, cwd, roots=roots)
    except NotFoundError as exc:
        out.add("wiki.localsettings", Status.FAIL, exc.message, diagnosis=diagnose(
            "localsettings-not-found", searched=localsettings))
        return None
    if path is None:
        searched = ", ".join(str(p) for p in (cwd, *roots))
        out.add("wiki.localsettings", Status.FAIL, _("No LocalSettings.php was found."),
                diagnosis=diagnose("localsettings-not-found", searched=searched))
        return None
    try:
        return read_localsettings(path)
    except LocalSettingsError as exc:
        out.add("wiki.localsettings", Status.FAIL, _("{path} could not be read.").format(
            path=path), diagnosis=diagnose("localsettings-unreadable", path=path,
                                           error=exc.message))
        return None


async def run_doctor(
    localsettings: Path | None,
    *,
    cwd: Path,
    roots: tuple[Path, ...] = USUAL_ROOTS,
    system_root: Path = Path("/"),
    php: str | None = "php",
    php_args: Sequence[str] = (),
    password: str | None = None,
    use_keyring: bool = True,
    keyring_backend: KeyringBackend | None = None,
    client: Client = Client.PEAR,
    live: bool = True,
    ca_file: str | None = None,
    rcpt: str | None = None,
    resolver: dns.asyncresolver.Resolver | None = None,
    hosts_path: str | Path = "/etc/hosts",
    on_progress: ProgressCallback | None = None,
) -> Report:
    """Check a wiki's mail set-up end to end; see the module docstring for the steps.

    `localsettings` is the file or the wiki's folder (None: `cwd`, then `roots`).
    `system_root` is where /sys, /proc and /etc are read (tests pass a tree). `php` is
    the PHP program (None: skip PHP's side), `php_args` go to it first (`-c FILE` for
    the web server's php.ini). The password for the live check is `password`, else the
    one in the file, else (with `use_keyring`) the keyring's (`keyring_backend`, or the
    system's). `ca_file` overrides the
    CA bundle of `$wgSMTP['socket_options']`. Nothing is sent: MAIL FROM (and RCPT TO
    `rcpt`, if given) then RSET.
    """
    out = _Steps(on_progress)
    config = _read_wiki(out, localsettings, cwd, roots)
    if config is None:
        return Report("doctor", {"localsettings": str(localsettings or "")}, out.steps())
    system_root = Path(system_root)
    sender = _contact(config, "wgPasswordSender", "apache", config.password_sender_is_default)
    contact = _contact(config, "wgEmergencyContact", "wikiadmin",
                       config.emergency_contact_is_default)
    # PHP first: which pear/mail it loads decides what 'starttls' means (below).
    if php is not None:
        out.start("php.binary")
    env, php_elapsed = (await _timed(probe_php(php, wiki_root=config.wiki_root,
                                                args=php_args))
                        if php is not None else (None, 0.0))
    mail_version, mail_where = _pear_mail_version(config, system_root, env)
    parsed_version = _version(mail_version)
    starttls_known = None if parsed_version is None else parsed_version >= _STARTTLS_KEY_SINCE
    settings, file_password, error = _live_settings(config, ca_file, sender, contact,
                                                    starttls_known)
    uses_smtp = config.smtp_state is SmtpState.ARRAY

    _wiki_file_steps(out, config)
    _wiki_smtp_steps(out, config, settings, error)

    live_password = password if password is not None else file_password
    keyring_note = ""
    if settings is not None and settings.auth and live_password is None and use_keyring:
        live_password, keyring_note = await _keyring_password(settings, keyring_backend)
    if settings is not None and settings.auth:
        _password_step(out, config, password is not None, keyring_note,
                       live_password is not None)

    # The include path's effect, the live check and EC2's alternative port are
    # independent: run them together.
    calls = _include_path_calls(config) if config.include_path_lines else []
    include_literal = calls[-1][1] if calls else None
    cloud = detect_cloud(system_root)
    check_options = CheckOptions(client=client, rcpt=rcpt, resolver=resolver,
                                 hosts_path=hosts_path)

    def live_progress(step_id: str, step: Step | None) -> None:
        if on_progress is not None:
            on_progress("smtp." + step_id,
                        None if step is None else dataclasses.replace(step, id="smtp." + step_id))

    async with asyncio.TaskGroup() as group:
        include_task = (group.create_task(probe_php(
            php, wiki_root=config.wiki_root, include_path=include_literal, args=php_args))
            if php is not None and include_literal is not None else None)
        check_task = (group.create_task(run_check(
            settings, live_password, check_options, on_progress=live_progress))
            if settings is not None and live else None)
        alt_task = (group.create_task(_probe_alternative(settings))
                    if live and settings is not None and cloud.is_ec2 and settings.port == 25
                    else None)
    live_report = check_task.result() if check_task is not None else None

    reply_to_on = _reply_to_step(out, config)
    _sender_step(out, sender, config, live_report, reply_to_on)
    _emergency_step(out, contact)
    _include_path_step(out, calls, include_task.result() if include_task else None)
    _permissions_step(out, config, system_root)

    tls_needed = settings is not None and (
        settings.security is not Security.NONE or settings.auth)
    for index, step in enumerate(php_steps(env, tls_needed=tls_needed, pear_needed=uses_smtp)):
        out.put(dataclasses.replace(step, elapsed=php_elapsed) if index == 0 else step)
    sasl = _auth_sasl_step(env, settings, live_report)
    if sasl is not None:
        out.put(sasl)
    _pear_mail_step(out, config, mail_version, mail_where)

    out.put(selinux_step(read_selinux(system_root), uses_smtp=uses_smtp,
                         port=settings.port if settings is not None else None))
    out.put(cloud_step(cloud.is_ec2, cloud.evidence, settings,
                       alt_task.result() if alt_task is not None else None))

    if live_report is not None:
        for step in live_report.steps:
            out.by_area["smtp"].append(dataclasses.replace(step, id="smtp." + step.id))
    else:
        why = (_("Not run: the wiki does not send through $wgSMTP.") if not uses_smtp
               else _("Not run: $wgSMTP could not be read.") if settings is None
               else _("Not run: live checks are off."))
        out.add("smtp.live", Status.SKIPPED, why)
    return Report("doctor", _target(config, settings, client, sender, contact), out.steps())


# --- Handing the findings to the wizard ---------------------------------------------------

# What the wizard must ask again for each finding; "password" is not a Settings field.
_STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "wiki.sender": ("sender",),
    "wiki.emergency_contact": ("emergency_contact",),
    "wiki.timeout": ("timeout",),
    "wiki.password": ("password",),
}
_CODE_FIELDS: dict[str, tuple[str, ...]] = {
    "smtp-disabled": ("host", "port", "security"),
    "smtp-invalid": ("host", "port", "security"),
    "dns-nxdomain": ("host",),
    "dns-no-address": ("host",),
    "tcp-refused": ("port",),
    "tcp-timeout": ("port",),
    "ec2-port-25": ("port",),
    "no-banner": ("port",),
    "not-smtp": ("port",),
    "plain-on-tls-port": ("security", "port"),
    "tls-on-starttls-port": ("security", "port"),
    "tls-hostname-mismatch": ("host",),
    "starttls-missing": ("security", "port"),
    "starttls-key-ignored": ("security", "auth"),
    "mail-in-clear": ("security", "auth"),
    "auth-in-clear": ("security",),
    "auth-not-offered": ("auth", "port"),
    "auth-required": ("auth", "username", "password"),
    "auth-failed": ("username", "password"),
    "auth-app-password": ("password",),
    "auth-mechanism": ("auth_mechanism",),
    "pear-sasl-mechanism": ("auth_mechanism",),
    "sender-rejected": ("sender",),
    "helo-rejected": ("helo_name",),
}
_SETTINGS_FIELDS = ("host", "port", "security", "auth", "username", "sender",
                    "emergency_contact", "id_host", "helo_name", "timeout", "ca_file",
                    "auth_mechanism")


@dataclass(frozen=True)
class DoctorFindings:
    """What the wizard needs to fix a wiki the doctor examined."""

    localsettings: Path | None
    settings: Settings | None
    """The settings the file holds (PEAR semantics), None when it holds none that work."""
    prefill: dict[str, object] = field(default_factory=dict)
    """The readable values (contacts even without $wgSMTP), to prefill the wizard."""
    to_fix: tuple[Step, ...] = ()
    """Failed and warning steps that carry a diagnosis, in report order."""
    fields: tuple[str, ...] = ()
    """Settings fields (and "password") the wizard should ask again, first first."""


def doctor_findings_to_settings(report: Report) -> DoctorFindings:
    """Turn a doctor report into prefilled settings plus what needs fixing."""
    target = report.target
    prefill = {key: target[key] for key in _SETTINGS_FIELDS if target.get(key) not in
               (None, "")}
    settings: Settings | None = None
    if "host" in prefill:
        try:
            settings = Settings(**prefill)  # type: ignore[arg-type]
        except (SettingsError, TypeError, ValueError):
            settings = None
    to_fix = tuple(step for step in report.steps
                   if step.status in (Status.FAIL, Status.WARN) and step.diagnosis)
    fields = [name for step in to_fix for name in _STEP_FIELDS.get(
        step.id, _CODE_FIELDS.get(step.diagnosis.code, ()) if step.diagnosis else ())]
    path = target.get("localsettings")
    return DoctorFindings(Path(path) if isinstance(path, str) and path else None,
                          settings, prefill, to_fix, tuple(dict.fromkeys(fields)))
