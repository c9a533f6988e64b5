"""Putting a rendered snippet where it belongs: an output file, or LocalSettings.php.

Shared by `smtp-wizard render` and the wizard's last step. Every write is atomic and
keeps a backup of what it replaces; a secrets file has its final owner and mode from
the first byte. What is already exactly right is not written again (no backup either).
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from wizard.errors import WizardError
from wizard.mediawiki.localsettings import PatchResult, managed_block
from wizard.mediawiki.localsettings.patch import commit_patch, plan_patch
from wizard.mediawiki.machine import Account
from wizard.mediawiki.senders import PhpAccounts, Role, find_php_accounts, prove_readable
from wizard.model.fields import SettingsError
from wizard.model.i18n import _
from wizard.render import Rendered, php_file
from wizard.store.files import (
    atomic_write,
    check_writable,
    make_backup,
    read_nofollow,
    same_file,
)

__all__ = [
    "NotConfirmedError",
    "OverlappingTargetsError",
    "PatchOptions",
    "SecretsAccessError",
    "Written",
    "prove_secret_file",
    "secret_file_owner",
    "write_patch",
    "write_snippet",
]

SECRET_MODE = 0o600
SNIPPET_MODE = 0o644
_SHARED_MODE = 0o640
"""root:<a group every PHP account is in>."""
_SPLIT_MODE = 0o440
"""<one PHP account>:<a group all the others are in>; nobody needs to write it."""


class OverlappingTargetsError(SettingsError):
    """Two things would be written to the same file (the secrets file over
    LocalSettings.php, say): nothing is written."""

    def __init__(self, message: str) -> None:
        super().__init__("secrets_file", message)


class SecretsAccessError(WizardError):
    """No owner, group and mode let exactly the accounts that run the wiki's PHP read
    the secrets file: nothing is written."""


class NotConfirmedError(WizardError):
    """The change was shown and not confirmed: nothing is written."""


@dataclass(frozen=True)
class Written:
    path: Path
    backup: Path | None
    mode: int
    what: str
    warnings: tuple[str, ...] = ()
    """What the user must fix by hand (an account that cannot read the file)."""
    notes: tuple[str, ...] = ()
    """What was proven (each account that opened the file)."""
    changed: bool = True
    """False when the file already held exactly this, with this owner and mode."""

    def describe(self) -> str:
        if not self.changed:
            text = _("{what} {path} is already up to date (mode {mode:o}); not written"
                     ).format(what=self.what, path=self.path, mode=self.mode)
        else:
            text = _("wrote {what} {path} (mode {mode:o})").format(
                what=self.what, path=self.path, mode=self.mode)
        if self.backup is not None:
            text += _("; the previous version is in {backup}").format(backup=self.backup)
        return "\n".join((text, *self.notes, *self.warnings))


@dataclass(frozen=True)
class PatchOptions:
    """How `write_patch` goes about it, beyond what to write."""

    accounts: PhpAccounts | None = None
    """The accounts that run the wiki's PHP; None: found on this machine."""
    confirm: Callable[[str], bool] | None = None
    """Shown the change (a unified diff, secrets masked) before anything is written;
    returning False writes nothing (NotConfirmedError)."""
    secrets: tuple[str, ...] = ()
    """Masked wherever they appear in the diff (the password)."""
    holds_password: bool = False
    """The block holds the password inline."""
    env_var: str | None = None
    """The block reads the password from this environment variable."""


@dataclass(frozen=True)
class _Target:
    """A file to write, as it must end up."""

    path: Path
    content: bytes
    mode: int
    owner: tuple[int, int] | None
    what: str

    def up_to_date(self) -> bool:
        try:
            data = read_nofollow(self.path)
            info = self.path.lstat()
        except OSError:
            return False
        owner = self.owner or (os.geteuid(), os.getegid())
        return data == self.content and stat.S_IMODE(info.st_mode) == self.mode and (
            info.st_uid, info.st_gid) == owner

    def write(self, now: dt.datetime) -> Written:
        if self.up_to_date():
            return Written(self.path, None, self.mode, self.what, changed=False)
        backup = None
        if os.path.lexists(self.path) and read_nofollow(self.path) != self.content:
            backup = make_backup(self.path, now)
        try:
            atomic_write(self.path, self.content, mode=self.mode, owner=self.owner)
        except OSError as exc:
            if backup is None:
                raise
            raise type(exc)(exc.errno, _("{reason}; the file is unchanged, and a copy is in "
                                         "{backup}").format(reason=exc.strerror,
                                                            backup=backup),
                            str(self.path)) from None
        return Written(self.path, backup, self.mode, self.what)


