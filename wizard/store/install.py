"""Putting a rendered snippet where it belongs: an output file, or LocalSettings.php.

Shared by `smtp-wizard render` and the wizard's last step. Every write is atomic and
keeps a backup of what it replaces; a secrets file is created 0600 from the start.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from wizard.mediawiki.localsettings import PatchResult, managed_block, patch_localsettings
from wizard.mediawiki.machine import Account, can_read, default_web_accounts, web_server_accounts
from wizard.model.i18n import _
from wizard.model.settings import SettingsError
from wizard.render import Rendered, php_file
from wizard.store.files import atomic_write, make_backup, same_file

__all__ = ["OverlappingTargetsError", "Written", "write_patch", "write_snippet"]

SECRET_MODE = 0o600
SNIPPET_MODE = 0o644


class OverlappingTargetsError(SettingsError):
    """Two things would be written to the same file (the secrets file over
    LocalSettings.php, say): nothing is written."""

    def __init__(self, message: str) -> None:
        super().__init__("secrets_file", message)


@dataclass(frozen=True)
class Written:
    path: Path
    backup: Path | None
    mode: int
    what: str
    warnings: tuple[str, ...] = ()
    """What the user must fix by hand (an account that cannot read the file)."""

    def describe(self) -> str:
        text = _("wrote {what} {path} (mode {mode:o})").format(
            what=self.what, path=self.path, mode=self.mode)
        if self.backup is not None:
            text += _("; the previous version is in {backup}").format(backup=self.backup)
        return "\n".join((text, *self.warnings))


def _write(path: Path, text: str, mode: int, what: str, now: dt.datetime, *,
           owner: tuple[int, int] | None = None) -> Written:
    backup = make_backup(path, now) if os.path.lexists(path) else None
    atomic_write(path, text, mode=mode, owner=owner)
    return Written(path, backup, mode, what)


def _refuse_overlap(secrets: Path, other: Path, what: str) -> None:
    if same_file(secrets, other):
        raise OverlappingTargetsError(_(
            "The secrets file {secrets} is the same file as the {what} {other}: writing "
            "it would replace that file. Nothing was written; choose another path with "
            "--secrets-file.").format(secrets=secrets, what=what, other=other))


def _secrets(rendered: Rendered, now: dt.datetime, like: Path | None = None) -> list[Written]:
    """Write the secrets file; with `like` (LocalSettings.php), for the wiki's PHP to read.

    PHP runs as the web server's account, not as the admin running the wizard (root,
    usually), and dies with "Failed opening required" on a file it cannot read. So when
    root writes it, the file belongs to root and the web server's group, mode 0640
    (or to the web server's account, 0600, when that account has no group of its own
    to share); readability is then proven for each account that runs the wiki's PHP.
    """
    if rendered.secrets_file is None:
        return []
    path, content = Path(rendered.secrets_file[0]), rendered.secrets_file[1]
    if like is None or os.geteuid() != 0:
        return [_write(path, content, SECRET_MODE, _("secrets file"), now)]
    accounts = web_server_accounts(localsettings=like) or default_web_accounts()
    owner, mode = _secret_owner(accounts, like)
    written = _write(path, content, mode, _("secrets file"), now, owner=owner)
    unreadable = [account for account in accounts if not can_read(account, path)]
    warnings = [_("The web server's account {user} cannot read {path}: the wiki would "
                  "stop with \"Failed opening required\". Run: chown root:{group} {path} "
                  "&& chmod 640 {path}").format(user=account.name, path=path,
                                                group=account.group_name or account.gid)
                for account in unreadable]
    if not accounts:
        warnings.append(_("Could not tell which account runs the wiki's PHP (no web server "
                          "is running and none of www-data, apache, nginx, http exists). "
                          "{path} is readable by root only: give it to that account's "
                          "group with chown root:GROUP and chmod 640.").format(path=path))
    return [Written(path, written.backup, mode, written.what, tuple(warnings))]


def _secret_owner(accounts: list[Account], localsettings: Path,
                  ) -> tuple[tuple[int, int], int]:
    """Owner, group and mode that let every account in `accounts` read, and no one else."""
    if not accounts:
        return (0, 0), SECRET_MODE
    shared = frozenset.intersection(*(account.groups for account in accounts))
    info = localsettings.stat()
    # Prefer the group LocalSettings.php already has when the web server is in it.
    for gid in (info.st_gid, accounts[0].gid, *sorted(shared)):
        if gid in shared and gid != 0:
            return (0, gid), 0o640
    return (accounts[0].uid, accounts[0].gid), SECRET_MODE


def write_snippet(rendered: Rendered, path: Path, *, holds_password: bool,
                  now: dt.datetime | None = None) -> list[Written]:
    """Write the snippet as a file of its own (PHP gets its `<?php` line), and the
    secrets file if the password lives in one. A snippet holding the password is 0600."""
    now = now or dt.datetime.now()
    text = php_file(rendered.snippet) if rendered.language == "php" else rendered.snippet
    if rendered.secrets_file is not None:
        _refuse_overlap(Path(rendered.secrets_file[0]), path, _("snippet"))
    written = _secrets(rendered, now)
    written.append(_write(path, text, SECRET_MODE if holds_password else SNIPPET_MODE,
                          _("snippet"), now))
    return written


def write_patch(rendered: Rendered, localsettings: Path, *, expected: bytes | None,
                now: dt.datetime | None = None) -> tuple[PatchResult, list[Written]]:
    """Put the MediaWiki snippet into LocalSettings.php as the managed block.

    The secrets file (if any) is written first, so the patched file never requires a
    file that is not there yet. `expected` (the bytes read earlier) guards against a
    file changed meanwhile.
    """
    now = now or dt.datetime.now()
    if rendered.secrets_file is not None:
        _refuse_overlap(Path(rendered.secrets_file[0]), localsettings, "LocalSettings.php")
    written = _secrets(rendered, now, like=localsettings)
    result = patch_localsettings(localsettings, managed_block(rendered.snippet),
                                 expected=expected, now=now)
    return result, written
