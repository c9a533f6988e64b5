"""Every account that runs the wiki's PHP, and so sends its mail; and the proof that it
can read a file.

Two kinds of process send a wiki's mail: the web server's PHP (mod_php in Apache, a
php-fpm pool) and the job queue. MediaWiki sends watchlist and notification mail from
jobs, which often run as `maintenance/runJobs.php` from cron or a systemd timer, as
another account and with another environment (Apache's `SetEnv` does not reach them).
A secrets file or an environment variable must reach all of them. Like `machine`, this
reads files below `root`; only `prove_readable` runs a process.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from wizard.mediawiki.machine import (
    Account,
    account_named,
    can_read,
    default_web_accounts,
    web_server_accounts,
)
from wizard.model.i18n import _

__all__ = [
    "PhpAccount",
    "PhpAccounts",
    "Role",
    "find_php_accounts",
    "job_runners",
    "prove_readable",
    "web_server_configs",
]

_MAX_CONFIG = 1 << 20
_POOL_GLOBS = ("etc/php/*/fpm/pool.d/*.conf", "etc/php-fpm.d/*.conf",
               "etc/php*/php-fpm.d/*.conf", "usr/local/etc/php-fpm.d/*.conf")
_CRON_TABLES = ("etc/crontab", "etc/cron.d/*")
_USER_CRON_TABLES = ("var/spool/cron/crontabs/*", "var/spool/cron/*")
_UNIT_DIRS = ("etc/systemd/system", "run/systemd/system", "lib/systemd/system",
              "usr/lib/systemd/system")
_ENV_LINE = re.compile(r"\s*([A-Za-z_]\w*)\s*=")
_ASSIGNMENT = re.compile(r"([A-Za-z_]\w*)=")
# `sudo -u www-data php ...`, `runuser -u www-data -- php ...`, `su -s /bin/sh www-data -c`.
_SWITCH_USER = re.compile(r"(?:^|[\s;&|(])(?:sudo|runuser)\s+(?:-\S+\s+)*?-u\s*(\S+)"
                          r"|(?:^|[\s;&|(])su\s+(?:(?:-|-l|--login|-s\s+\S+|-m|-p)\s+)*"
                          r"([A-Za-z_][\w.-]*)\s+-c\b")
_PROOF_TIMEOUT = 10.0


class Role(StrEnum):
    WEB = "web"
    """The web server's PHP: Apache with mod_php, a php-fpm pool."""
    JOBS = "jobs"
    """The job runner (runJobs.php from cron or a systemd unit)."""
    GIVEN = "given"
    """Named by the admin (--php-user)."""


@dataclass(frozen=True)
class PhpAccount:
    account: Account
    role: Role
    environment: frozenset[str] | None = None
    """The variables this process is known to get (a cron line, a unit's Environment=,
    a pool's env[...]); None when that cannot be told from files."""

    def describe(self) -> str:
        return _("{user} ({source})").format(user=self.account.name,
                                             source=self.account.source)


@dataclass(frozen=True)
class PhpAccounts:
    found: tuple[PhpAccount, ...]
    guessed: bool = False
    """Nothing on this machine said which account runs the web server's PHP, and none
    was named: `found` starts with the distribution's usual web server account."""

    def accounts(self) -> list[Account]:
        """The distinct accounts, root left out (root reads every file anyway)."""
        seen: dict[int, Account] = {}
        for item in self.found:
            if item.account.uid != 0:
                seen.setdefault(item.account.uid, item.account)
        return list(seen.values())

    def job_runners(self) -> list[PhpAccount]:
        return [item for item in self.found if item.role is Role.JOBS]


def find_php_accounts(root: Path = Path("/"), localsettings: Path | None = None,
                      given: Iterable[str] = ()) -> PhpAccounts:
    """The web server's accounts (processes, php-fpm pools, Apache's configuration, the
    owner of LocalSettings.php), the job runners (cron, systemd) and the accounts given
    by name. With no accounts named and no web server evidence, the distribution's web
    server account is put first, as a guess. A given name that no account has raises
    `LookupError`."""
    root = Path(root)
    found = [PhpAccount(a, Role.WEB) for a in web_server_accounts(root, localsettings)]
    found += web_server_configs(root)
    web_evidence = bool(found)
    found += job_runners(root)
    named = [_given(name, root) for name in given]
    if named:
        return PhpAccounts(tuple(found + named))
    if web_evidence:
        return PhpAccounts(tuple(found))
    defaults = [PhpAccount(a, Role.WEB) for a in default_web_accounts(root)]
    return PhpAccounts(tuple(defaults + found), guessed=True)


