"""wiki.permissions: every file the wiki reads to send mail (LocalSettings.php, the
secrets file it requires, the CA file of `$wgSMTP`), opened as every account that sends
the wiki's mail: the web server's (processes, php-fpm pools, Apache's configuration) and
the job runner's (runJobs from cron or systemd). Root reads everything, so what the
doctor itself can read proves nothing.
"""

from __future__ import annotations

import asyncio
import shlex
import stat
from dataclasses import dataclass
from pathlib import Path

from wizard.mediawiki.localsettings import PasswordKind, WikiConfig
from wizard.mediawiki.machine import Account, can_read
from wizard.mediawiki.senders import PhpAccounts, Role, find_php_accounts, prove_readable
from wizard.model.diagnosis import diagnose
from wizard.model.i18n import _
from wizard.model.report import Status, Step

__all__ = ["needed_files", "permissions_step", "php_accounts"]


@dataclass(frozen=True)
class _Sender:
    account: Account
    roles: tuple[Role, ...]
    sources: tuple[str, ...]


def php_accounts(config: WikiConfig, system_root: Path) -> PhpAccounts:
    """The accounts that run the wiki's PHP, as `wizard.mediawiki.senders` finds them."""
    return find_php_accounts(system_root, config.path)


def needed_files(config: WikiConfig) -> list[Path]:
    """The files the wiki's PHP opens to send mail, those that exist."""
    files = [config.path]
    smtp = config.smtp
    source = smtp.password if smtp is not None else None
    if source is not None and source.kind is PasswordKind.FILE:
        files.append(source.path)
    if smtp is not None and smtp.ca_file:
        files.append(Path(smtp.ca_file))
    return [file for file in dict.fromkeys(files) if file.is_file()]


def _senders(found: PhpAccounts) -> list[_Sender]:
    """One entry per account (root left out: it reads every file), with its roles."""
    by_uid: dict[int, _Sender] = {}
    for item in found.found:
        account = item.account
        if account.uid == 0:
            continue
        known = by_uid.get(account.uid)
        if known is None:
            by_uid[account.uid] = _Sender(account, (item.role,), (account.source,))
        elif item.role not in known.roles:
            by_uid[account.uid] = _Sender(known.account, (*known.roles, item.role),
                                          (*known.sources, account.source))
    return list(by_uid.values())


def _role_words(roles: tuple[Role, ...]) -> str:
    words = {Role.WEB: _("web server"), Role.JOBS: _("job runner"),
             Role.GIVEN: _("named")}
    return ", ".join(words[role] for role in roles)


async def permissions_step(config: WikiConfig, system_root: Path,
                           found: PhpAccounts) -> Step:
    """wiki.permissions: each account that sends the wiki's mail opens each file it needs.

    On this machine (`system_root` is "/") each file is opened as the account when this
    process may act as it (root); for a tree of files standing in for a machine, and for
    a user who cannot switch, the file's owner, group and mode bits decide. `found`: the
    accounts, as `php_accounts` finds them.
    """
    senders = _senders(found)
    if not senders:
        return Step("wiki.permissions", Status.SKIPPED, _(
            "No account that runs the wiki's PHP was found (no web server, no job runner), "
            "so who must read LocalSettings.php is not known."))
    files = needed_files(config)
    real = Path(system_root).resolve() == Path("/")
    problems: list[Step] = []
    for sender in senders:
        for file in files:
            reason = await (asyncio.to_thread(prove_readable, sender.account, file) if real
                            else asyncio.to_thread(_by_modes, sender.account, file))
            if reason is not None:
                problems.append(_cannot_read(sender, file, reason, guessed=found.guessed,
                                             proven=real))
                break
    if problems:
        # A finding about an account known to send outweighs one about an assumed one.
        return min(problems, key=lambda step: step.status is not Status.FAIL)
    who = "; ".join(f"{s.account.name} ({_role_words(s.roles)})" for s in senders)
    return Step("wiki.permissions", Status.OK, _("{accounts} can read {files}.").format(
        accounts=who, files=", ".join(str(f) for f in files)),
        tuple(source for sender in senders for source in sender.sources))


def _by_modes(account: Account, path: Path) -> str | None:
    try:
        return None if can_read(account, path) else _("permission denied")
    except OSError as exc:
        return exc.strerror or str(exc)


def _cannot_read(sender: _Sender, file: Path, reason: str, *, guessed: bool,
                 proven: bool) -> Step:
    account = sender.account
    try:
        info = file.stat()
        owner, group = str(info.st_uid), str(info.st_gid)
        mode = f"{stat.S_IMODE(info.st_mode):04o}"
    except OSError:
        owner, group, mode = "?", "?", "?"
    facts = {"account": account.name, "path": file, "owner": owner, "group": group,
             "mode": mode, "fix_group": shlex.quote(account.group_name or str(account.gid)),
             "fix_path": shlex.quote(str(file))}
    jobs_only = sender.roles == (Role.JOBS,)
    diagnosis = diagnose("job-runner-cannot-read" if jobs_only else "web-server-cannot-read",
                         **facts)
    how = (_("Opened as {account}: {reason}.") if proven
           else _("Judged by owner, group and mode bits: {reason}.")).format(
        account=account.name, reason=reason)
    details = [*sender.sources, how]
    # Nothing on this machine named the web server's account: the distribution's usual
    # one was assumed, so this is a warning, not a verdict.
    assumed = guessed and Role.WEB in sender.roles and not jobs_only
    if assumed:
        details.append(_("No web server was found running or configured here; {account} is "
                         "the distribution's usual web server account.").format(
            account=account.name))
    return Step("wiki.permissions", Status.WARN if assumed else Status.FAIL, _(
        "{account} ({roles}) cannot read {path}.").format(
            account=account.name, roles=_role_words(sender.roles), path=file),
        tuple(details), diagnosis)
