"""Translation hook: every user-facing sentence goes through `_()`; English is the source.

The language is chosen the way gettext programs choose it: the first of LANGUAGE (a
colon-separated list of preferences), LC_ALL, LC_MESSAGES and LANG that is set; "C" and
"POSIX" mean English, as does a language without a catalogue. `set_language()` (the
`--lang` option) overrides the environment. `_()` looks the translation up at each call,
so a text marked at import time with `N_()` and shown later with `_()` follows a
language chosen after the import. The catalogues are compiled `.mo` files shipped in the
package (`wizard/locale`): reading them needs the standard library only.
"""

from __future__ import annotations

import gettext
import os
import re
from collections.abc import Mapping
from pathlib import Path

__all__ = ["DOMAIN", "LOCALE_DIR", "N_", "_", "available_languages", "current_language",
           "language_from_env", "ngettext", "set_language"]

DOMAIN = "smtp-wizard"
LOCALE_DIR = Path(__file__).parents[1] / "locale"
ENGLISH = "en"
_ENV_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
_NEUTRAL = {"C", "POSIX"}
# "zh_CN.UTF-8@latin" -> language "zh", region "CN"; a script subtag (zh_Hans) counts as
# a region here, which is all the choice below needs.
_LOCALE_NAME = re.compile(r"([A-Za-z]{2,3})(?:[_-]([A-Za-z0-9]+))?")
# Simplified Chinese is written in mainland China and Singapore; Taiwan, Hong Kong and
# Macau write Traditional Chinese, which has no catalogue (English is better than the
# wrong script).
_SIMPLIFIED = {"", "CN", "SG", "HANS", "CHS"}


class _State:
    translation: gettext.NullTranslations | None = None
    language = ENGLISH


def available_languages() -> list[str]:
    """The languages with a compiled catalogue, English (the source) first."""
    found = sorted(path.parent.parent.name
                   for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return [ENGLISH, *found]


def _catalogue_for(name: str) -> str | None:
    """The catalogue that serves a locale name ("zh_CN.UTF-8", "zh", "en_GB"), or None
    for English; raises LookupError for a language without a catalogue."""
    if name.split(".")[0].split("@")[0] in _NEUTRAL:
        return None
    match = _LOCALE_NAME.fullmatch(name.split(".")[0].split("@")[0])
    if match is None:
        raise LookupError(name)
    language, region = match.group(1).lower(), (match.group(2) or "").upper()
    if language == ENGLISH:
        return None
    if language == "zh" and region in _SIMPLIFIED:
        return "zh_CN"
    candidate = f"{language}_{region}" if region else language
    for known in (candidate, language):
        if known in available_languages():
            return known
    raise LookupError(name)


def language_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for and a catalogue serves ("en" if none)."""
    environ = os.environ if environ is None else environ
    for variable in _ENV_VARS:
        value = environ.get(variable, "")
        if not value:
            continue
        for preference in value.split(":"):
            try:
                return _catalogue_for(preference) or ENGLISH
            except LookupError:
                continue  # the next preference; gettext's fallback too
        return ENGLISH
    return ENGLISH


def set_language(name: str | None = None) -> str:
    """Translate into `name` ("zh_CN", "zh_CN.UTF-8", "en", "C") from now on; None
    goes back to what the environment asks for. Returns the catalogue's language.
    Raises LookupError for a language without a catalogue."""
    language = language_from_env() if name is None else (_catalogue_for(name) or ENGLISH)
    if language == ENGLISH:
        translation = gettext.NullTranslations()
    else:
        translation = gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language])
    _State.translation, _State.language = translation, language
    return language


def _translation() -> gettext.NullTranslations:
    if _State.translation is None:
        set_language(None)
    assert _State.translation is not None
    return _State.translation


def current_language() -> str:
    _translation()
    return _State.language


def _(message: str) -> str:
    """`message` in the current language (itself, in English or when untranslated)."""
    return _translation().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for `n` in the current language."""
    return _translation().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; `_()` translates it where shown."""
    return message
