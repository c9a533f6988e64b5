"""Whether and how the doctor asks the wiki's own PHP (`--via-php`): which PHP, which
MediaWiki install, as which account."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from wizard.doctor.options import DoctorOptions
from wizard.mediawiki.localsettings import SmtpState, WikiConfig
from wizard.mediawiki.machine import Account
from wizard.mediawiki.phpenv import PhpEnv
from wizard.mediawiki.root import find_install_root
from wizard.mediawiki.senders import PhpAccounts, Role
from wizard.mediawiki.via_php import PhpConversation, converse_via_php
from wizard.model.i18n import _

__all__ = ["ViaPlan", "install_root_of", "plan_as", "plan_via_php", "run_via_php"]


@dataclass(frozen=True)
class ViaPlan:
    php: str
    install_root: Path
    account: Account | None
    """The web server's account to run as; None: as this process."""
    note: str = ""
    """Why it runs as another account than the web server's, when it does."""


def plan_via_php(config: WikiConfig, options: DoctorOptions, env: PhpEnv | None,
                 install_root: Path | None, accounts: PhpAccounts) -> ViaPlan | str | None:
    """The plan, or why there is none: a sentence when `--via-php` was asked for (or the
    wiki plainly needs it), None when it was not asked and cannot run."""
    asked = options.via_php is True
    if options.via_php is False or not options.live or \
            config.smtp_state is not SmtpState.ARRAY:
        return _("Not run: the live part is off.") if asked and not options.live else None
    if env is None or not env.ok:
        return _("Not run: PHP could not be asked ({why}).").format(
            why=env.error if env is not None else _("no PHP given")) if asked else None
    if install_root is None:
        return _("Not run: the MediaWiki install that loads {path} was not found (a folder "
                 "with maintenance/Maintenance.php).").format(path=config.path) \
            if asked else None
    return plan_as(env.binary, install_root, accounts)


def install_root_of(config: WikiConfig, roots: Iterable[Path]) -> Path | None:
    """The MediaWiki install that loads the wiki's settings: PEAR comes from its
    vendor/, which on Debian is not the folder of LocalSettings.php."""
    ip = config.value("IP")
    return find_install_root(config.path, ip=ip if isinstance(ip, str) else None,
                             install_path=os.environ.get("MW_INSTALL_PATH"), roots=roots)


def plan_as(php: str, install_root: Path, accounts: PhpAccounts) -> ViaPlan:
    """Run `php` as the web server's account, when this process may act as it."""
    web = [item.account for item in accounts.found if item.role is Role.WEB
           and item.account.uid != 0]
    if not web:
        return ViaPlan(php, install_root, None, _(
            "No web server account was found: MediaWiki's PHP ran as this user."))
    if web[0].uid != os.geteuid() and os.geteuid() != 0:
        # Only root can take on another account; MediaWiki's verdict on its settings and
        # its PEAR still holds, not the one on what the web server may read.
        return ViaPlan(php, install_root, None, _(
            "Not as {account}, the web server's account: only root can act as it. Run "
            "smtp-wizard as root (or as {account}) to try what that account may read."
            ).format(account=web[0].name))
    return ViaPlan(php, install_root, web[0])


async def run_via_php(plan: ViaPlan, config: WikiConfig, options: DoctorOptions,
                      password: str | None, file_password: str | None) -> PhpConversation:
    """The conversation through MediaWiki's PHP; `password` stands in only for a password
    the wiki's PHP sees as empty (the web server's environment variable)."""
    return await converse_via_php(
        plan.php, plan.install_root, config.path, account=plan.account,
        rcpt=options.rcpt or "", password=password, ca_file=options.ca_file,
        php_args=options.php_args, timeout=options.via_php_timeout,
        secrets=[secret for secret in (file_password,) if secret])
