"""Mail provider presets: the data lives in `providers.toml` beside it, this module reads it.

A preset says which host, port and security a provider's submission service uses, what
goes in the user name field, and the few facts people trip over (app passwords, a user
name that is literally "apikey"). `match_domain` recognises an address at the provider
itself (gmail.com); `match_mx` recognises a custom domain hosted there by its MX hosts
(aspmx.l.google.com, *.mail.protection.outlook.com).

Notes and hints are stored in English and translated when shown (`Provider.shown_notes`).
Each preset names its sources; a fact none of them confirms is listed in `unverified`,
and the shown notes say so.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from wizard.model.fields import check_hostname, check_port
from wizard.model.i18n import _
from wizard.model.settings import Security

__all__ = ["UNVERIFIABLE", "Provider", "Region", "load_providers", "match_domain",
           "match_mx"]


@dataclass(frozen=True)
class Region:
    """Another host of the same service (an AWS region, Mailgun's EU cluster)."""

    label: str
    host: str
    mx: tuple[str, ...] = ()
    """MX suffixes that say a domain uses this region."""


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    host: str
    port: int
    security: Security
    alternatives: tuple[tuple[int, Security], ...] = ()
    """Other (port, security) pairs the service accepts."""
    username: str = ""
    """The user name where it is fixed (SendGrid: "apikey"); empty otherwise."""
    username_hint: str = ""
    domains: tuple[str, ...] = ()
    mx: tuple[str, ...] = ()
    regions: tuple[Region, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    """Where the facts come from: the provider's documentation, the ISPDB."""
    unverified: tuple[str, ...] = ()
    """Fields no source confirms (host, port, alternatives, mx, regions, notes, ...)."""
    ispdb_differs: str = ""
    """Why the preset deliberately differs from the ISPDB entry for its domains."""
    region: str = ""
    """The region label when a match picked one (`match_mx`), else empty."""

    def shown_notes(self) -> list[str]:
        notes = [_(note) for note in self.notes]
        if self.unverified:
            notes.append(_("Unverified ({fields}): no documentation of the provider's own "
                           "confirmed this; check it in the provider's help pages.").format(
                fields=", ".join(self.unverified)))
        return notes

    def to_dict(self) -> dict[str, object]:
        """The JSON form, notes translated as shown."""
        return {
            "id": self.id, "name": self.name, "host": self.host, "port": self.port,
            "security": str(self.security),
            "alternatives": [{"port": port, "security": str(security)}
                             for port, security in self.alternatives],
            "username": self.username or None,
            "username_hint": self.shown_username_hint() or None,
            "domains": list(self.domains), "mx": list(self.mx),
            "regions": [{"label": r.label, "host": r.host, "mx": list(r.mx)}
                        for r in self.regions],
            "notes": self.shown_notes(), "sources": list(self.sources),
            "unverified": list(self.unverified),
        }

    def shown_username_hint(self) -> str:
        return _(self.username_hint) if self.username_hint else ""

    def in_region(self, region: Region) -> Provider:
        """This preset with the region's host."""
        return dataclasses.replace(self, host=region.host, region=region.label)

    def matches_domain(self, domain: str) -> bool:
        name = _normal(domain)
        return any(name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:]))
                   for pattern in self.domains)


def _normal(name: str) -> str:
    return name.strip().rstrip(".").lower()


def _suffix_match(host: str, suffix: str) -> bool:
    return host == suffix or host.endswith("." + suffix)


_KEYS = {"id", "name", "host", "port", "security", "alternatives", "username",
         "username_hint", "domains", "mx", "regions", "notes", "sources", "unverified",
         "ispdb_differs"}
UNVERIFIABLE = {"host", "port", "security", "alternatives", "username", "domains", "mx",
                "regions", "notes"}
"""The fields a preset may mark as unverified."""


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"expected a list of strings, not {value!r}")
    return tuple(value)


def _unverified(fields: tuple[str, ...]) -> tuple[str, ...]:
    unknown = set(fields) - UNVERIFIABLE
    if unknown:
        raise ValueError(f"unverified names unknown fields {sorted(unknown)}")
    return fields


def _parse(entry: dict[str, Any]) -> Provider:
    """One [[provider]] table, every field checked: a bad entry is a packaging bug."""
    pid = str(entry.get("id", "?"))
    try:
        unknown = set(entry) - _KEYS
        if unknown:
            raise KeyError(f"unknown keys {sorted(unknown)}")
        return Provider(
            id=entry["id"],
            name=entry["name"],
            host=check_hostname(entry["host"]),
            port=check_port(entry["port"]),
            security=Security(entry["security"]),
            alternatives=tuple((check_port(alt["port"]), Security(alt["security"]))
                               for alt in entry.get("alternatives", [])),
            username=entry.get("username", ""),
            username_hint=entry.get("username_hint", ""),
            domains=tuple(_normal(d) for d in _strings(entry.get("domains", []))),
            mx=tuple(_normal(m) for m in _strings(entry.get("mx", []))),
            regions=tuple(Region(region["label"], check_hostname(region["host"]),
                                 tuple(_normal(m) for m in _strings(region.get("mx", []))))
                          for region in entry.get("regions", [])),
            notes=_strings(entry.get("notes", [])),
            sources=_strings(entry.get("sources", [])),
            unverified=_unverified(_strings(entry.get("unverified", []))),
            ispdb_differs=entry.get("ispdb_differs", ""),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"providers.toml: provider {pid!r} is malformed: {error}") from error


@functools.cache
def load_providers() -> tuple[Provider, ...]:
    """Every preset, in file order (read once)."""
    text = resources.files("wizard.smtp").joinpath("providers.toml").read_text("utf-8")
    return tuple(_parse(entry) for entry in tomllib.loads(text)["provider"])


def match_domain(domain: str) -> Provider | None:
    """The provider whose users have addresses at `domain` (gmail.com -> Google)."""
    return next((p for p in load_providers() if p.matches_domain(domain)), None)


def match_mx(mx_hosts: Iterable[str]) -> Provider | None:
    """The provider hosting a domain with these MX hosts (best preference first).

    The first MX host that matches any suffix decides; among the suffixes that match
    it, the longest wins, and a region's suffix selects that region's host.
    """
    for host in (_normal(h) for h in mx_hosts):
        best: tuple[int, Provider] | None = None
        for provider in load_providers():
            for region in (None, *provider.regions):
                suffixes = provider.mx if region is None else region.mx
                for suffix in suffixes:
                    if _suffix_match(host, suffix) and (best is None or len(suffix) > best[0]):
                        best = (len(suffix), provider if region is None
                                else provider.in_region(region))
        if best is not None:
            return best[1]
    return None
