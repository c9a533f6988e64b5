"""Translation hook: every user-facing sentence goes through `_()`; English is the source."""

from __future__ import annotations

import gettext
from pathlib import Path

__all__ = ["N_", "_", "ngettext"]

_LOCALE_DIR = Path(__file__).parent / "locale"
_translation = gettext.translation("smtp-wizard", localedir=_LOCALE_DIR, fallback=True)

_ = _translation.gettext
ngettext = _translation.ngettext


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; `_()` translates it where shown."""
    return message
