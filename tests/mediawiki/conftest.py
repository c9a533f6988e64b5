"""A real MediaWiki for the tests of this group: Debian's `mediawiki` package, a wiki
made by its own installer on SQLite, the web server's account and a job runner of its own.

Everything the wiki's PHP reads lives in a folder under /tmp that other accounts may
enter (pytest's own folders are private to root). Without MediaWiki (or without root,
which the accounts need) the tests skip; CI sets SMTP_WIZARD_REQUIRE_ALL=1, which turns
those skips into failures.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mediawiki.site import (
    JOB_USER,
    MEDIAWIKI,
    SCRIPT,
    SHARED_PEAR,
    WEB_USER,
    Site,
    unavailable,
)
from tests.support.common import require_program
from tests.support.servers import Certs


@pytest.fixture(scope="session")
def site(certs: Certs) -> Iterator[Site]:
    if not (MEDIAWIKI / "maintenance" / "install.php").is_file():
        unavailable(f"MediaWiki is not installed in {MEDIAWIKI} (Debian: apt install mediawiki)")
    php = require_program("php")
    modules = subprocess.run([php, "-m"], capture_output=True, text=True, check=True).stdout
    if "pdo_sqlite" not in modules:
        unavailable("PHP has no SQLite (Debian: apt install php-sqlite3)")
    if os.geteuid() != 0:
        unavailable("the MediaWiki tests run the wiki as other accounts, which needs root")
    if not (SHARED_PEAR / "mail" / "Mail.php").is_file():
        unavailable(f"upstream PEAR is not in {SHARED_PEAR}")
    folder = Path(tempfile.mkdtemp(prefix="smtp-wizard-wiki-", dir="/tmp"))
    try:
        folder.chmod(0o755)
        (folder / "db").mkdir()
        (folder / "installed").mkdir()
        subprocess.run(
            [php, str(MEDIAWIKI / "maintenance" / "install.php"), "--dbtype=sqlite",
             f"--dbpath={folder / 'db'}", "--dbname=wiki", "--server=http://wiki.test",
             "--scriptpath=/w", f"--confpath={folder / 'installed'}",
             "--pass=Adminpassword123!", "Test Wiki", "admin"],
            capture_output=True, text=True, timeout=120, check=True)
        shutil.copy(certs.ca_file, folder / "ca.pem")
        shutil.copy(SCRIPT, folder / SCRIPT.name)
        shutil.copytree(SHARED_PEAR, folder / "pear")
        for path in (folder / "pear", folder / "ca.pem", folder / SCRIPT.name):
            subprocess.run(["chmod", "-R", "a+rX", str(path)], check=True)
        yield Site(folder, folder / "installed" / "LocalSettings.php", php,
                   folder / SCRIPT.name, folder / "ca.pem", folder / "pear")
    finally:
        shutil.rmtree(folder)


@pytest.fixture(autouse=True)
def mediawiki_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings files live outside MediaWiki's folder, as on Debian: MediaWiki's own
    variable tells maintenance scripts (and the wizard) where MediaWiki is."""
    monkeypatch.setenv("MW_INSTALL_PATH", str(MEDIAWIKI))


@pytest.fixture(scope="session")
def job_user(site: Site) -> Iterator[str]:
    """A job runner's account of its own, in no group with the web server."""
    created = False
    try:
        pwd.getpwnam(JOB_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", JOB_USER], check=True)
        created = True
    assert JOB_USER not in grp.getgrnam(WEB_USER).gr_mem
    try:
        yield JOB_USER
    finally:
        if created:
            subprocess.run(["userdel", JOB_USER], check=False)
