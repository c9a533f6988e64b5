"""Facts about this machine that decide whether a wiki can send mail, read from files.

SELinux (enforcing? the httpd booleans), the cloud it runs in (Amazon EC2 throttles port
25) and the account the web server's PHP runs as. Everything is read below `root`
(normally "/"), the way the system's own tools read it, so tests pass a tree of real
files. No network call, no subprocess: this is safe to run anywhere, as any user.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "HTTPD_BOOLEANS",
    "Account",
    "Cloud",
    "SELinux",
    "account_named",
    "can_read",
    "default_web_accounts",
    "detect_cloud",
    "read_selinux",
    "web_server_accounts",
]

HTTPD_BOOLEANS = ("httpd_can_network_connect", "httpd_can_sendmail")
"""The booleans that let the web server reach a mail server (any port / SMTP ports and
the local sendmail)."""

_SELINUXFS = Path("sys/fs/selinux")
# Process names (as /proc/<pid>/status shows them, cut at 15 characters) of programs that
# run PHP, best first: php-fpm runs the wiki's PHP itself, Apache with mod_php does; nginx
# only hands requests on, so its account is a last resort.
_WEB_SERVERS = (("php-fpm",), ("apache2", "httpd", "lighttpd"), ("nginx",))
_MAX_SMALL_FILE = 4096
# The accounts distributions' web server packages create (Debian/Ubuntu, RHEL/Fedora,
# nginx's own packages, Arch, openSUSE), for when no web server is running to ask.
_DEFAULT_WEB_USERS = ("www-data", "apache", "nginx", "http", "wwwrun")


def _read_small(path: Path) -> str | None:
    """A short text file (sysfs, procfs), stripped; None if it is absent or unreadable."""
    try:
        with path.open("rb") as handle:
            return handle.read(_MAX_SMALL_FILE).decode("utf-8", "replace").strip()
    except OSError:  # absent, or a root-only sysfs file read by another user
        return None


# --- SELinux -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SELinux:
    """SELinux as `getenforce` and `getsebool` report it."""

    enabled: bool
    """selinuxfs is mounted: a policy is loaded (enforcing or permissive)."""
    enforcing: bool = False
    booleans: dict[str, bool] = field(default_factory=dict)
    """The current value of each asked-for boolean the policy defines."""
    pending: dict[str, bool] = field(default_factory=dict)
    """Booleans whose pending value (applied on the next commit) differs from the current."""


def read_selinux(root: Path = Path("/"), names: tuple[str, ...] = HTTPD_BOOLEANS) -> SELinux:
    """Read `/sys/fs/selinux/enforce` and `booleans/<name>` ("current pending") below `root`.

    A boolean the loaded policy does not define is left out of `booleans`.
    """
    folder = Path(root) / _SELINUXFS
    enforce = _read_small(folder / "enforce")
    if enforce is None:
        return SELinux(enabled=False)
    booleans: dict[str, bool] = {}
    pending: dict[str, bool] = {}
    for name in names:
        text = _read_small(folder / "booleans" / name)
        values = text.split() if text else []
        if not values or not all(value in ("0", "1") for value in values):
            continue
        booleans[name] = values[0] == "1"
        if len(values) > 1 and values[1] != values[0]:
            pending[name] = values[1] == "1"
    return SELinux(enabled=True, enforcing=enforce == "1", booleans=booleans, pending=pending)


# --- Cloud -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cloud:
    provider: str | None
    """"ec2" on Amazon EC2, None elsewhere (or when nothing says so)."""
    evidence: str = ""
    """The file and value that said so, e.g. "/sys/class/dmi/id/sys_vendor: Amazon EC2"."""

    @property
    def is_ec2(self) -> bool:
        return self.provider == "ec2"


def detect_cloud(root: Path = Path("/")) -> Cloud:
    """Amazon EC2 from the DMI tables (Nitro and most Xen instances) or the Xen UUID."""
    root = Path(root)
    checks: tuple[tuple[str, Callable[[str], bool]], ...] = (
        ("sys/class/dmi/id/sys_vendor", lambda v: v == "Amazon EC2"),
        ("sys/class/dmi/id/board_vendor", lambda v: v == "Amazon EC2"),
        # Readable by root only; the vendor files above usually answer first.
        ("sys/class/dmi/id/product_uuid", lambda v: v.lower().startswith("ec2")),
        # Older Xen instances have no DMI vendor but a hypervisor UUID starting "ec2".
        ("sys/hypervisor/uuid", lambda v: v.lower().startswith("ec2")),
    )
    for relative, matches in checks:
        value = _read_small(root / relative)
        if value and matches(value):
            return Cloud("ec2", f"/{relative}: {value}")
    return Cloud(None)


# --- Web server account ------------------------------------------------------------------

@dataclass(frozen=True)
class Account:
    """A user account as the kernel sees it: what it may read depends on these ids."""

    name: str
    uid: int
    gid: int
    groups: frozenset[int]
    """Every group the account is in, the primary one included."""
    source: str
    """How it was found: "process php-fpm8.2 (pid 812)", "owner of /var/www/..."."""
    group_name: str = ""


@dataclass(frozen=True)
class _UserDb:
    """/etc/passwd and /etc/group below a root, as far as they are readable."""

    users: dict[int, tuple[str, int]]
    """uid -> (name, primary gid)."""
    groups: dict[int, tuple[str, frozenset[str]]]
    """gid -> (name, member names)."""

    @classmethod
    def read(cls, root: Path) -> _UserDb:
        users: dict[int, tuple[str, int]] = {}
        for fields in _colon_file(root / "etc/passwd", 4):
            if fields[2].isdigit() and fields[3].isdigit():
                users.setdefault(int(fields[2]), (fields[0], int(fields[3])))
        groups: dict[int, tuple[str, frozenset[str]]] = {}
        for fields in _colon_file(root / "etc/group", 3):
            if fields[2].isdigit():
                members = frozenset(m for m in (fields[3] if len(fields) > 3 else "").split(",")
                                    if m)
                groups.setdefault(int(fields[2]), (fields[0], members))
        return cls(users, groups)

    def account(self, uid: int, gid: int | None, extra: frozenset[int], source: str) -> Account:
        """The account of `uid`; `gid` None means its primary group as /etc/passwd says
        (-1 when the user is not listed there: no group is then assumed)."""
        name, primary = self.users.get(uid, (f"uid {uid}", -1))
        gid = primary if gid is None else gid
        member_of = frozenset(g for g, (_n, members) in self.groups.items() if name in members)
        group_name = self.groups.get(gid, (str(gid), frozenset()))[0] if gid >= 0 else ""
        own = frozenset({gid}) if gid >= 0 else frozenset()
        return Account(name, uid, gid, own | extra | member_of, source, group_name)


def _colon_file(path: Path, min_fields: int) -> list[list[str]]:
    try:
        text = path.read_text("utf-8", "replace")
    except OSError:
        return []
    rows = [line.split(":") for line in text.splitlines() if line and not line.startswith("#")]
    return [row for row in rows if len(row) >= min_fields]


def _process_status(path: Path) -> tuple[str, int, int, frozenset[int]] | None:
    """(name, effective uid, effective gid, supplementary groups) from /proc/<pid>/status."""
    try:
        text = path.read_text("utf-8", "replace")
    except OSError:  # the process ended while we looked, or hidepid is set
        return None
    fields = dict(line.partition(":")[::2] for line in text.splitlines())
    uids, gids = fields.get("Uid", "").split(), fields.get("Gid", "").split()
    if len(uids) < 2 or len(gids) < 2 or not (uids[1].isdigit() and gids[1].isdigit()):
        return None
    groups = frozenset(int(g) for g in fields.get("Groups", "").split() if g.isdigit())
    return fields.get("Name", "").strip(), int(uids[1]), int(gids[1]), groups


def web_server_accounts(root: Path = Path("/"), localsettings: Path | None = None,
                        ) -> list[Account]:
    """The accounts the wiki's PHP may run as, most likely first, without duplicates.

    From the process table (php-fpm, then Apache, then nginx; their root-owned master
    processes do not count), then the owner of LocalSettings.php when that is not root.
    """
    root = Path(root)
    users = _UserDb.read(root)
    found: dict[int, tuple[int, Account]] = {}
    try:
        pids = sorted((p for p in (root / "proc").iterdir() if p.name.isdigit()),
                      key=lambda p: int(p.name))
    except OSError:
        pids = []
    for pid in pids:
        status = _process_status(pid / "status")
        if status is None:
            continue
        name, uid, gid, groups = status
        rank = next((i for i, names in enumerate(_WEB_SERVERS)
                     if any(name.startswith(n) for n in names)), None)
        if rank is None or uid == 0:
            continue
        if uid not in found or rank < found[uid][0]:
            source = f"process {name} (pid {pid.name})"
            found[uid] = (rank, users.account(uid, gid, groups, source))
    accounts = [account for _rank, account in sorted(found.values(), key=lambda r: r[0])]
    if localsettings is not None:
        try:
            info = Path(localsettings).stat()
        except OSError:
            info = None
        if info is not None and info.st_uid != 0 and info.st_uid not in found:
            accounts.append(users.account(info.st_uid, None, frozenset(),
                                          f"owner of {localsettings}"))
    return accounts


def default_web_accounts(root: Path = Path("/")) -> list[Account]:
    """The web server's account as the distribution's packages name it, when no web
    server process says so (it is stopped, or the wiki is being set up)."""
    users = _UserDb.read(Path(root))
    by_name = {name: uid for uid, (name, _gid) in users.users.items()}
    for name in _DEFAULT_WEB_USERS:
        if name in by_name:
            return [users.account(by_name[name], None, frozenset(),
                                  f"the distribution's web server account {name}")]
    return []


def account_named(name: str, root: Path = Path("/"), source: str = "",
                  group: str | None = None) -> Account | None:
    """The account called `name` (or a numeric uid) as /etc/passwd and /etc/group list it;
    `group` names its group instead of the primary one (a php-fpm pool's `group =`).
    None when there is no such account, or no such group."""
    users = _UserDb.read(Path(root))
    uid = int(name) if name.isdigit() else next(
        (uid for uid, (user, _gid) in users.users.items() if user == name), None)
    if uid is None or (not name.isdigit() and uid not in users.users):
        return None
    gid: int | None = None
    if group:
        gid = int(group) if group.isdigit() else next(
            (gid for gid, (named, _m) in users.groups.items() if named == group), None)
        if gid is None:
            return None
    return users.account(uid, gid, frozenset(), source or name)


def can_read(account: Account, path: Path) -> bool:
    """Whether `account` may read `path` by its owner, group and mode bits.

    Only the file's own bits are judged (not ACLs, not the folders above it): enough to
    catch the usual mistake, a secrets file with mode 0600 owned by the admin.
    """
    info = Path(path).stat()
    if account.uid == 0:
        return True
    if info.st_uid == account.uid:
        return bool(info.st_mode & stat.S_IRUSR)
    if info.st_gid in account.groups:
        return bool(info.st_mode & stat.S_IRGRP)
    return bool(info.st_mode & stat.S_IROTH)

