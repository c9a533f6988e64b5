"""Password rotation, test first: the new password must log in before anything changes.

Then the wiki's copy is replaced where it lives (the literal in LocalSettings.php or in
the secrets file it requires; an environment variable is left to the admin, with the
exact instruction), and last the keyring. A failed test changes nothing at all.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from keyring.backend import KeyringBackend

from wizard.mediawiki.localsettings import (
    PasswordChange,
    PasswordKind,
    WikiConfig,
    replace_password,
)
from wizard.model.i18n import _
from wizard.model.report import Report, Status
from wizard.model.settings import Settings
from wizard.smtp.check import CheckOptions, run_check
from wizard.store.backends import BackendInfo
from wizard.store.keyring import SecretsError, store_password

__all__ = ["RotateResult", "rotate_password"]


@dataclass(frozen=True)
class RotateResult:
    report: Report
    """The live test of the new password (its AUTH step decides)."""
    change: PasswordChange | None = None
    """The file whose literal was replaced, with its backup."""
    stored: BackendInfo | None = None
    """The keyring that now holds the new password; None when not stored."""
    notes: tuple[str, ...] = ()
    """What the admin still has to do, or why something was not changed."""

    @property
    def tested(self) -> bool:
        auth = self.report.step("auth")
        return auth is not None and auth.status is Status.OK


async def rotate_password(config: WikiConfig, settings: Settings, password: str, *,
                          store: bool = True, backend: KeyringBackend | None = None,
                          ) -> RotateResult:
    """Test `password` against the server, then update the wiki and the keyring."""
    report = await run_check(settings, password, CheckOptions())
    result = RotateResult(report)
    if not result.tested:
        return result
    notes: list[str] = []
    change: PasswordChange | None = None
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
    stored: BackendInfo | None = None
    if store:
        try:
            stored = await asyncio.to_thread(store_password, settings, password,
                                             backend=backend)
        except SecretsError as exc:
            notes.append(_("The keyring was not updated: {reason}").format(reason=exc.message))
    return RotateResult(report, change, stored, tuple(notes))
