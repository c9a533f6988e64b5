"""Constants and helpers every test group uses: the test account, outside programs,
backups, read-only paths, PHP and the command line as a user runs them."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PASSWORD = "s3cret"

USER = "wiki@example.org"


def backups_of(path: Path) -> list[Path]:
    """The backups made of `path`, oldest name first."""
    from wizard.store.files import backup_name

    folder = backup_name(path, dt.datetime(2000, 1, 1)).parent
    return sorted(folder.glob(f"{path.name}.bak-*")) if folder.is_dir() else []


def require_program(name: str) -> str:
    """The path of an outside program; skip without it, except in CI where it must exist.

    CI sets SMTP_WIZARD_REQUIRE_ALL=1, which turns this skip into a failure, so the
    tests that need PHP, gnome-keyring or tmux always run there.
    """
    path = shutil.which(name)
    if path is None:
        if os.environ.get("SMTP_WIZARD_REQUIRE_ALL"):
            pytest.fail(f"{name} is required in CI (SMTP_WIZARD_REQUIRE_ALL is set)")
        pytest.skip(f"{name} is not installed")
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make a file or folder really unwritable for this process, even as root.

    A normal user gets chmod a-w. Root ignores modes, so root gets the immutable
    attribute (`chattr +i`), which stops root too; where that is unavailable (no
    CAP_LINUX_IMMUTABLE, a file system without it) the test is skipped.
    """
    before = mode(path)
    immutable = False
    if os.geteuid() != 0:
        path.chmod(before & ~0o222)
    else:
        chattr = shutil.which("chattr")
        done = chattr and subprocess.run([chattr, "+i", str(path)], capture_output=True,
                                         check=False)
        if not done or done.returncode != 0:
            pytest.skip("cannot make a path read-only for root here (chattr +i failed)")
        immutable = True
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(before)


def run_php(script: str, stdin: bytes) -> bytes:
    """Run a PHP script with the settings that decide tokenizing pinned."""
    php = require_program("php")
    done = subprocess.run(
        [php, "-d", "short_open_tag=0", "-d", "display_errors=stderr",
         "-d", "error_reporting=-1", "-r", script],
        input=stdin, capture_output=True, timeout=60, check=True)
    return done.stdout


ROOT = Path(__file__).parents[2]


def cli(*args: str, stdin: str = "", env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    if env is not None and "SMTP_WIZARD_BACKUP_DIR" in os.environ:
        # A test's own environment still keeps backups out of the real /var/backups.
        env = {"SMTP_WIZARD_BACKUP_DIR": os.environ["SMTP_WIZARD_BACKUP_DIR"], **env}
    return subprocess.run([sys.executable, "-m", "wizard", *args], input=stdin, text=True,
                          capture_output=True, cwd=ROOT, env=env, timeout=60)
