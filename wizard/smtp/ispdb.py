"""Thunderbird's ISP database, shipped: every mail domain it knows, with no network.

`ispdb.json` beside this module is derived from a snapshot of the ISPDB by
scripts/ispdb_derive.py (it names the snapshot; the data is under the Mozilla Public
License 2.0, whose notice the file carries). It is read once, on first use.

`match_domain` finds the provider of an address's domain (163.com); `match_mx` finds the
provider hosting a custom domain by its MX host's parent domains, the way Thunderbird
looks up the MX host's domain (mx.yandex.net -> yandex.net).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from wizard.smtp.clientconfig import ClientConfig

__all__ = ["Ispdb", "load_ispdb", "match_domain", "match_mx", "parent_domains"]


@dataclass(frozen=True)
class Ispdb:
    source: str
    license: str
    notice: str
    providers: tuple[ClientConfig, ...]

    @functools.cached_property
    def by_domain(self) -> dict[str, ClientConfig]:
        return {domain: config for config in self.providers for domain in config.domains}


@functools.cache
def load_ispdb() -> Ispdb:
    text = resources.files("wizard.smtp").joinpath("ispdb.json").read_text("utf-8")
    data = json.loads(text)
    return Ispdb(data["source"], data["license"], data["notice"],
                 tuple(ClientConfig.from_dict(entry) for entry in data["providers"]))


def _normal(name: str) -> str:
    return name.strip().rstrip(".").lower()


def match_domain(domain: str) -> ClientConfig | None:
    """The ISPDB entry listing `domain` (ASCII form) as one of its mail domains."""
    return load_ispdb().by_domain.get(_normal(domain))


def parent_domains(host: str) -> list[str]:
    """`host`'s parent domains with at least two labels, nearest first:
    a.mx.example.co.jp -> mx.example.co.jp, example.co.jp, co.jp."""
    labels = _normal(host).split(".")
    return [".".join(labels[index:]) for index in range(1, len(labels) - 1)]


def match_mx(mx_hosts: Iterable[str]) -> tuple[ClientConfig, str] | None:
    """The entry for the first MX host whose parent domain the ISPDB lists, and that
    domain: aspmx.l.google.com -> (Google Mail, "google.com")."""
    for host in mx_hosts:
        for parent in parent_domains(host):
            config = match_domain(parent)
            if config is not None:
                return config, parent
    return None
