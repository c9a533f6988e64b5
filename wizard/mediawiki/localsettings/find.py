"""Which LocalSettings.php to use: the one given, else the current or a usual folder."""

from __future__ import annotations

from pathlib import Path

from wizard.mediawiki.localsettings.errors import NotFoundError
from wizard.model.i18n import _

__all__ = ["FILE_NAME", "USUAL_ROOTS", "find_localsettings"]

FILE_NAME = "LocalSettings.php"

USUAL_ROOTS = tuple(Path(p) for p in (
    "/var/www/html", "/var/www/mediawiki", "/var/www/html/w", "/usr/share/mediawiki",
    "/var/lib/mediawiki", "/srv/mediawiki", "/etc/mediawiki"))


def find_localsettings(given: Path | None, cwd: Path, *,
                       roots: tuple[Path, ...] = USUAL_ROOTS) -> Path | None:
    """The LocalSettings.php to use: the given file or wiki folder, else the current
    folder, else the usual install paths. A given path that holds none is an error.

    The path is returned as found, not resolved, so a symbolic link stays visible.
    """
    if given is not None:
        candidate = given / FILE_NAME if given.is_dir() else given
        if candidate.is_file():
            return candidate
        raise NotFoundError(_("There is no LocalSettings.php at {path}. Give the file "
                              "itself or the wiki's folder.").format(path=given), given)
    for folder in (cwd, *roots):
        candidate = folder / FILE_NAME
        if candidate.is_file():
            return candidate
    return None
