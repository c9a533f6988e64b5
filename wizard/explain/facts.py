"""Facts read from an error text, and the catalogue's sentences filled with them.

A fact is a named group of a pattern (`host`, `port`, `sender`, `names`, ...) or the
first server reply in the text (`reply`). The catalogue's sentences name the facts they
need; one the text does not give is shown as “…”, as in the README's table, except the
optional tails (`seen_as`, `suggestion`, `alt`) which are left out.
"""

from __future__ import annotations

import re
import string

from wizard.explain.codes import parse_reply
from wizard.explain.text import clip
from wizard.model.diagnosis import CATALOGUE, Diagnosis, diagnose
from wizard.model.i18n import _

__all__ = ["fill", "reply_fact", "shown_facts"]

_OPTIONAL = ("seen_as", "suggestion", "alt")
# The groups that build `reply`, and the quote of a Python literal: not facts themselves.
_INTERNAL = {"reply_code", "reply_text", "q"}
_PACKAGES = {"Net/Socket": "Net_Socket", "Net/SMTP": "Net_SMTP", "Mail": "Mail",
             "PEAR": "PEAR", "Auth/SASL": "Auth_SASL"}


def reply_fact(groups: dict[str, str]) -> str | None:
    """The reply a pattern's groups hold, as “535 5.7.8 text”."""
    code, text = groups.get("reply_code"), groups.get("reply_text")
    if not code or text is None or not re.fullmatch(r"[2-5]\d\d", code):
        return None
    return str(parse_reply(code, text))


def _derived(facts: dict[str, str]) -> dict[str, str]:
    """Facts that follow from others: the PEAR package a missing file belongs to."""
    file = facts.get("file", "")
    if file:
        stem = file.removesuffix(".php")
        package = next((name for prefix, name in _PACKAGES.items()
                        if stem == prefix or stem.startswith(prefix + "/")), stem)
        return {"packages": package}
    return {}


def shown_facts(groups: dict[str, str | None], base: dict[str, str]) -> dict[str, str]:
    """`base` (facts of the whole text) updated with a match's groups, each made short
    and visible; internal groups become `reply`."""
    facts = dict(base)
    present = {key: value for key, value in groups.items() if value}
    reply = reply_fact(present)
    if reply:
        facts["reply"] = reply
    for key, value in present.items():
        if key not in _INTERNAL:
            facts[key] = value.strip()
    facts |= _derived(facts)
    return {key: clip(value) for key, value in facts.items()}


def _needed(template: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}


def fill(code: str, read: dict[str, str], fixed: dict[str, str]) -> Diagnosis:
    """The catalogue entry for `code`, with the facts read from the text, the pattern's
    fixed facts (translated; they win, being that pattern's own) and “…” for any other
    fact its sentences name."""
    cause, fix = CATALOGUE[code]
    facts: dict[str, object] = {name: "" if name in _OPTIONAL else "…"
                                for name in _needed(cause) | _needed(fix)}
    facts |= read
    facts |= {key: _(value) for key, value in fixed.items()}
    return diagnose(code, **facts)
