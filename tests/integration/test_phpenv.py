"""PHP's side, asked of the real `php`: version, openssl, and where PEAR is found.

Include paths are set explicitly (`-d include_path=...` or a folder of our own), so the
answers do not depend on which PEAR packages the machine happens to have.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from tests.support.common import require_program
from wizard.mediawiki.phpenv import AUTH_SASL_FILE, PEAR_FILES, probe_php, vendor_include_paths

WIKIS = Path(__file__).parents[1] / "fixtures" / "doctor" / "wikis"
LIVE = WIKIS / "live"


@pytest.fixture
def php() -> str:
    return require_program("php")


def _pear_tree(root: Path, *, auth_sasl: bool) -> Path:
    """A folder laid out like /usr/share/php, with empty files where PEAR's would be."""
    files = [*PEAR_FILES, AUTH_SASL_FILE] if auth_sasl else list(PEAR_FILES)
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("<?php\n")
    return root


async def test_php_reports_its_version_and_openssl(php: str) -> None:
    env = await probe_php(php)
    assert env.ok, env.error
    version = subprocess.run([php, "-r", "echo PHP_VERSION;"], capture_output=True,
                             text=True, check=True).stdout
    assert env.version == version
    modules = subprocess.run([php, "-m"], capture_output=True, text=True, check=True).stdout
    assert env.openssl is ("openssl" in modules.split())


async def test_php_without_ini_still_reports_openssl_truthfully(php: str) -> None:
    """`php -n` loads no php.ini, so no extension that php.ini enables. Debian's PHP has
    openssl compiled in, so it stays; a PHP that loads it from php.ini loses it. Either
    way the probe must agree with PHP's own module list."""
    env = await probe_php(php, args=("-n",))
    assert env.ok, env.error
    assert env.ini_file == ""
    modules = subprocess.run([php, "-n", "-m"], capture_output=True, text=True,
                             check=True).stdout
    assert env.openssl is ("openssl" in modules.split())


async def test_pear_found_and_auth_sasl_absent(php: str, tmp_path: Path) -> None:
    tree = _pear_tree(tmp_path / "share", auth_sasl=False)
    env = await probe_php(php, include_path=str(tree))
    assert env.missing_pear == ()
    assert env.files["Net/Socket.php"] == str(tree / "Net/Socket.php")
    assert not env.auth_sasl


async def test_auth_sasl_present(php: str, tmp_path: Path) -> None:
    tree = _pear_tree(tmp_path / "share", auth_sasl=True)
    env = await probe_php(php, include_path=str(tree))
    assert env.auth_sasl
    assert env.files[AUTH_SASL_FILE] == str(tree / AUTH_SASL_FILE)


async def test_an_include_path_without_pear_misses_every_package(php: str,
                                                                 tmp_path: Path) -> None:
    env = await probe_php(php, include_path=str(tmp_path))
    assert env.ok
    assert env.missing_pear == ("PEAR", "Mail", "Net_SMTP", "Net_Socket")
    assert env.include_path == str(tmp_path)


async def test_only_net_socket_missing(php: str, tmp_path: Path) -> None:
    """The seed's “Failed opening required Net/Socket.php”: one package short."""
    tree = _pear_tree(tmp_path / "share", auth_sasl=False)
    (tree / "Net/Socket.php").unlink()
    env = await probe_php(php, include_path=str(tree))
    assert env.missing_pear == ("Net_Socket",)


async def test_wiki_vendor_comes_first_on_the_include_path(php: str) -> None:
    """Composer puts vendor/ first, so the wiki's own PEAR wins even when PHP's own
    include path has none (here: a path that does not exist)."""
    env = await probe_php(php, wiki_root=LIVE, args=("-d", "include_path=/nonexistent"))
    assert env.missing_pear == ()
    vendor = LIVE.resolve() / "vendor" / "pear"
    assert env.files["Mail.php"] == str(vendor / "mail" / "Mail.php")
    assert env.files["PEAR.php"] == str(vendor / "pear-core-minimal" / "src" / "PEAR.php")
    assert env.auth_sasl
    assert env.include_path.endswith(":/nonexistent")


async def test_set_include_path_replaces_vendor_too(php: str, tmp_path: Path) -> None:
    """LocalSettings.php runs after Composer's autoloader: its set_include_path() wins
    for every file PEAR includes by name (MediaWiki: “Failed opening required
    'PEAR.php'”), while the class Mail still comes from vendor/ through Composer."""
    env = await probe_php(php, wiki_root=LIVE, include_path=str(tmp_path))
    assert env.missing_pear == ("PEAR", "Net_SMTP", "Net_Socket")
    vendor = LIVE.resolve() / "vendor" / "pear" / "mail"
    assert env.files["Mail.php"] == str(vendor / "Mail.php")
    # Mail::factory() includes Mail/smtp.php by name first, then falls back to Composer.
    assert env.files["Mail/smtp.php"] == str(vendor / "Mail" / "smtp.php")


async def test_mail_comes_from_vendor_before_the_system_pear(php: str, tmp_path: Path) -> None:
    """Composer's autoloader loads the class Mail from vendor/ even when the include path
    (here a system-like PEAR folder put first by LocalSettings.php) holds another."""
    tree = _pear_tree(tmp_path / "share", auth_sasl=False)
    env = await probe_php(php, wiki_root=LIVE, include_path=str(tree))
    assert env.files["Mail.php"] == str(LIVE.resolve() / "vendor/pear/mail/Mail.php")
    assert env.files["Net/SMTP.php"] == str(tree / "Net/SMTP.php")


async def test_relative_include_path_entries_count_from_the_wiki(php: str,
                                                                 tmp_path: Path) -> None:
    _pear_tree(tmp_path / "lib", auth_sasl=False)
    env = await probe_php(php, wiki_root=tmp_path, include_path="lib")
    assert env.missing_pear == ()


def test_vendor_paths_from_installed_json() -> None:
    paths = vendor_include_paths(LIVE)
    vendor = LIVE.absolute() / "vendor" / "pear"
    assert vendor / "mail" in paths
    assert vendor / "pear-core-minimal" / "src" in paths


def test_vendor_paths_without_include_path_records() -> None:
    """An installed.json that records no include-path: every vendor/pear package."""
    root = Path(__file__).parents[1] / "fixtures" / "wikis" / "modern"
    assert vendor_include_paths(root) == [root.absolute() / "vendor" / "pear" / "mail"]


async def test_missing_php_is_a_finding_not_an_exception(tmp_path: Path) -> None:
    env = await probe_php(str(tmp_path / "bin" / "php"))
    assert not env.present
    assert "There is no PHP program" in env.error


async def test_a_php_that_fails_is_reported(tmp_path: Path) -> None:
    """A real program in PHP's place that exits with an error (a broken PHP build)."""
    broken = tmp_path / "php"
    broken.write_text("#!/bin/sh\necho 'PHP Fatal error: broken' >&2\nexit 255\n")
    broken.chmod(0o755)
    env = await probe_php(str(broken))
    assert env.present and not env.ok
    assert "exit status 255" in env.error and "broken" in env.error


async def test_a_php_that_hangs_is_stopped(tmp_path: Path) -> None:
    hanging = tmp_path / "php"
    hanging.write_text("#!/bin/sh\nexec sleep 30\n")
    hanging.chmod(0o755)
    env = await asyncio.wait_for(probe_php(str(hanging), timeout=0.5), 5)
    assert env.present and "did not answer" in env.error
