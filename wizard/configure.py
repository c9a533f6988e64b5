"""Putting a rendered snippet where it belongs: an output file, or LocalSettings.php.

Shared by `smtp-wizard render` and the wizard's last step. Every write is atomic and
keeps a backup of what it replaces; a secrets file is created 0600 from the start.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from wizard.files import atomic_write, make_backup, same_file
from wizard.i18n import _
from wizard.localsettings import (
    PatchResult,
    managed_block,
    patch_localsettings,
    pear_mail_version,
    system_pear_mail_version,
)
from wizard.render import Rendered, php_file
from wizard.settings import SettingsError

__all__ = ["OverlappingTargetsError", "Written", "pear_knows_starttls", "write_patch",
           "write_snippet"]

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


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:3] if part.isdigit())


def pear_knows_starttls(wiki_root: Path | None) -> bool | None:
    """Whether the pear/mail MediaWiki will load knows the `starttls` key (1.5 and newer).

    The wiki's own vendor/ copy wins over the system's; None when neither is found.
    """
    version = (pear_mail_version(wiki_root) if wiki_root else None) or \
        system_pear_mail_version()
    if version is None:
        return None
    return _version_tuple(version) >= (1, 5)


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

    PHP runs as the web server's account, not as the admin running the wizard, so the
    file takes the owner and group of LocalSettings.php: 0600 when the web server owns
    it, 0640 when root owns it and the web server's group reads it.
    """
    if rendered.secrets_file is None:
        return []
    path, content = Path(rendered.secrets_file[0]), rendered.secrets_file[1]
    if like is None or os.geteuid() != 0:
        return [_write(path, content, SECRET_MODE, _("secrets file"), now)]
    owner = like.stat()
    mode = 0o640 if owner.st_uid == 0 and owner.st_gid != 0 else SECRET_MODE
    written = _write(path, content, mode, _("secrets file"), now,
                     owner=(owner.st_uid, owner.st_gid))
    return [written]


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
