"""Atomic writes and backups: permissions and owner kept, nothing left behind on failure."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.common import mode, read_only
from wizard.store.files import (
    SymlinkRefusedError,
    atomic_write,
    backup_name,
    check_writable,
    make_backup,
    read_nofollow,
)

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


def _plant_link(folder: Path, name: str, target: Path) -> Path:
    """A link planted by the account that owns `folder`: nobody, when we are root (a
    real other account, as the web server's would be), else ourselves."""
    link = folder / name
    if os.geteuid() == 0 and shutil.which("setpriv"):
        subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                        "--clear-groups", "ln", "-s", str(target), str(link)], check=True)
    else:
        link.symlink_to(target)
    return link


@pytest.fixture
def reachable(tmp_path: Path) -> Iterator[Path]:
    """A folder other accounts may enter (pytest's own are 0700 from the top)."""
    if os.geteuid() != 0:
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="files-", dir="/tmp"))
    try:
        folder.chmod(0o755)
        yield folder
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize("how", ["writable-by-all", "owned-by-another-account"])
def test_link_on_the_way_that_another_account_controls_is_refused(
        reachable: Path, backup_dir: Path, how: str) -> None:
    """O_NOFOLLOW guards only the last component: the web server's account, which may
    write to the wiki's parent folder, replaces the wiki's folder by a link to /etc. The
    write must not land in /etc, and the message says which link and why."""
    tmp_path = reachable
    etc = tmp_path / "etc"
    etc.mkdir()
    victim = etc / "passwd"
    victim.write_bytes(b"root:x")
    www = tmp_path / "www"
    www.mkdir()
    if how == "writable-by-all":
        www.chmod(0o777)
    elif os.geteuid() == 0:
        os.chown(www, NOBODY, NOBODY)
    else:
        pytest.skip("only root can give a folder to another account")
    _plant_link(www, "wiki", etc)
    target = www / "wiki" / "passwd"
    for attempt in (lambda: atomic_write(target, b"owned"), lambda: make_backup(target, NOW),
                    lambda: check_writable(target)):
        with pytest.raises(SymlinkRefusedError) as refused:
            attempt()
        assert refused.value.filename == str(www / "wiki")
        assert "another account" in str(refused.value.strerror)
    assert victim.read_bytes() == b"root:x"
    assert sorted(p.name for p in etc.iterdir()) == ["passwd"]


def test_link_on_the_way_that_only_we_control_is_followed(tmp_path: Path) -> None:
    """Debian links /var/lib/mediawiki to /etc/mediawiki; root owns the link and the
    folder it is in, so following it is safe, in a private folder or a sticky one."""
    real = tmp_path / "etc-mediawiki"
    real.mkdir()
    for holder_mode in (0o755, 0o1777):
        holder = tmp_path / f"lib-{holder_mode:o}"
        holder.mkdir()
        holder.chmod(holder_mode)
        (holder / "mediawiki").symlink_to(real)
        atomic_write(holder / "mediawiki" / "LocalSettings.php", f"{holder_mode:o}")
        assert (real / "LocalSettings.php").read_text() == f"{holder_mode:o}"
        assert read_nofollow(holder / "mediawiki" / "LocalSettings.php") == \
            f"{holder_mode:o}".encode()


def test_a_link_loop_on_the_way_is_an_error_not_a_hang(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(OSError):
        atomic_write(tmp_path / "a" / "x", b"x")


@pytest.mark.parametrize("case", ["missing-folder", "folder", "link", "read-only-folder",
                                  "read-only-file"])
def test_check_writable_names_the_problem_before_any_write(tmp_path: Path, case: str) -> None:
    folder = tmp_path / "wiki"
    folder.mkdir()
    target = folder / "out.php"
    guard: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if case == "missing-folder":
        target = folder / "missing" / "out.php"
    elif case == "folder":
        target.mkdir()
    elif case == "link":
        target.symlink_to(tmp_path / "elsewhere")
    elif case == "read-only-folder":
        guard = read_only(folder)
    else:
        target.write_bytes(b"old")
        guard = read_only(target)
    with guard, pytest.raises(OSError) as refused:
        check_writable(target)
    assert str(refused.value.filename).startswith(str(folder))
    check_writable(tmp_path / "fine.php")  # a writable place passes


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
