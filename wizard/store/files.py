"""Safe file writes shared by everything that writes: atomic replace and private backups.

A reader (the web server, a second admin) sees either the old file or the new one, never
half of it; a crash leaves the old file and no stray temp file; the new file has its
final owner and permissions from the first byte, so a password never sits in a
world-readable file, not even for a moment.

The tool often runs as root in folders that another account (the web server's) can
write to. Such an account could plant a symbolic link where we are about to write, or
swap a folder on the way for one, to make root overwrite any file on the system. So a
write never follows a symbolic link at the file itself, and follows one on the way only
when no other account could have put it there (`_open_folder`): the folder is opened
component by component with `O_NOFOLLOW`, and everything after that (the check of the
target, the temp file, owner and mode, the rename) happens relative to that open folder
and on open descriptors.

Backups hold secrets (the database password, the SMTP password) and a web server serves
`LocalSettings.php.bak-…` as plain text, so backups never sit beside the file: they go to
a private folder (mode 0700) of the account running the tool, each file mode 0600.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from wizard.model.i18n import _

__all__ = [
    "BACKUP_DIR_VARIABLE",
    "SymlinkRefusedError",
    "atomic_write",
    "backup_folder",
    "backup_name",
    "check_writable",
    "make_backup",
    "read_nofollow",
    "same_file",
]

_BACKUP_TIME = "%Y%m%d-%H%M%S"
# Backups made within the same second get -1, -2, ...; past this something is wrong
# (a loop), and stopping beats filling the folder.
_MAX_BACKUP_SUFFIX = 1000
BACKUP_DIR_VARIABLE = "SMTP_WIZARD_BACKUP_DIR"
"""Names the backup folder instead of the default (tests, and admins with a policy)."""
# Root's backups go where Debian's own tools keep theirs; nothing serves /var/backups.
_ROOT_BACKUPS = Path("/var/backups/smtp-wizard")
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# As the kernel's own limit on links followed in one path: beyond it, a loop.
_MAX_LINKS = 40


class SymlinkRefusedError(OSError):
    """A symbolic link sits where the tool would write (or on the way to it): writing
    would change the file it points to, so the caller must name the real path on purpose."""


def atomic_write(path: Path, data: bytes | str, *, mode: int | None = None,
                 like: Path | None = None, owner: tuple[int, int] | None = None) -> None:
    """Replace `path` with `data` atomically: temp file in the same folder, fsync, rename.

    Permission bits: `mode` if given, else those of the existing file, else of `like`,
    else the usual default (0o666 minus the umask). Owner and group: `owner` if given,
    else of the existing file, else of `like`, else the caller's. The temp file gets them
    before any data is written, and is removed on any failure; errors are the `OSError`
    that caused them. A symbolic link at `path` or on the way to it is refused
    (`SymlinkRefusedError`).
    """
    path = Path(os.path.abspath(path))
    content = data.encode("utf-8") if isinstance(data, str) else data
    with _open_folder(path.parent) as folder:
        current = _lstat_in(folder, path)
        if current is not None and not stat.S_ISREG(current.st_mode):
            raise _not_a_file(path, current)
        template = current or (_stat_or_none(like) if like is not None else None)
        bits = mode if mode is not None else (
            stat.S_IMODE(template.st_mode) if template is not None else None)
        ids = owner or ((template.st_uid, template.st_gid) if template is not None else None)

        temp = f".{path.name}.{secrets.token_hex(4)}.tmp"
        # Without explicit bits the umask applies as for any new file; with them, start
        # at owner-only so group/other never see the data before chown/chmod made it right.
        initial = 0o666 if bits is None else bits & 0o600
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                         | os.O_CLOEXEC, initial, dir_fd=folder)
        except OSError as exc:  # the temp file's name would mean nothing to the user
            raise type(exc)(exc.errno, exc.strerror, str(path)) from None
        done = False
        try:
            if ids is not None and ids != (os.geteuid(), os.getegid()):
                os.fchown(fd, *ids)
            if bits is not None:
                os.fchmod(fd, bits)
            _write_all(fd, content)
            os.fsync(fd)
            os.close(fd)
            fd = -1
            # A link planted after the check above is replaced by the rename, never
            # written through: rename works on names, not on what they point to.
            try:
                os.replace(temp, path.name, src_dir_fd=folder, dst_dir_fd=folder)
            except OSError as exc:
                raise type(exc)(exc.errno, exc.strerror, str(path)) from None
            done = True
            with contextlib.suppress(OSError):  # some file systems cannot fsync a folder
                os.fsync(folder)
        finally:
            if fd >= 0:
                os.close(fd)
            if not done:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temp, dir_fd=folder)


def read_nofollow(path: Path) -> bytes:
    """The bytes of a regular file, refusing a symbolic link at `path` (or one on the way
    that another account could have planted)."""
    path = Path(os.path.abspath(path))
    with _open_folder(path.parent) as folder:
        try:
            fd = os.open(path.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                         dir_fd=folder)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _link_refused(path) from None
            raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # before fdopen, which names a folder by its number
        os.close(fd)
        raise _not_a_file(path, info)
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def check_writable(path: Path) -> None:
    """Raise the OSError a write of `path` would end in, before anything is written: a
    folder that is missing or read-only, a symbolic link, a folder or a device at `path`.

    A command that writes two files checks both first, so that a bad second path does
    not leave the first one written alone.
    """
    path = Path(os.path.abspath(path))
    with _open_folder(path.parent) as folder:
        current = _lstat_in(folder, path)
        if current is not None and not stat.S_ISREG(current.st_mode):
            raise _not_a_file(path, current)
        # access() knows what the mode bits do not say: a read-only file system, and the
        # immutable attribute, which stops root too.
        if not os.access(".", os.W_OK | os.X_OK, dir_fd=folder):
            raise PermissionError(errno.EACCES, _("the folder is not writable"), str(path))
        if current is not None and not os.access(path.name, os.W_OK, dir_fd=folder):
            raise PermissionError(errno.EACCES, _("the file is read-only"), str(path))


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name the same file: the same text, or the same inode."""
    if os.path.abspath(first) == os.path.abspath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:
        return os.path.realpath(first) == os.path.realpath(second)


