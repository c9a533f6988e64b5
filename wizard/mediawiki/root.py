"""Where MediaWiki itself is installed for a LocalSettings.php.

MediaWiki runs from its install folder (`$IP`: the folder of index.php and maintenance/),
loads its Composer `vendor/` from there, and reads LocalSettings.php from the same
folder or from a path given with `--conf`. The two differ on Debian: the package installs
MediaWiki in /usr/share/mediawiki and the settings in /etc/mediawiki, reached through
symbolic links from /var/lib/mediawiki and /usr/share/mediawiki. So the folder of the
settings file is not always the one whose `vendor/` MediaWiki loads.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from wizard.mediawiki.localsettings import USUAL_ROOTS, WikiConfig

__all__ = ["ENTRY_FILE", "find_install_root", "is_install_root", "mediawiki_for"]

ENTRY_FILE = Path("maintenance") / "Maintenance.php"
"""Present in every MediaWiki install: the bootstrap of maintenance scripts."""


def is_install_root(folder: Path) -> bool:
    """Whether `folder` holds a MediaWiki install (its maintenance bootstrap and code)."""
    return (folder / ENTRY_FILE).is_file() and (folder / "includes").is_dir()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve(strict=True) == b.resolve(strict=True)
    except (OSError, RuntimeError):  # a dangling or looping link
        return False


def find_install_root(localsettings: Path, *, ip: str | None = None,
                      install_path: str | None = None,
                      roots: Iterable[Path] = ()) -> Path | None:
    """The MediaWiki install that runs `localsettings`, or None when none is found.

    In order: the file's own folder (as named, then with links resolved), the literal
    `$IP` the file sets, `install_path` (MediaWiki's own MW_INSTALL_PATH variable, which
    names the install when the settings live elsewhere and scripts get `--conf`), then
    each of `roots` whose LocalSettings.php is (a link to) this very file, as on Debian.
    Nothing is guessed beyond that: a settings file with no install pointing at it has no
    known install.
    """
    localsettings = Path(localsettings)
    candidates = [localsettings.absolute().parent, localsettings.resolve().parent]
    candidates += [Path(hint) for hint in (ip, install_path) if hint]
    for folder in dict.fromkeys(candidates):
        if is_install_root(folder):
            return folder
    for folder in roots:
        if is_install_root(folder) and _same_file(folder / "LocalSettings.php", localsettings):
            return folder
    return None


def mediawiki_for(config: WikiConfig) -> Path | None:
    """The MediaWiki install that runs this settings file: found from the file (its
    folder, `$IP`, the usual places linking to it), else the folder MW_INSTALL_PATH
    names, MediaWiki's own variable for a settings file kept elsewhere."""
    ip = config.value("IP")
    found = find_install_root(config.path, ip=ip if isinstance(ip, str) else None,
                              roots=USUAL_ROOTS)
    named = os.environ.get("MW_INSTALL_PATH")
    if found is None and named and is_install_root(Path(named)):
        return Path(named)
    return found
