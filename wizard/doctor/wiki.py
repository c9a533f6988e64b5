"""The wiki area: LocalSettings.php itself, `$wgEnableEmail`, `$wgSMTP`, its timeout and
password, and the lines that change PHP's include path.

The contacts and `$wgUserEmailUseReplyTo` are in `wizard.doctor.contacts`; whether the
web server can read the file is in `wizard.doctor.system`.
"""

from __future__ import annotations

from wizard.doctor.options import DoctorOptions
from wizard.mediawiki.localsettings import (
    LocalSettingsError,
    NotFoundError,
    PasswordKind,
    SmtpState,
    WikiConfig,
    find_localsettings,
    read_localsettings,
)
from wizard.mediawiki.php import Unparsed
from wizard.mediawiki.phpenv import PhpEnv
from wizard.model.diagnosis import Diagnosis, diagnose
from wizard.model.i18n import _, ngettext
from wizard.model.report import Status, Step
from wizard.model.settings import Settings

__all__ = [
    "IncludePathCall",
    "include_path_calls",
    "include_path_step",
    "password_step",
    "read_wiki",
    "setup_steps",
]

IncludePathCall = tuple[int, str | None]
"""(line, the literal include path it sets, or None for an expression)."""


def read_wiki(options: DoctorOptions) -> WikiConfig | Step:
    """The wiki's LocalSettings.php, read; or the step that says why it cannot be."""
    try:
        path = find_localsettings(options.localsettings, options.cwd, roots=options.roots)
    except NotFoundError as exc:
        return Step("wiki.localsettings", Status.FAIL, exc.message, diagnosis=diagnose(
            "localsettings-not-found", searched=options.localsettings))
    if path is None:
        searched = ", ".join(str(p) for p in (options.cwd, *options.roots))
        return Step("wiki.localsettings", Status.FAIL, _("No LocalSettings.php was found."),
                    diagnosis=diagnose("localsettings-not-found", searched=searched))
    try:
        return read_localsettings(path)
    except LocalSettingsError as exc:
        return Step("wiki.localsettings", Status.FAIL, _("{path} could not be read.").format(
            path=path), diagnosis=diagnose("localsettings-unreadable", path=path,
                                           error=exc.message))


def setup_steps(config: WikiConfig, settings: Settings | None, error: str) -> list[Step]:
    """wiki.localsettings, wiki.email, wiki.smtp and wiki.timeout.

    `settings` are the ones `$wgSMTP` yields (None when it yields none), `error` why it
    cannot work as written.
    """
    return [_file_step(config), _email_step(config), *_smtp_steps(config, settings, error)]


def _file_step(config: WikiConfig) -> Step:
    details = tuple(f"{p.path}:{p.line}: {p.message}" for p in config.problems)
    if not details:
        return Step("wiki.localsettings", Status.OK, _("Read {path}.").format(
            path=config.path))
    return Step("wiki.localsettings", Status.WARN, ngettext(
        "Read {path}; {n} thing in it could not be followed.",
        "Read {path}; {n} things in it could not be followed.", len(details)).format(
            path=config.path, n=len(details)), details)


def _email_step(config: WikiConfig) -> Step:
    enabled = config.enable_email
    if enabled is False:
        return Step("wiki.email", Status.FAIL, _("E-mail is switched off ($wgEnableEmail)."),
                    diagnosis=diagnose("email-disabled"))
    if isinstance(enabled, Unparsed):
        return Step("wiki.email", Status.WARN, _("$wgEnableEmail is set by an expression "
                                                 "the doctor cannot read."))
    return Step("wiki.email", Status.OK, _("E-mail is switched on ($wgEnableEmail)."))