def _refuse_overlap(secrets: Path, other: Path, what: str) -> None:
    if same_file(secrets, other):
        raise OverlappingTargetsError(_(
            "The secrets file {secrets} is the same file as the {what} {other}: writing "
            "it would replace that file. Nothing was written; choose another path with "
            "--secrets-file.").format(secrets=secrets, what=what, other=other))


def _secrets_target(rendered: Rendered, accounts: list[Account] | None,
                    like: Path | None) -> _Target | None:
    """The secrets file as it must be: for root writing for a wiki (`accounts` given),
    readable by exactly those accounts; otherwise private to whoever writes it."""
    if rendered.secrets_file is None:
        return None
    path, content = Path(rendered.secrets_file[0]), rendered.secrets_file[1].encode("utf-8")
    if accounts is None or like is None or os.geteuid() != 0:
        return _Target(path, content, SECRET_MODE, None, _("secrets file"))
    owner, mode = _secret_owner(accounts, like, path)
    return _Target(path, content, mode, owner, _("secrets file"))


def _secret_owner(accounts: list[Account], localsettings: Path, path: Path,
                  ) -> tuple[tuple[int, int], int]:
    """Owner, group and mode that let every account in `accounts` read, and no one else.

    root:<group>, 0640 when all of them share a group (the group LocalSettings.php has
    first); else one of them as owner and a group all the others are in, 0440; else
    SecretsAccessError.
    """
    if not accounts:
        return (0, 0), SECRET_MODE
    info = localsettings.stat()
    shared = frozenset.intersection(*(account.groups for account in accounts))
    for gid in (info.st_gid, accounts[0].gid, *sorted(shared)):
        if gid in shared and gid != 0:
            return (0, gid), _SHARED_MODE
    if len(accounts) == 1:
        return (accounts[0].uid, max(accounts[0].gid, 0)), SECRET_MODE
    for owner in accounts:
        others = [a for a in accounts if a.uid != owner.uid]
        common = frozenset.intersection(*(a.groups for a in others))
        for gid in (*(a.gid for a in others), *sorted(common)):
            if gid in common and gid != 0:
                return (owner.uid, gid), _SPLIT_MODE
    names = ", ".join(account.name for account in accounts)
    raise SecretsAccessError(_(
        "No owner and group let exactly {names} read {path}: they share no group. Put "
        "them in one group (usermod -aG GROUP USER for each) and run again; nothing was "
        "written.").format(names=names, path=path))


def _prove(written: Written, accounts: PhpAccounts) -> Written:
    """Open the file as each account before calling it done."""
    notes: list[str] = []
    warnings: list[str] = []
    sources: dict[int, list[str]] = {}
    for item in accounts.found:
        sources.setdefault(item.account.uid, []).append(item.account.source)
    for account in accounts.accounts():
        who = _("{user} ({sources})").format(user=account.name,
                                             sources="; ".join(sources[account.uid]))
        problem = prove_readable(account, written.path)
        if problem is None:
            notes.append(_("  ✓ {who} can read it").format(who=who))
        else:
            warnings.append(_("  ✗ {who} cannot read {path}: {reason}. The wiki's PHP would "
                              "stop with \"Failed opening required\". Make every folder on "
                              "the way searchable (chmod o+x) and the file readable for "
                              "that account.").format(who=who, path=written.path,
                                                      reason=problem))
    if accounts.guessed:
        warnings.append(_("No web server was found running or configured here, so the "
                          "file is set up for the usual account. If PHP runs as another "
                          "account, run again with --php-user ACCOUNT for each."))
    return Written(written.path, written.backup, written.mode, written.what,
                   (*written.warnings, *warnings), (*written.notes, *notes), written.changed)


def secret_file_owner(accounts: PhpAccounts, localsettings: Path, path: Path,
                      ) -> tuple[tuple[int, int] | None, int]:
    """Owner and mode of another file the wiki's PHP reads a secret from (the OAuth token
    file), by the secrets file's rule: for root, readable by exactly `accounts`; for
    anyone else, private to them (None: the caller's own)."""
    if os.geteuid() != 0:
        return None, SECRET_MODE
    return _secret_owner(accounts.accounts(), localsettings, path)


def prove_secret_file(written: Written, accounts: PhpAccounts) -> Written:
    """`written` with a note for each account that opened it, a warning for each that
    could not."""
    return _prove(written, accounts)


def write_snippet(rendered: Rendered, path: Path, *, holds_password: bool,
                  now: dt.datetime | None = None) -> list[Written]:
    """Write the snippet as a file of its own (PHP gets its `<?php` line), and the
    secrets file if the password lives in one. A snippet holding the password is 0600."""
    now = now or dt.datetime.now()
    text = php_file(rendered.snippet) if rendered.language == "php" else rendered.snippet
    if rendered.secrets_file is not None:
        _refuse_overlap(Path(rendered.secrets_file[0]), path, _("snippet"))
    targets = [_secrets_target(rendered, None, None),
               _Target(path, text.encode("utf-8"),
                       SECRET_MODE if holds_password else SNIPPET_MODE, None, _("snippet"))]
    for target in targets:  # both paths checked first: never the secrets file alone
        if target is not None:
            check_writable(target.path)
    return [target.write(now) for target in targets if target is not None]


