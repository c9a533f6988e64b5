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
    "pear_knows_starttls",
    "pear_mail_version",
    "system_pear_mail_version",
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
    """The version of the pear/mail bundled in `<wiki_root>/vendor`, if any.

    Read from Composer's `vendor/composer/installed.json` (every Composer writes it),
    else from the package's own `package.xml`.
    """
    vendor = Path(wiki_root) / "vendor"
    if not (vendor / "pear" / "mail").is_dir():
        return None
    try:
        installed = json.loads((vendor / "composer" / "installed.json").read_bytes())
    except (OSError, ValueError):
        installed = None
    # Composer 2 wraps the list in {"packages": [...]}, Composer 1 writes the list.
    packages = installed.get("packages") if isinstance(installed, dict) else installed
    for package in packages if isinstance(packages, list) else []:
        if isinstance(package, dict) and package.get("name") == "pear/mail":
            version = package.get("version")
            if isinstance(version, str) and version:
                return version.removeprefix("v")
    try:
        xml = (vendor / "pear" / "mail" / "package.xml").read_text("utf-8", "replace")
    except OSError:
        return None
    match = re.search(r"<version>\s*<release>\s*([^<\s]+)\s*</release>", xml)
    return match.group(1) if match else None


def system_pear_mail_version(dirs: tuple[Path, ...] = SYSTEM_PEAR_DIRS) -> str | None:
    """The version of the system's PEAR Mail (php-mail, php-pear-Mail), from PEAR's
    registry `<dir>/.registry/mail.reg`, the file `pear list` reads."""
    for folder in dirs:
        try:
            registry = php.unserialize((Path(folder) / ".registry" / "mail.reg").read_bytes())
        except (OSError, ValueError):
            continue
        version = registry.get("version") if isinstance(registry, dict) else None
        # package.xml 2.0 registries nest it as {release, api}; 1.0 ones keep a string.
        if isinstance(version, dict):
            version = version.get("release")
        if isinstance(version, str) and version:
            return version
    return None