def _given(name: str, root: Path) -> PhpAccount:
    account = account_named(name, root, _("named with --php-user"))
    if account is None:
        raise LookupError(name)
    return PhpAccount(account, Role.GIVEN)


# --- The web server ----------------------------------------------------------------------

def web_server_configs(root: Path = Path("/")) -> list[PhpAccount]:
    """Accounts named in php-fpm pools (`user =`, `group =`, `env[...]`) and in Apache's
    configuration (Debian's envvars, RHEL's `User`/`Group`), running or not."""
    found: list[PhpAccount] = []
    for path in _files(root, _POOL_GLOBS):
        for section, values in _pools(path):
            user = values.get("user")
            account = user and account_named(
                user, root, _("php-fpm pool [{pool}] in /{path}").format(
                    pool=section, path=path.relative_to(root)), values.get("group"))
            if account:
                env = frozenset(key[4:-1] for key in values
                                if key.startswith("env[") and key.endswith("]"))
                found.append(PhpAccount(account, Role.WEB, env))
    apache = _apache_user(root)
    if apache is not None:
        found.append(PhpAccount(apache, Role.WEB))
    return found


def _pools(path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    section, values = "", dict[str, str]()
    for line in _lines(path):
        if line.startswith("[") and line.endswith("]"):
            if values:
                yield section, values
            section, values = line[1:-1], {}
        elif "=" in line and not line.startswith((";", "#")):
            key, _sep, value = line.partition("=")
            values[key.strip()] = value.strip().strip("\"'")
    if values:
        yield section, values


def _apache_user(root: Path) -> Account | None:
    envvars = root / "etc/apache2/envvars"
    settings: dict[str, str] = {}
    for line in _lines(envvars):
        match = re.fullmatch(r"(?:export\s+)?(APACHE_RUN_USER|APACHE_RUN_GROUP)=(\S+)", line)
        if match:
            settings[match.group(1)] = match.group(2).strip("\"'")
    source = "/etc/apache2/envvars"
    if "APACHE_RUN_USER" not in settings:
        for line in _lines(root / "etc/httpd/conf/httpd.conf"):
            words = line.split()
            if len(words) == 2 and words[0] in ("User", "Group"):
                settings[f"APACHE_RUN_{words[0].upper()}"] = words[1].strip("\"'")
        source = "/etc/httpd/conf/httpd.conf"
    user = settings.get("APACHE_RUN_USER")
    if not user or user.startswith("$") or user.startswith("#"):
        return None
    group = settings.get("APACHE_RUN_GROUP")
    return account_named(user, root, _("Apache's configuration {path}").format(path=source),
                         None if not group or group.startswith("$") else group)


# --- The job runner ----------------------------------------------------------------------

def job_runners(root: Path = Path("/")) -> list[PhpAccount]:
    """Accounts that run MediaWiki's job queue (a command naming runJobs) from the system
    crontab, /etc/cron.d, users' crontabs or a systemd service, with the environment
    variables the files give them."""
    root = Path(root)
    found: list[PhpAccount] = []
    for path in _files(root, _CRON_TABLES):
        found += _cron_runners(root, path, None)
    for path in _files(root, _USER_CRON_TABLES):
        found += _cron_runners(root, path, path.name)
    found += _systemd_runners(root)
    return found


def _cron_runners(root: Path, path: Path, owner: str | None) -> list[PhpAccount]:
    """`owner` is the crontab's user (a user's own table has no user column)."""
    found: list[PhpAccount] = []
    environment: set[str] = set()
    where = "/" + str(path.relative_to(root))
    for line in _lines(path):
        if line.startswith("#"):
            continue
        if not line.startswith("@") and (match := _ENV_LINE.match(line)):
            environment.add(match.group(1))
            continue
        schedule = 1 if line.startswith("@") else 5
        columns = schedule + (1 if owner is None else 0)  # system tables name the user
        fields = line.split(None, columns)
        if len(fields) <= columns:
            continue
        user, command = (fields[schedule] if owner is None else owner), fields[-1]
        if "runjobs" not in command.lower():
            continue
        runner = _runner(root, user, command, frozenset(environment),
                         _("runJobs in {path}").format(path=where))
        if runner is not None:
            found.append(runner)
    return found


def _runner(root: Path, user: str, command: str, environment: frozenset[str],
            source: str, group: str | None = None) -> PhpAccount | None:
    """The account PHP really runs as (after sudo -u, runuser, su) and its variables."""
    switch = _SWITCH_USER.search(command)
    if switch is not None:
        user, group = switch.group(1) or switch.group(2), None
        environment = frozenset()  # sudo, runuser and su - reset the environment
    php_at = re.search(r"\bphp[\w.]*\b", command)
    before_php = command[:php_at.start()] if php_at else command
    inline = frozenset(match.group(1) for word in _words(before_php)
                       if (match := _ASSIGNMENT.match(word)))
    account = account_named(user, root, source, group)
    return None if account is None else PhpAccount(account, Role.JOBS, environment | inline)


def _systemd_runners(root: Path) -> list[PhpAccount]:
    units: dict[str, Path] = {}
    for folder in _UNIT_DIRS:
        for path in sorted((root / folder).glob("*.service")):
            units.setdefault(path.name, path)  # /etc overrides the packages' units
    found: list[PhpAccount] = []
    for name, path in sorted(units.items()):
        values: dict[str, list[str]] = {}
        drop_ins = sorted((root / "etc/systemd/system" / f"{name}.d").glob("*.conf"))
        for file in (path, *drop_ins):
            for line in _lines(file):
                key, sep, value = line.partition("=")
                if sep and not line.startswith(("#", ";")):
                    values.setdefault(key.strip(), []).append(value.strip())
        command = " ".join(values.get("ExecStart", []))
        if "runjobs" not in command.lower() or "yes" in values.get("DynamicUser", []):
            continue
        environment: set[str] = set()
        for assignment in values.get("Environment", []):
            environment |= {m.group(1) for w in _words(assignment)
                            if (m := _ASSIGNMENT.match(w))}
        for env_file in values.get("EnvironmentFile", []):
            environment |= {m.group(1) for line in _lines(root / env_file.lstrip("-/"))
                            if (m := _ENV_LINE.match(line))}
        user = (values.get("User") or ["root"])[-1]
        runner = _runner(root, user, command, frozenset(environment),
                         _("runJobs in the systemd unit {unit}").format(unit=name),
                         values["Group"][-1] if values.get("Group") else None)
        if runner is not None:
            found.append(runner)
    return found


# --- Proof -------------------------------------------------------------------------------

def prove_readable(account: Account, path: Path) -> str | None:
    """Open `path` for reading as `account` (its uid, group and supplementary groups,
    so the folders on the way are judged too); None when that works, else the reason.

    Only root can act as another account; otherwise the verdict of the file's owner,
    group and mode bits stands in.
    """
    if os.geteuid() != 0 or account.uid == 0 or account.gid < 0:
        try:
            return None if can_read(account, path) else _("permission denied")
        except OSError as exc:
            return exc.strerror or str(exc)
    try:
        done = subprocess.run(["/bin/sh", "-c", 'exec 3<"$1"', "sh", str(path)],
                              user=account.uid, group=account.gid,
                              extra_groups=sorted(account.groups), env={"PATH": "/usr/bin:/bin"},
                              cwd="/", capture_output=True, timeout=_PROOF_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)
    if done.returncode == 0:
        return None
    lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1].rpartition(": ")[2] if lines else _("permission denied")


# --- Files -------------------------------------------------------------------------------

def _files(root: Path, patterns: Iterable[str]) -> list[Path]:
    found: list[Path] = []
    for pattern in patterns:
        found += [p for p in sorted(root.glob(pattern)) if p.is_file()]
    return list(dict.fromkeys(found))


def _lines(path: Path) -> list[str]:
    """The stripped, non-empty lines of a small text file; [] if it cannot be read."""
    try:
        with path.open("rb") as handle:
            text = handle.read(_MAX_CONFIG).decode("utf-8", "replace")
    except OSError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: fall back to plain words
        return text.split()