def write_patch(rendered: Rendered, localsettings: Path, *, expected: bytes | None,
                now: dt.datetime | None = None, options: PatchOptions | None = None,
                ) -> tuple[PatchResult, list[Written]]:
    """Put the MediaWiki snippet into LocalSettings.php as the managed block, merged with
    what the file already says (see `plan_patch`).

    Everything is planned first (the secrets file's owner and mode too), then shown to
    `options.confirm`; the secrets file is written before LocalSettings.php, so the
    patched file never requires a file that is not there yet. `expected` (the bytes read
    earlier) guards against a file changed meanwhile.
    """
    now = now or dt.datetime.now()
    options = options or PatchOptions()
    if rendered.secrets_file is not None:
        _refuse_overlap(Path(rendered.secrets_file[0]), localsettings, "LocalSettings.php")
    accounts = options.accounts or find_php_accounts(localsettings=localsettings)
    plan = plan_patch(localsettings, managed_block(rendered.snippet), expected=expected,
                      merge=True)
    secrets = _secrets_target(rendered, accounts.accounts(), localsettings)
    secrets_due = secrets is not None and not secrets.up_to_date()
    if (plan.changed or secrets_due) and options.confirm is not None:
        shown = plan.diff(options.secrets)
        if secrets is not None and secrets_due:
            shown += _("The secrets file {path} will be written (mode {mode:o}); its "
                       "content is not shown.").format(path=secrets.path,
                                                       mode=secrets.mode) + "\n"
        if not options.confirm(shown):
            raise NotConfirmedError(_("Nothing was written."))
    written: list[Written] = []
    if secrets is not None:
        check_writable(secrets.path)  # both paths checked first: never one file alone
        check_writable(localsettings)
        written.append(_prove(secrets.write(now), accounts))
    result = commit_patch(plan, now=now)
    extra = _inline_warnings(options, localsettings, accounts) + _env_warnings(
        options, accounts)
    if extra:
        result = PatchResult(result.path, result.backup, result.action, result.changed,
                             result.line, result.lint, result.lint_message,
                             (*result.warnings, *extra), result.notes)
    return result, written


def _inline_warnings(options: PatchOptions, localsettings: Path,
                     accounts: PhpAccounts) -> tuple[str, ...]:
    """A password written into a LocalSettings.php that every account may read."""
    if not options.holds_password:
        return ()
    mode = stat.S_IMODE(localsettings.stat().st_mode)
    if not mode & stat.S_IROTH:
        return ()
    try:
        (_uid, gid), _mode = _secret_owner(accounts.accounts(), localsettings, localsettings)
    except SecretsAccessError:
        gid = -1
    group = _group_name(gid, accounts.accounts())
    return (_("{path} now holds the SMTP password, and every account on this machine may "
              "read it (mode {mode:o}). Run: chown root:{group} {path} && chmod 640 {path} "
              "(the accounts that run the wiki's PHP keep reading it), or keep the "
              "password out of it with --password-mode file.").format(
                  path=localsettings, mode=mode, group=group),)


def _group_name(gid: int, accounts: Sequence[Account]) -> str:
    for account in accounts:
        if account.gid == gid and account.group_name:
            return account.group_name
    return str(gid) if gid > 0 else "GROUP"


def _env_warnings(options: PatchOptions, accounts: PhpAccounts) -> tuple[str, ...]:
    """In env mode: every job runner that will not see the variable."""
    name = options.env_var
    if name is None:
        return ()
    runners = accounts.job_runners()
    if not runners:
        return (_("No job runner was found (runJobs.php from cron or a systemd timer): "
                  "MediaWiki then runs its jobs, mail included, during web requests with "
                  "the web server's environment. A job runner you add later needs {name} "
                  "too.").format(name=name),)
    warnings = []
    for runner in runners:
        if runner.environment is not None and name in runner.environment:
            continue
        warnings.append(_("The job runner {who} does not get {name}: mail from the job "
                          "queue (watchlist, notifications) fails to log in. Set {name} "
                          "there (a {name}=... line in that crontab, Environment= in the "
                          "unit), or use --password-mode file.").format(
                              who=runner.describe(), name=name))
    given = [item for item in accounts.found if item.role is Role.GIVEN]
    warnings += [_("Make sure the PHP of {who} gets {name} in its environment.").format(
        who=item.describe(), name=name) for item in given]
    return tuple(warnings)
