"""Which PEAR Mail a wiki sends with, its version, and what that version knows.

MediaWiki's autoloader loads the pear/mail bundled in its `vendor/` before any system
PEAR, so the wiki's copy decides; the system's (Debian's php-mail, a PEAR install) only
counts when the wiki has none. The rules that depend on the version live here, once.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from wizard.mediawiki import php

__all__ = [
    "STARTTLS_KEY_SINCE",
    "SYSTEM_PEAR_DIRS",
    "knows_starttls",
    "loaded_package",
    "pear_knows_starttls",
    "pear_mail_version",
    "system_package_version",
    "system_pear_mail_version",
    "vendor_package_version",
    "version_tuple",
]

SYSTEM_PEAR_DIRS = tuple(Path(p) for p in (
    "/usr/share/php", "/usr/share/pear", "/usr/local/share/pear", "/usr/local/lib/php"))
"""Where distributions install PEAR (Debian, Fedora/RHEL, source installs); each keeps
PEAR's own registry of installed packages in `.registry/`."""

STARTTLS_KEY_SINCE = (1, 5)
"""pear/mail 1.5.0 added the `starttls` key of Mail_smtp; older releases ignore it."""


def version_tuple(text: str | None) -> tuple[int, ...] | None:
    """(1, 5, 1) from "1.5.1" or "v1.5.1"; None when no version number leads the text."""
    match = re.match(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", text or "")
    return tuple(int(part) for part in match.groups() if part is not None) if match else None


def knows_starttls(version: str | None) -> bool | None:
    """Whether this pear/mail version honours `'starttls'`; None when it is unknown."""
    parsed = version_tuple(version)
    return None if parsed is None else parsed >= STARTTLS_KEY_SINCE


def pear_knows_starttls(wiki_root: Path | None) -> bool | None:
    """Whether the pear/mail MediaWiki will load knows the `starttls` key.

    The wiki's own vendor/ copy wins over the system's; None when neither is found.
    """
    version = (pear_mail_version(wiki_root) if wiki_root else None) or \
        system_pear_mail_version()
    return knows_starttls(version)


def pear_mail_version(wiki_root: Path) -> str | None:
    """The version of the pear/mail bundled in `<wiki_root>/vendor`, if any."""
    return vendor_package_version(Path(wiki_root) / "vendor", "pear/mail")


def _installed(vendor: Path) -> list[object]:
    """Composer's record of the packages in `vendor` (every Composer writes it)."""
    try:
        installed = json.loads((vendor / "composer" / "installed.json").read_bytes())
    except (OSError, ValueError):
        return []
    # Composer 2 wraps the list in {"packages": [...]}, Composer 1 writes the list.
    packages = installed.get("packages") if isinstance(installed, dict) else installed
    return packages if isinstance(packages, list) else []


def _package_xml_version(folder: Path) -> str | None:
    try:
        xml = (folder / "package.xml").read_text("utf-8", "replace")
    except OSError:
        return None
    match = re.search(r"<version>\s*<release>\s*([^<\s]+)\s*</release>", xml)
    return match.group(1) if match else None


def vendor_package_version(vendor: Path, name: str) -> str | None:
    """The version of Composer package `name` ("pear/mail") in the folder `vendor`.

    From `vendor/composer/installed.json`, else from the package's own `package.xml`.
    """
    folder = Path(vendor) / name
    if not folder.is_dir():
        return None
    for package in _installed(Path(vendor)):
        if isinstance(package, dict) and package.get("name") == name:
            version = package.get("version")
            if isinstance(version, str) and version:
                return version.removeprefix("v")
    return _package_xml_version(folder)


def system_pear_mail_version(dirs: tuple[Path, ...] = SYSTEM_PEAR_DIRS) -> str | None:
    """The version of the system's PEAR Mail (php-mail, php-pear-Mail)."""
    return system_package_version(dirs, "mail")


def system_package_version(dirs: tuple[Path, ...], registry_name: str) -> str | None:
    """The version of an installed PEAR package ("mail", "net_smtp") from PEAR's
    registry `<dir>/.registry/<name>.reg`, the file `pear list` reads."""
    for folder in dirs:
        try:
            registry = php.unserialize(
                (Path(folder) / ".registry" / f"{registry_name}.reg").read_bytes())
        except (OSError, ValueError):
            continue
        version = registry.get("version") if isinstance(registry, dict) else None
        # package.xml 2.0 registries nest it as {release, api}; 1.0 ones keep a string.
        if isinstance(version, dict):
            version = version.get("release")
        if isinstance(version, str) and version:
            return version
    return None


def loaded_package(file: Path, name: str) -> tuple[str | None, Path]:
    """(version, folder) of the package `name` ("pear/mail") that PHP loaded `file` from.

    Walks up from the file: a Composer `vendor/<name>` folder has its version in
    installed.json; a PEAR folder (/usr/share/php) in its registry; an unpacked release
    in its package.xml. The folder is the package's own (vendor) or the PEAR folder.
    """
    file = Path(file)
    registry_name = name.rpartition("/")[2]
    for folder in file.parents:
        if folder.parent.parent.name == "vendor" and \
                f"{folder.parent.name}/{folder.name}" == name:
            return vendor_package_version(folder.parent.parent, name), folder
        if (folder / ".registry").is_dir():
            return system_package_version((folder,), registry_name), folder
        if (folder / "package.xml").is_file() or (folder / "composer.json").is_file():
            return _package_xml_version(folder), folder
    return None, file.parent
