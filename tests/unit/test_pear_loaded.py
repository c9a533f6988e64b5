"""Which MediaWiki install runs a settings file, and which PEAR release a loaded file is.

Trees of real files laid out as Debian lays out MediaWiki (settings in /etc, the install
in /usr/share, links from /var/lib) and as Composer and PEAR lay out their packages.
"""

from __future__ import annotations

import json
from pathlib import Path

from wizard.mediawiki.pear import loaded_package
from wizard.mediawiki.root import find_install_root

REGISTRY_141 = (b'a:2:{s:4:"name";s:4:"Mail";s:7:"version";'
                b'a:2:{s:7:"release";s:5:"1.4.1";s:3:"api";s:5:"1.3.0";}}')


def _install(folder: Path) -> Path:
    (folder / "maintenance").mkdir(parents=True)
    (folder / "maintenance" / "Maintenance.php").write_text("<?php\n")
    (folder / "includes").mkdir()
    return folder


def test_settings_beside_the_install(tmp_path: Path) -> None:
    root = _install(tmp_path / "w")
    (root / "LocalSettings.php").write_text("<?php\n")
    assert find_install_root(root / "LocalSettings.php") == root


def test_debian_settings_in_etc_are_found_through_the_links(tmp_path: Path) -> None:
    """/etc/mediawiki/LocalSettings.php has no install beside it; /var/lib/mediawiki
    links to it and to the install's code."""
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "LocalSettings.php").write_text("<?php\n")
    share = _install(tmp_path / "share")
    var = tmp_path / "var"
    var.mkdir()
    for name in ("maintenance", "includes"):
        (var / name).symlink_to(share / name)
    (var / "LocalSettings.php").symlink_to(etc / "LocalSettings.php")
    other = _install(tmp_path / "other")  # an install whose settings are another file
    (other / "LocalSettings.php").write_text("<?php\n")
    assert find_install_root(etc / "LocalSettings.php") is None
    assert find_install_root(etc / "LocalSettings.php", roots=(other, var)) == var
    # MediaWiki's own MW_INSTALL_PATH names the install when scripts get --conf.
    assert find_install_root(etc / "LocalSettings.php", install_path=str(share)) == share
    assert find_install_root(etc / "LocalSettings.php", ip=str(share)) == share


def test_vendored_package_version_from_composer(tmp_path: Path) -> None:
    vendor = tmp_path / "vendor"
    mail = vendor / "pear" / "mail"
    (mail / "Mail").mkdir(parents=True)
    (vendor / "composer").mkdir()
    (vendor / "composer" / "installed.json").write_text(json.dumps(
        {"packages": [{"name": "pear/mail", "version": "v1.5.1"}]}))
    assert loaded_package(mail / "Mail" / "smtp.php", "pear/mail") == ("1.5.1", mail)


def test_system_package_version_from_the_pear_registry(tmp_path: Path) -> None:
    share = tmp_path / "share" / "php"
    (share / ".registry").mkdir(parents=True)
    (share / ".registry" / "mail.reg").write_bytes(REGISTRY_141)
    assert loaded_package(share / "Mail.php", "pear/mail") == ("1.4.1", share)


def test_unpacked_release_without_a_version(tmp_path: Path) -> None:
    """An upstream checkout (composer.json, no package.xml): the folder, no version."""
    mail = tmp_path / "pear" / "mail"
    mail.mkdir(parents=True)
    (mail / "composer.json").write_text('{"name": "pear/mail"}')
    assert loaded_package(mail / "Mail.php", "pear/mail") == (None, mail)