def backup_folder() -> Path:
    """Where backups go: $SMTP_WIZARD_BACKUP_DIR, else /var/backups/smtp-wizard for root,
    else $XDG_STATE_HOME/smtp-wizard/backups (~/.local/state/...) for anyone else."""
    named = os.environ.get(BACKUP_DIR_VARIABLE)
    if named:
        return Path(os.path.abspath(named))
    if os.geteuid() == 0:
        return _ROOT_BACKUPS
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(state) / "smtp-wizard" / "backups"


def backup_name(path: Path, now: datetime) -> Path:
    """The backup of `/var/www/w/LocalSettings.php`:
    `<backup folder>/var/www/w/LocalSettings.php.bak-20250102-030405`."""
    original = Path(os.path.abspath(path))
    relative = original.relative_to(original.anchor)
    return backup_folder() / relative.parent / f"{original.name}.bak-{now.strftime(_BACKUP_TIME)}"


def make_backup(path: Path, now: datetime | None = None) -> Path:
    """Copy `path` into the private backup folder, never overwriting a backup; return it.

    The copy is 0600 and owned by whoever runs the tool, in folders that are 0700: a
    backup of a file holding a password is readable by nobody else, and no web server
    serves it. A name already taken gets `-1`, `-2`, ... appended.
    """
    data = read_nofollow(path)
    info = Path(os.path.abspath(path)).lstat()
    base = backup_name(path, now or datetime.now())
    _private_folders(base.parent)
    with _open_folder(base.parent) as folder:
        for suffix in range(_MAX_BACKUP_SUFFIX):
            name = base.name if suffix == 0 else f"{base.name}-{suffix}"
            try:
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                             | os.O_CLOEXEC, 0o600, dir_fd=folder)
            except FileExistsError:
                continue
            break
        else:
            raise FileExistsError(f"{base}: {_MAX_BACKUP_SUFFIX} backups with this name exist")
        done = False
        try:
            os.fchmod(fd, 0o600)
            _write_all(fd, data)
            os.utime(fd, ns=(info.st_atime_ns, info.st_mtime_ns))
            os.fsync(fd)
            done = True
        finally:
            os.close(fd)
            if not done:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(name, dir_fd=folder)
        with contextlib.suppress(OSError):
            os.fsync(folder)
    return base.with_name(name)