def _smtp_steps(config: WikiConfig, settings: Settings | None, error: str) -> list[Step]:
    state, smtp = config.smtp_state, config.smtp
    if state in (SmtpState.ABSENT, SmtpState.DISABLED):
        words = _("not set") if state is SmtpState.ABSENT else _("false")
        return [Step("wiki.smtp", Status.WARN, _("$wgSMTP is {state}: mail goes through "
                                                 "PHP's mail().").format(state=words),
                     (_("To send through your provider instead, run: smtp-wizard"),),
                     diagnose("smtp-disabled", state=words))]
    if state is SmtpState.UNPARSED or smtp is None:
        return [Step("wiki.smtp", Status.WARN, _("$wgSMTP is set by an expression the "
                                                 "doctor cannot read; it is not checked "
                                                 "further."))]
    if settings is None:
        return [Step("wiki.smtp", Status.FAIL, _("$wgSMTP (line {line}) cannot work as "
                                                 "written.").format(line=smtp.line),
                     diagnosis=diagnose("smtp-invalid", error=error))]
    auth = (_("no authentication") if not settings.auth
            else _("login as {user}").format(user=settings.username))
    sends = Step("wiki.smtp", Status.OK, _("$wgSMTP (line {line}) sends through {host} port "
                                           "{port}, {auth}.").format(
        line=smtp.line, host=smtp.host, port=settings.port, auth=auth))
    if smtp.timeout is None:
        return [sends, Step("wiki.timeout", Status.WARN, _("$wgSMTP has no 'timeout'."),
                            diagnosis=diagnose("smtp-timeout-unset"))]
    return [sends, Step("wiki.timeout", Status.OK, _(
        "PEAR waits at most {timeout} s for the connection ('timeout').").format(
            timeout=f"{smtp.timeout:g}"), (
        _("It bounds only the connect: once connected, PEAR waits for every reply without "
          "limit, so a port that accepts and stays silent still hangs the wiki."),))]


def password_step(config: WikiConfig, *, given: bool, keyring_note: str, have: bool,
                  keyring_problem: Diagnosis | None = None) -> Step:
    """Where the wiki's SMTP password comes from; never the password itself.

    `given`: the doctor was given one; `keyring_note`: what the keyring said; `have`:
    the live check has one to try; `keyring_problem`: the keyring is set up wrong.
    """
    source = config.smtp.password if config.smtp is not None else None
    if source is None:
        return Step("wiki.password", Status.FAIL, _("$wgSMTP has no 'password'."),
                    diagnosis=diagnose("smtp-password-unset"))
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
    if keyring_problem is not None:
        return Step("wiki.password", Status.WARN, _("The password is {where}.").format(
            where=where), (note,), diagnosis=keyring_problem)
    return Step("wiki.password", Status.OK if have else Status.SKIPPED,
                _("The password is {where}.").format(where=where), (note,))


def include_path_calls(config: WikiConfig) -> list[IncludePathCall]:
    """The file's set_include_path() and ini_set('include_path', ...) calls, in order."""
    found: list[IncludePathCall] = []
    for call in config.include_path_calls:
        args = call.args if call.name == "set_include_path" else call.args[1:]
        value = args[0] if args else None
        found.append((call.line, value if isinstance(value, str) else None))
    return found


def include_path_step(calls: list[IncludePathCall], env: PhpEnv | None) -> Step:
    """wiki.include_path; `env` is PHP's answer with the path the last call sets."""
    if not calls:
        return Step("wiki.include_path", Status.OK, _("LocalSettings.php leaves PHP's "
                                                      "include path alone."))
    line = calls[-1][0]  # PHP runs them in order: the last one sets the path
    details = [_("line {line}: {what}").format(
        line=n, what=p if p is not None else _("an expression")) for n, p in calls]
    missing = env.missing_pear if env is not None and env.ok else ()
    if missing:
        details.append(_("With the include path of line {line}, PHP cannot find: {list}."
                         ).format(line=line, list=", ".join(missing)))
    elif env is not None and env.ok:
        details.append(_("PHP still finds PEAR with it, but the line is not needed."))
    return Step("wiki.include_path", Status.FAIL if missing else Status.WARN, ngettext(
        "LocalSettings.php changes PHP's include path ({n} line).",
        "LocalSettings.php changes PHP's include path ({n} lines).", len(calls)).format(
            n=len(calls)), tuple(details), diagnose("include-path", line=line))
