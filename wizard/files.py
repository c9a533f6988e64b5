"""Safe file writes shared by everything that writes: atomic replace and backups.

A reader (the web server, a second admin) sees either the old file or the new one, never
half of it; a crash leaves the old file and no stray temp file; the new file has the
permissions and owner of the one it replaces from the first byte, so a password never
sits in a world-readable file, not even for a moment.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from datetime import datetime
from pathlib import Path

__all__ = ["SymlinkRefusedError", "atomic_write", "backup_name", "make_backup"]

_BACKUP_TIME = "%Y%m%d-%H%M%S"
# Backups made within the same second get -1, -2, ...; past this something is wrong
# (a loop), and stopping beats filling the folder.
_MAX_BACKUP_SUFFIX = 1000


class SymlinkRefusedError(OSError):
    """The target is a symbolic link: renaming over it would replace the link, not the
    file it points to, so the caller must pass the real path on purpose."""


def atomic_write(path: Path, data: bytes | str, *, mode: int | None = None,
                 like: Path | None = None) -> None:
    """Replace `path` with `data` atomically: temp file in the same folder, fsync, rename.

    Permission bits: `mode` if given, else those of the existing file, else of `like`,
    else the usual default (0o666 minus the umask). Owner and group: of the existing file,
    else of `like`, else the caller's. The temp file gets them before any data is written,
    and is removed on any failure; errors are the `OSError` that caused them.
    A symbolic link at `path` is refused (`SymlinkRefusedError`).
    """
    path = Path(path)
    if path.is_symlink():
        raise SymlinkRefusedError(errno.ELOOP, "refusing to replace a symbolic link",
                                  str(path))
    content = data.encode("utf-8") if isinstance(data, str) else data
    template = _stat_or_none(path) or (_stat_or_none(like) if like is not None else None)
    bits = mode if mode is not None else (
        stat.S_IMODE(template.st_mode) if template is not None else None)

    folder = path.parent
    temp = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
    # Without explicit bits the umask applies as for any new file; with them, start at
    # owner-only so group/other never see the data before chown/chmod made it right.
    initial = 0o666 if bits is None else bits & 0o600
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, initial)
    done = False
    try:
        if template is not None and (template.st_uid, template.st_gid) != (
                os.geteuid(), os.getegid()):
            os.fchown(fd, template.st_uid, template.st_gid)
        if bits is not None:
            os.fchmod(fd, bits)
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(temp, path)
        done = True
        _fsync_dir(folder)
    finally:
        if fd >= 0:
            os.close(fd)
        if not done:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


def backup_name(path: Path, now: datetime) -> Path:
    """`LocalSettings.php.bak-20250102-030405` next to `path`."""
    return path.with_name(f"{path.name}.bak-{now.strftime(_BACKUP_TIME)}")


def make_backup(path: Path, now: datetime | None = None) -> Path:
    """Copy `path` to a timestamped backup beside it, never overwriting one; return it.

    The copy has the original's permission bits from the start (and its owner and group
    where we may set them), so a backup of a file holding a password is no more readable
    than the file. A name already taken gets `-1`, `-2`, ... appended.
    """
    path = Path(path)
    data = path.read_bytes()
    info = path.stat()
    base = backup_name(path, now or datetime.now())
    bits = stat.S_IMODE(info.st_mode)
    for suffix in range(_MAX_BACKUP_SUFFIX):
        candidate = base if suffix == 0 else base.with_name(f"{base.name}-{suffix}")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                         bits & 0o600)
        except FileExistsError:
            continue
        break
    else:
        raise FileExistsError(f"{base}: {_MAX_BACKUP_SUFFIX} backups with this name exist")
    done = False
    try:
        # As root the backup keeps the owner; as anyone else it is ours, with the same
        # bits, which is never more readable than the original.
        with contextlib.suppress(PermissionError):
            os.fchown(fd, info.st_uid, info.st_gid)
        os.fchmod(fd, bits)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        done = True
    finally:
        os.close(fd)
        if not done:
            with contextlib.suppress(FileNotFoundError):
                candidate.unlink()
    os.utime(candidate, ns=(info.st_atime_ns, info.st_mtime_ns))
    _fsync_dir(path.parent)
    return candidate


def _stat_or_none(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable; some file systems cannot fsync a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
