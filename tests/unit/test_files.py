"""Atomic writes and backups: permissions and owner kept, nothing left behind on failure."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.common import mode, read_only
from wizard.store.files import SymlinkRefusedError, atomic_write, backup_name, make_backup

NOW = datetime(2025, 1, 2, 3, 4, 5)
NOBODY = 65534


@contextlib.contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_new_file_gets_the_usual_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.php"
    with umask(0o027):
        atomic_write(target, "ü\n")
    assert target.read_bytes() == "ü\n".encode()
    assert mode(target) == 0o640
    assert leftovers(tmp_path) == []


def test_explicit_mode_is_exact_whatever_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "secrets.php"
    with umask(0o077):
        atomic_write(target, b"x", mode=0o640)
    assert mode(target) == 0o640
    atomic_write(target, b"y", mode=0o600)  # an explicit mode also tightens a file
    assert mode(target) == 0o600


def test_existing_file_keeps_mode_and_owner(tmp_path: Path) -> None:
    target = tmp_path / "LocalSettings.php"
    target.write_bytes(b"old")
    target.chmod(0o604)
    owner = (NOBODY, NOBODY) if os.geteuid() == 0 else (os.geteuid(), os.getegid())
    os.chown(target, *owner)
    with umask(0o077):
        atomic_write(target, b"new")
    info = target.stat()
    assert target.read_bytes() == b"new"
    assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o604, *owner)


def test_new_file_like_another(tmp_path: Path) -> None:
    model = tmp_path / "LocalSettings.php"
    model.write_bytes(b"")
    model.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(model, 0, NOBODY)
    atomic_write(tmp_path / "smtp.php", b"x", like=model)
    info, model_info = (tmp_path / "smtp.php").stat(), model.stat()
    assert stat.S_IMODE(info.st_mode) == 0o640
    assert (info.st_uid, info.st_gid) == (model_info.st_uid, model_info.st_gid)
    atomic_write(tmp_path / "other.php", b"x", like=model, mode=0o600)
    assert mode(tmp_path / "other.php") == 0o600


def test_failed_rename_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep").write_text("x")
    with pytest.raises(OSError):
        atomic_write(target, b"data")
    assert (target / "keep").read_text() == "x"
    assert leftovers(tmp_path) == []


def test_read_only_folder_fails_cleanly(tmp_path: Path) -> None:
    folder = tmp_path / "wiki"
    folder.mkdir()
    target = folder / "LocalSettings.php"
    target.write_bytes(b"old")
    with read_only(folder), pytest.raises(PermissionError):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert leftovers(folder) == []


def test_symlink_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real.php"
    real.write_bytes(b"old")
    link = tmp_path / "link.php"
    link.symlink_to(real)
    with pytest.raises(SymlinkRefusedError):
        atomic_write(link, b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"old"


def test_backup_is_private_exact_and_never_overwrites(tmp_path: Path, backup_dir: Path) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    original = wiki / "LocalSettings.php"
    original.write_bytes(b"<?php\r\n$wgDBpassword = 'db';\r\n")
    original.chmod(0o644)  # as on many installs: a web server would serve a copy beside it
    os.utime(original, (1_000_000_000, 1_000_000_000))
    first = make_backup(original, NOW)
    assert first == backup_name(original, NOW)
    assert first.name == "LocalSettings.php.bak-20250102-030405"
    assert first.is_relative_to(backup_dir) and not first.is_relative_to(wiki)
    assert sorted(p.name for p in wiki.iterdir()) == ["LocalSettings.php"]
    assert first.read_bytes() == original.read_bytes()
    assert mode(first) == 0o600
    for folder in [backup_dir, *(p for p in first.parents if p.is_relative_to(backup_dir))]:
        assert mode(folder) == 0o700, folder
    assert first.stat().st_mtime == 1_000_000_000

    original.write_bytes(b"changed")
    (first.parent / f"{first.name}-1").mkdir()  # taken by something else entirely
    second = make_backup(original, NOW)
    assert second.name == "LocalSettings.php.bak-20250102-030405-2"
    assert first.read_bytes() == b"<?php\r\n$wgDBpassword = 'db';\r\n"
    assert second.read_bytes() == b"changed"


def test_backup_of_a_symlink_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "shadow"
    secret.write_bytes(b"root:x")
    link = tmp_path / "LocalSettings.php"
    link.symlink_to(secret)
    with pytest.raises(SymlinkRefusedError):
        make_backup(link, NOW)


def test_backup_folder_that_is_a_symlink_is_refused(tmp_path: Path, backup_dir: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    backup_dir.symlink_to(elsewhere)
    original = tmp_path / "LocalSettings.php"
    original.write_bytes(b"x")
    with pytest.raises(SymlinkRefusedError):
        make_backup(original, NOW)
    assert list(elsewhere.iterdir()) == []


def test_folder_swapped_for_a_link_during_the_write_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race: a folder on the way becomes a link after the path was resolved. The
    walk opens each component with O_NOFOLLOW, so the write fails instead of landing
    in the link's target."""
    real = tmp_path / "etc"
    real.mkdir()
    victim = real / "passwd"
    victim.write_bytes(b"root:x")
    (tmp_path / "wiki").symlink_to(real)
    # Resolution happened before the swap: the walk sees the link itself.
    monkeypatch.setattr(os.path, "realpath", lambda path: os.fspath(path))
    with pytest.raises(SymlinkRefusedError):
        atomic_write(tmp_path / "wiki" / "passwd", b"owned")
    assert victim.read_bytes() == b"root:x"


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_target_that_is_not_a_file_is_refused(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "target"
    if kind == "folder":
        target.mkdir()
    else:
        os.mkfifo(target)
    with pytest.raises(OSError):
        atomic_write(target, b"x")
    assert leftovers(tmp_path) == []