def _private_folders(folder: Path) -> None:
    """Create the backup folder and the folders below it as 0700, refusing links and
    folders that belong to someone else (they could read or swap our backups)."""
    root = backup_folder()
    if not root.exists():
        root.mkdir(mode=0o700, parents=True)
    chain = [root]
    for part in folder.relative_to(root).parts:
        chain.append(chain[-1] / part)
    for current in chain:
        with contextlib.suppress(FileExistsError):
            current.mkdir(mode=0o700)
        info = current.lstat()
        if stat.S_ISLNK(info.st_mode):
            raise SymlinkRefusedError(errno.ELOOP, "the backup folder is a symbolic link",
                                      str(current))
        if info.st_uid != os.geteuid():
            raise PermissionError(errno.EPERM, "the backup folder belongs to another account",
                                  str(current))
        if stat.S_IMODE(info.st_mode) & 0o077:
            current.chmod(0o700)


@contextlib.contextmanager
def _open_folder(folder: Path) -> Iterator[int]:
    """Open `folder`, component by component from /, each with O_NOFOLLOW relative to the
    one before; yield the descriptor of the last.

    A symbolic link on the way is followed only if no other account could have put it
    there or could change it: the link belongs to root or to us, and so does the folder
    holding it, which nobody else may write to (unless its sticky bit keeps others from
    replacing our links, as in /tmp). Debian's /var/lib/mediawiki -> /etc/mediawiki is
    such a link. A link in a folder the web server's account can write to could point
    anywhere, so it is refused, and the message says which one and why.
    """
    pending = list(Path(os.path.abspath(folder)).parts[1:])
    fd = os.open("/", _FOLDER_FLAGS)
    where = Path("/")
    links = 0
    try:
        while pending:
            part = pending.pop(0)
            try:
                child = os.open(part, _FOLDER_FLAGS, dir_fd=fd)
            except OSError as exc:
                # O_DIRECTORY | O_NOFOLLOW on a link fails with ENOTDIR on Linux.
                if exc.errno == errno.ENOENT:
                    raise FileNotFoundError(exc.errno, _("there is no such folder"),
                                            str(where / part)) from None
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR) or not _is_link(fd, part):
                    raise type(exc)(exc.errno, exc.strerror, str(where / part)) from None
                links += 1
                if links > _MAX_LINKS:
                    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(folder)) from None
                _trust_link(fd, part, where / part)
                target = os.readlink(part, dir_fd=fd)
                if target.startswith("/"):
                    root = os.open("/", _FOLDER_FLAGS)
                    os.close(fd)
                    fd, where = root, Path("/")
                pending[:0] = [p for p in target.split("/") if p not in ("", ".")]
                continue
            os.close(fd)
            fd = child
            where = where.parent if part == ".." else where / part
        yield fd
    finally:
        os.close(fd)


def _trust_link(folder: int, name: str, path: Path) -> None:
    """Refuse the link `name` in the open `folder` unless only root or we control it."""
    trusted = (0, os.geteuid())
    link = os.stat(name, dir_fd=folder, follow_symlinks=False)
    holder = os.fstat(folder)
    others_write = stat.S_IMODE(holder.st_mode) & 0o022 and not holder.st_mode & stat.S_ISVTX
    if link.st_uid in trusted and holder.st_uid in trusted and not others_write:
        return
    raise SymlinkRefusedError(errno.ELOOP, _(
        "is a symbolic link in a folder that another account can change, so it could "
        "point anywhere; name the real folder instead"), str(path))


def _is_link(folder: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _link_refused(path: Path) -> SymlinkRefusedError:
    return SymlinkRefusedError(errno.ELOOP, _(
        "is a symbolic link, which the tool never writes through (the file it points to "
        "would change); name that file instead"), str(path))


def _lstat_in(folder: int, path: Path) -> os.stat_result | None:
    try:
        info = os.stat(path.name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        raise _link_refused(path)
    return info


def _not_a_file(path: Path, info: os.stat_result) -> OSError:
    if stat.S_ISDIR(info.st_mode):
        return IsADirectoryError(errno.EISDIR, _("is a folder, not a file; name a file "
                                                 "in it"), str(path))
    return OSError(errno.EINVAL, _("is not a regular file"), str(path))


def _write_all(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view):]


def _stat_or_none(path: Path) -> os.stat_result | None:
    try:
        return Path(path).stat()
    except FileNotFoundError:
        return None
