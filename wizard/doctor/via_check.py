"""`check --via-php`: the check's conversation, then the same through a wiki's own PHP.

The wiki gives MediaWiki's side: its install (so its maintenance bootstrap, with `--conf`
naming the settings file, and the PEAR it loads), the web server's account, and, when no
host is given, the settings themselves. A host given on the command line replaces
`$wgSMTP` (and `--sender` replaces `$wgPasswordSender`) once MediaWiki has loaded the
file, so new settings are tried through the wiki's PEAR before they are written. As in
the doctor, the Python check says precisely why and the PHP run is the verdict
(`wizard.doctor.verdict`).
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from pathlib import Path

from wizard.doctor.access import php_accounts
from wizard.doctor.contacts import read_contacts
from wizard.doctor.live import live_settings
from wizard.doctor.php import pear_mail_version
from wizard.doctor.verdict import reconcile, silent_server, via_php_step
from wizard.doctor.via import ViaPlan, install_root_of, plan_as
from wizard.errors import UsageError
from wizard.mediawiki.localsettings import (
    USUAL_ROOTS,
    NotFoundError,
    SmtpConfig,
    SmtpState,
    WikiConfig,
    find_localsettings,
    read_localsettings,
)
from wizard.mediawiki.pear import knows_starttls
from wizard.mediawiki.via_php import PhpConversation, converse_via_php
from wizard.model.i18n import _
from wizard.model.report import Report, Status, Step
from wizard.model.settings import Security, Settings

__all__ = ["STEP_ID", "WikiPhp", "open_wiki", "smtp_array"]

STEP_ID = "via_php"
_DISAGREEMENT_ID = "disagreement"
_TIMEOUT = 30.0
"""How long MediaWiki's PHP may take: PEAR bounds only the connect."""


@dataclass(frozen=True)
class WikiPhp:
    """A wiki whose own PHP `check --via-php` talks through."""

    config: WikiConfig
    plan: ViaPlan
    sender: str
    """The address MediaWiki sends as (its own default filled in); "" when not valid."""

    def title(self) -> str:
        """What the check's title says about the PHP run."""
        return _("then through MediaWiki's own PHP ({root}, --conf {path}) as {account}").format(
            root=self.plan.install_root, path=self.config.path,
            account=self.plan.account.name if self.plan.account else _("this user"))

    def settings(self, ca_file: str | None) -> tuple[Settings, str | None]:
        """The wiki's own `$wgSMTP` as MediaWiki uses it, and the password its files hold."""
        mail_version = pear_mail_version(self.plan.install_root, Path("/"), None)[0]
        settings, password, error = live_settings(self.config, ca_file,
                                                  *read_contacts(self.config),
                                                  knows_starttls(mail_version))
        if settings is not None:
            return settings, password
        if self.config.smtp_state is SmtpState.ARRAY:
            raise UsageError(_("$wgSMTP in {path} cannot be checked: {error} Name the host "
                               "on the command line.").format(path=self.config.path,
                                                              error=error))
        raise UsageError(_("{path} does not send through $wgSMTP: name the host to check on "
                           "the command line.").format(path=self.config.path))

    async def verdict(self, report: Report, settings: Settings, password: str | None, *,
                      replace: bool, sender: str, rcpt: str | None,
                      ca_file: str | None) -> Report:
        """`report`, the Python check of `settings`, with MediaWiki's verdict beside it.

        `replace`: the settings came from the command line and replace `$wgSMTP`; else
        they are the wiki's, and `password` stands in only for one its PHP sees as empty.
        `sender` (when given) replaces `$wgPasswordSender`; `ca_file` the wiki's CA file.
        """
        # Where the server stays silent PEAR would wait for ever: not started then.
        stopped = silent_server(report)
        via = None if stopped else await converse_via_php(
            self.plan.php, self.plan.install_root, self.config.path,
            account=self.plan.account, rcpt=rcpt or "", password=None if replace else password,
            ca_file=ca_file, timeout=_TIMEOUT, secrets=(password,) if password else (),
            smtp=smtp_array(settings, password) if replace else None, sender=sender)
        notes: tuple[str, ...] = ()
        if via is not None and via.enable_email is False:
            # A check judges the server; that the wiki sends nothing is said beside it.
            via = dataclasses.replace(via, enable_email=None)
            notes = (_("The wiki has e-mail switched off ($wgEnableEmail = false): it sends "
                       "nothing, whatever this check finds."),)
        config = self.config
        if replace:
            # Whether PEAR logged in is the tested settings' 'auth', not the wiki's.
            config = dataclasses.replace(config, smtp=SmtpConfig(
                0, auth=settings.auth_mechanism or settings.auth))
        step = via_php_step(via, report, config, stopped=stopped, note=self.plan.note,
                            compare=False)
        step = dataclasses.replace(step, id=STEP_ID, details=(*step.details, *notes))
        disagreement = _disagreement(report, via, step)
        return Report(report.command, {**report.target, "localsettings": str(config.path),
                                       "mediawiki": str(self.plan.install_root)},
                      (*reconcile(list(report.steps), via), step,
                       *([disagreement] if disagreement else [])), report.auth_offered)


