"""Password rotation, test first, test again after: the new password must log in before
anything changes, and the wiki must log in with what was written.

The wiki's copy is replaced where it lives (the literal in LocalSettings.php or in the
secrets file it requires; an environment variable is left to the admin, with the exact
instruction). Then the written file is tested the way the wiki will use it: through
MediaWiki's own PHP and PEAR when they are here (as the web server's account when this
runs as root), else by reading the file back and logging in with what it says. If that
fails, the previous file is put back. Only then the keyring. `undo_last` restores the
latest backup by hand.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from keyring.backend import KeyringBackend

from wizard.errors import WizardError
from wizard.mediawiki.localsettings import (
    LocalSettingsError,
    PasswordChange,
    PasswordKind,
    WikiConfig,
    read_localsettings,
    replace_password,
    to_settings,
)
from wizard.mediawiki.root import mediawiki_for
from wizard.mediawiki.senders import Role, find_php_accounts
from wizard.mediawiki.via_php import converse_via_php
from wizard.model.i18n import _
from wizard.model.report import Report, Status
from wizard.model.settings import Settings
from wizard.smtp.check import CheckOptions, run_check
from wizard.store.backends import BackendInfo
from wizard.store.files import atomic_write, backup_name, make_backup, read_nofollow
from wizard.store.keyring import SecretsError, store_password

__all__ = ["RotateResult", "Undone", "rotate_password", "undo_last"]

_AUTHENTICATED = frozenset({"sender", "recipient", "done"})
"""via_php stages that come after a successful AUTH."""
_BACKUP_SUFFIX = re.compile(r"\.bak-(\d{8}-\d{6})(?:-(\d+))?$")


@dataclass(frozen=True)
class RotateResult:
    report: Report
    """The live test of the new password (its AUTH step decides)."""
    change: PasswordChange | None = None
    """The file whose literal was replaced, with its backup; None when nothing was (or
    the change was undone again: `restored`)."""
    stored: BackendInfo | None = None
    """The keyring that now holds the new password; None when not stored."""
    notes: tuple[str, ...] = ()
    """What the admin still has to do, or why something was not changed."""
    verified: str = ""
    """How the written file was proven to log in ("" when nothing was written)."""
    restored: bool = False
    """The written file failed that test and the previous version is back."""

    @property
    def tested(self) -> bool:
        auth = self.report.step("auth")
        return auth is not None and auth.status is Status.OK


async def rotate_password(config: WikiConfig, settings: Settings, password: str, *,
                          store: bool = True, backend: KeyringBackend | None = None,
                          ) -> RotateResult:
    """Test `password` against the server, then update the wiki, prove the wiki logs in
    with it (restoring the previous file if not), then the keyring."""
    report = await run_check(settings, password, CheckOptions())
    result = RotateResult(report)
    if not result.tested:
        return result
    notes: list[str] = []
    change: PasswordChange | None = None
    verified = ""
    source = config.smtp.password if config.smtp else None
    if source is not None and source.kind is PasswordKind.ENV:
        notes.append(_("The wiki reads the password from the environment variable {name}: "
                       "set it to the new password where the web server (and cron) get "
                       "it, then reload the web server.").format(name=source.name))
    elif source is None:
        notes.append(_("LocalSettings.php holds no password for $wgSMTP; nothing to change "
                       "there."))
    else:
        # Blocking file work and php -l, off the event loop.
        change = await asyncio.to_thread(replace_password, config, password)
        verified, problem = await _verify(config.path, settings, password)
        if problem:
            await asyncio.to_thread(_restore, change)
            return RotateResult(report, None, None, (_(
                "The wiki could not log in with the file as written ({reason}), so "
                "{path} is back to its previous version (from {backup}). The keyring was "
                "not changed.").format(reason=problem, path=change.path,
                                       backup=change.backup),), "", restored=True)
    stored: BackendInfo | None = None
    if store:
        try:
            stored = await asyncio.to_thread(store_password, settings, password,
                                             backend=backend)
        except SecretsError as exc:
            notes.append(_("The keyring was not updated: {reason}").format(reason=exc.message))
    return RotateResult(report, change, stored, tuple(notes), verified)


async def _verify(path: Path, settings: Settings, password: str) -> tuple[str, str]:
    """(how it was proven, "") or ("", why it failed): the written file, used the way
    the wiki will use it."""
    try:
        config = read_localsettings(path)
        found = to_settings(config)
    except LocalSettingsError as exc:
        return "", exc.message
    if found is None or found[1] != password:
        return "", _("reading the file back does not give the new password")
    php, install = shutil.which("php"), mediawiki_for(config)
    if php is not None and install is not None:
        account = None
        if os.geteuid() == 0:
            web = [item.account for item in find_php_accounts(localsettings=path).found
                   if item.role is not Role.JOBS and item.account.uid != 0]
            account = web[0] if web else None
        talk = await converse_via_php(php, install, path, account=account,
                                      ca_file=settings.ca_file, secrets=(password,),
                                      timeout=settings.timeout * 3)
        if talk.answered:
            who = talk.ran_as or _("this account")
            if talk.stage in _AUTHENTICATED:
                return _("MediaWiki's own PHP and PEAR logged in with it as {user}").format(
                    user=who), ""
            return "", _("MediaWiki's PHP, as {user}: {error}").format(
                user=who, error=talk.error or talk.stage)
    report = await run_check(found[0].replace(ca_file=settings.ca_file), found[1],
                             CheckOptions())
    auth = report.step("auth")
    if auth is not None and auth.status is Status.OK:
        return _("read back from the file, it logs in"), ""
    return "", auth.summary if auth is not None else _("the login was not tried")


def _restore(change: PasswordChange) -> None:
    atomic_write(change.path, read_nofollow(change.backup))


@dataclass(frozen=True)
class Undone:
    path: Path
    backup: Path
    """The backup that is now the file's content."""
    saved: Path
    """Where the content it replaced went (undo the undo from there)."""


def undo_last(config_path: Path, *, now: datetime | None = None) -> Undone:
    """Put back the latest backup of the file that holds the wiki's password
    (LocalSettings.php, or the secrets file it requires); the current content is backed
    up first."""
    path = config_path
    try:
        source = read_localsettings(config_path).smtp
    except LocalSettingsError:
        source = None
    if source is not None and source.password is not None and \
            source.password.kind is PasswordKind.FILE:
        path = source.password.path
    backups = latest_backups(path)
    if not backups:
        raise WizardError(_("There is no backup of {path} to go back to (backups are kept "
                            "in {folder}).").format(path=path,
                                                   folder=backup_name(path, now or datetime.now()
                                                                      ).parent))
    backup = backups[-1]
    saved = make_backup(path, now)
    atomic_write(path, read_nofollow(backup))
    return Undone(path, backup, saved)


def latest_backups(path: Path) -> list[Path]:
    """The backups of `path`, oldest first (by the time and number in their names)."""
    folder = backup_name(path, datetime.now()).parent
    found: list[tuple[str, int, Path]] = []
    if folder.is_dir():
        for candidate in folder.glob(f"{Path(path).name}.bak-*"):
            match = _BACKUP_SUFFIX.search(candidate.name)
            if match:
                found.append((match.group(1), int(match.group(2) or 0), candidate))
    return [item[2] for item in sorted(found)]
