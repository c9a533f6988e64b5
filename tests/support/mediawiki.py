"""A real MediaWiki for tests in any folder (a pytest plugin, registered in tests/conftest.py).

A wiki is installed once per module with MediaWiki's own `maintenance/install.php`
(Debian's mediawiki 1.39 in /usr/share/mediawiki, SQLite), in a folder laid out like
Debian's /var/lib/mediawiki (links to the install, its own LocalSettings.php) and
readable by the web server's account; `make_wiki` makes one per test with a `$wgSMTP`
block for a loopback server started by `mediawiki_server`, whose certificates that
account can read too. Without MediaWiki, PHP or root the tests skip, and fail in CI
(SMTP_WIZARD_REQUIRE_ALL=1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.support.common import USER
from tests.support.servers import Certs, ServerOptions, SmtpServer, make_certs

MEDIAWIKI = Path("/usr/share/mediawiki")
UPSTREAM_PEAR = Path(__file__).resolve().parents[3] / "shared" / "pear"
# PHP's own include path without the system PEAR (/usr/share/php): only MediaWiki's
# vendor/ can provide it, as on a machine without php-mail.
NO_SYSTEM_PEAR = ("-d", "include_path=.")
Start = Callable[..., SmtpServer]


def required(what: str) -> NoReturn:
    """Skip without `what`; CI (SMTP_WIZARD_REQUIRE_ALL=1) must have it, so fail there."""
    if os.environ.get("SMTP_WIZARD_REQUIRE_ALL"):
        pytest.fail(f"{what} is required in CI (SMTP_WIZARD_REQUIRE_ALL is set)")
    pytest.skip(f"{what} is not available")


@pytest.fixture(scope="module")
def mediawiki_dir() -> Iterator[Path]:
    """A folder the web server's account can read (pytest's own tmp is root's only)."""
    if not (MEDIAWIKI / "maintenance" / "install.php").is_file() or not shutil.which("php"):
        required("MediaWiki (Debian's mediawiki package) with php-cli")
    if os.geteuid() != 0:
        required("root, to run MediaWiki's PHP as the web server's account")
    folder = Path(tempfile.mkdtemp(prefix="smtp-wizard-mediawiki-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture(scope="module")
def installer_settings(mediawiki_dir: Path) -> str:
    """The LocalSettings.php MediaWiki's installer writes (SQLite, $wgServer wiki.test)."""
    conf, db = mediawiki_dir / "installer", mediawiki_dir / "db"
    conf.mkdir()
    db.mkdir()
    done = subprocess.run(
        ["php", str(MEDIAWIKI / "maintenance" / "install.php"), "--dbtype=sqlite",
         f"--dbpath={db}", "--dbname=wiki", "--server=http://wiki.test", "--scriptpath=/w",
         f"--confpath={conf}", "--pass=Adminpassword123!", "Test Wiki", "admin"],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return (conf / "LocalSettings.php").read_text()


@pytest.fixture(scope="module")
def mediawiki_certs(mediawiki_dir: Path) -> Certs:
    """Test certificates the web server's account can read."""
    folder = mediawiki_dir / "certs"
    folder.mkdir()
    certs = make_certs(folder)
    for file in folder.iterdir():
        file.chmod(0o644)
    return certs


@pytest.fixture
def mediawiki_server(mediawiki_certs: Certs) -> Iterator[Start]:
    """Factory: `mediawiki_server(mode="starttls", ...)` starts a loopback server with
    `mediawiki_certs`."""
    started: list[SmtpServer] = []

    def start(**options: Any) -> SmtpServer:
        started.append(SmtpServer(ServerOptions(**options), mediawiki_certs).start())
        return started[-1]

    yield start
    for one in started:
        one.stop()


@pytest.fixture
def make_wiki(mediawiki_dir: Path, installer_settings: str, mediawiki_certs: Certs,
              request: pytest.FixtureRequest) -> Callable[..., Path]:
    """Factory: a wiki folder like Debian's /var/lib/mediawiki whose LocalSettings.php is
    the installer's plus `head`, a $wgSMTP block for `smtp_port` (if given), then `extra`."""
    def make(extra: str = "", smtp_port: int | None = None, password: str = "'s3cret'",
             name: str = "", head: str = "") -> Path:
        folder = mediawiki_dir / f"wiki-{request.node.name}{name}"
        folder.mkdir()
        for entry in MEDIAWIKI.iterdir():
            if entry.name != "LocalSettings.php":
                (folder / entry.name).symlink_to(entry)
        block = "" if smtp_port is None else f"""
$wgSMTP = [
	'host' => '127.0.0.1', 'port' => {smtp_port}, 'auth' => true,
	'username' => '{USER}', 'password' => {password}, 'timeout' => 5,
	'socket_options' => [ 'ssl' => [ 'cafile' => '{mediawiki_certs.ca_file}' ] ],
];
"""
        local = folder / "LocalSettings.php"
        local.write_text(installer_settings + head + block + extra)
        local.chmod(0o644)
        return folder
    return make