def _disagreement(live: Report, via: PhpConversation | None, step: Step) -> Step | None:
    """A step when the Python check and MediaWiki's PHP come to different ends."""
    failed = [one.id for one in live.steps if one.status is Status.FAIL]
    if via is not None and via.ok and failed:
        return Step(_DISAGREEMENT_ID, Status.WARN, _(
            "The check failed at {steps}, but MediaWiki's own PHP got through: MediaWiki's "
            "result decides the exit status.").format(steps=", ".join(failed)))
    if step.status is Status.FAIL and not failed:
        return Step(_DISAGREEMENT_ID, Status.WARN, _(
            "The check passed every step, but MediaWiki's own PHP failed: MediaWiki's "
            "result decides the exit status."))
    return None


def smtp_array(settings: Settings, password: str | None) -> dict[str, object]:
    """`$wgSMTP` for `settings`, with the keys `wizard.render.mediawiki` writes."""
    smtp: dict[str, object] = {
        "host": settings.mediawiki_host, "port": settings.port, "timeout": settings.timeout,
        # A string forces that mechanism; true lets PEAR pick.
        "auth": (settings.auth_mechanism or True) if settings.auth else False}
    if settings.auth:
        smtp["username"] = settings.username
        # Net_SMTP puts XOAUTH2's password after "auth=" as it is: it carries the type.
        smtp["password"] = (f"Bearer {password}" if settings.auth_mechanism == "XOAUTH2"
                            and password else password or "")
    if settings.helo_name:
        smtp["localhost"] = settings.helo_name
    if settings.security is Security.STARTTLS:
        smtp["starttls"] = True
    return smtp


def open_wiki(localsettings: Path | None, *, cwd: Path, php: str) -> WikiPhp:
    """The wiki (the file or folder given, else the one in `cwd` or a usual place) and
    how its PHP runs. `UsageError` when there is no wiki, no PHP or no MediaWiki install
    for it; `LocalSettingsError` when the file cannot be read."""
    try:
        path = find_localsettings(localsettings, cwd)
    except NotFoundError as exc:
        raise UsageError(exc.message) from None
    if path is None:
        raise UsageError(_("--via-php needs the wiki, and no LocalSettings.php is here or "
                           "in the usual places: name it with --localsettings PATH."))
    config = read_localsettings(path)
    binary = shutil.which(php)
    if binary is None:
        raise UsageError(_("--via-php runs the wiki's own PHP, and {php} was not found: "
                           "install PHP's command line (Debian: php-cli) or name it with "
                           "--php.").format(php=php))
    root = install_root_of(config, USUAL_ROOTS)
    if root is None:
        raise UsageError(_("--via-php runs MediaWiki's own bootstrap, and no MediaWiki "
                           "install loads {path} (a folder with maintenance/Maintenance.php): "
                           "set MW_INSTALL_PATH to MediaWiki's folder.").format(path=path))
    return WikiPhp(config, plan_as(binary, root, php_accounts(config, Path("/"))),
                   read_contacts(config)[0].address or "")
