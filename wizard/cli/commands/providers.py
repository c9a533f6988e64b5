"""`smtp-wizard providers [DOMAIN]`: what the wizard knows offline, for people and scripts.

Without a domain: every curated preset and a summary of the shipped ISPDB. With a domain
or an address: the preset and the ISPDB entry that match it (the preset wins where both
do), or, for a host name, the provider its MX suffix belongs to. Never touches the
network. Exit 0 when something matched (or for the list), 1 when nothing did.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.cli.common import EXIT_OK
from wizard.model.i18n import N_, _

if TYPE_CHECKING:
    # Only for annotations: the data and the settings model load when the command runs,
    # not for --help.
    from wizard.model.settings import Security
    from wizard.smtp.clientconfig import ClientConfig
    from wizard.smtp.providers import Provider

EXIT_UNKNOWN = 1

# By the values of `Security` (a StrEnum: its members look up as their strings).
_SECURITY = {"tls": "ssl://", "starttls": "STARTTLS", "none": N_("plain")}


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "providers", help=_("show the provider presets and the ISPDB (no network)"),
        description=_("Show what the wizard knows about a mail domain without touching the "
                      "network: curated presets first, then Thunderbird's ISPDB."))
    parser.add_argument("domain", nargs="?", metavar="DOMAIN",
                        help=_("a mail domain or address, such as qq.com or alice@163.com"))
    parser.add_argument("--json", action="store_true", help=_("machine-readable output"))


@dataclass(frozen=True)
class _Match:
    source: str
    """preset or ispdb"""
    why: str
    preset: Provider | None = None
    config: ClientConfig | None = None

    def to_dict(self, address: str) -> dict[str, object]:
        data = self.preset.to_dict() if self.preset else {}
        if self.config is not None:
            data = dict(self.config.to_dict(), notes=self.config.notes(address))
        return {"source": self.source, "why": self.why, **data}


def run(args: argparse.Namespace) -> int:
    if args.domain is None:
        return _list(args.json)
    address, domain = _parse(args.domain)
    matches = _matches(domain)
    if args.json:
        print(json.dumps({"query": args.domain.strip(), "domain": domain,
                          "matches": [match.to_dict(address) for match in matches]},
                         indent=2, ensure_ascii=False))
    else:
        print("\n".join(_text(domain, address, matches)))
    return EXIT_OK if matches else EXIT_UNKNOWN


def _list(as_json: bool) -> int:
    from wizard.smtp import ispdb
    from wizard.smtp.providers import load_providers

    data = ispdb.load_ispdb()
    if as_json:
        print(json.dumps({"presets": [p.to_dict() for p in load_providers()],
                          "ispdb": {"source": data.source, "license": data.license,
                                    "notice": data.notice,
                                    "providers": [c.to_dict() for c in data.providers]}},
                         indent=2, ensure_ascii=False))
        return EXIT_OK
    print(_("Curated presets:"))
    for preset in load_providers():
        endpoint = _endpoint(preset.host, preset.port, preset.security)
        print(f"  {preset.id:<18} {preset.name}: {endpoint}")
    print(_("ISPDB: {providers} providers, {domains} mail domains — {source}; {license}.")
          .format(providers=len(data.providers), domains=len(data.by_domain),
                  source=data.source, license=data.license))
    print(_("Give a domain to see its entry: smtp-wizard providers qq.com"))
    return EXIT_OK


def _parse(text: str) -> tuple[str, str]:
    """(address or "", ASCII domain); a SettingsError (exit 2) for anything else."""
    from wizard.model.fields import ascii_name, check_email, check_hostname

    value = text.strip()
    if "@" in value:
        address = check_email(value, "sender")
        return address, ascii_name(address.rpartition("@")[2])
    return "", ascii_name(check_hostname(value, "host"))


def _matches(domain: str) -> list[_Match]:
    """Each match, the winner first: by mail domain, else by MX suffix for a host name."""
    from wizard.smtp import ispdb
    from wizard.smtp.providers import match_domain, match_mx

    found: list[_Match] = []
    why = _("{domain} is one of its mail domains").format(domain=domain)
    preset = match_domain(domain)
    if preset is not None:
        found.append(_Match("preset", why, preset=preset))
    entry = ispdb.match_domain(domain)
    if entry is not None:
        found.append(_Match("ispdb", why, config=entry))
    if found:
        return found
    preset = match_mx([domain])
    if preset is not None:
        found.append(_Match("preset", _("{host} is under one of its MX suffixes").format(
            host=domain), preset=preset))
    by_mx = ispdb.match_mx([domain])
    if by_mx is not None:
        found.append(_Match("ispdb", _("{host} is under {parent}").format(
            host=domain, parent=by_mx[1]), config=by_mx[0]))
    return found


def _endpoint(host: str, port: int, security: Security) -> str:
    if security == "tls":
        return _("ssl://{host} port {port}").format(host=host, port=port)
    return _("{host} port {port} ({security})").format(host=host, port=port,
                                                       security=_(_SECURITY[security]))


def _text(domain: str, address: str, matches: list[_Match]) -> list[str]:
    if not matches:
        return [_("{domain}: no preset and no ISPDB entry. `smtp-wizard discover {domain}` "
                  "asks DNS and the domain's autoconfig server.").format(domain=domain)]
    lines = [domain]
    for number, match in enumerate(matches):
        if match.preset is not None:
            lines += _preset_lines(match.preset, match.why)
        elif match.config is not None:
            lines += _config_lines(match.config, match.why, domain, address, wins=number > 0)
    return lines


def _preset_lines(preset: Provider, why: str) -> list[str]:
    lines = [_("  Preset “{name}” ({id}): {why}").format(name=preset.name, id=preset.id,
                                                         why=why),
             _("    SMTP:      ") + _endpoint(preset.host, preset.port, preset.security)]
    lines += [_("    also:      ") + _endpoint(preset.host, port, security)
              for port, security in preset.alternatives]
    lines += [_("    region:    ") + f"{region.label}: {region.host}"
              for region in preset.regions]
    lines.append(_("    user name: {user}").format(
        user=preset.username or preset.shown_username_hint()))
    lines += [_("    note:      ") + note for note in preset.shown_notes()]
    return lines + [_("    source:    ") + source for source in preset.sources]


def _config_lines(config: ClientConfig, why: str, domain: str, address: str, *,
                  wins: bool) -> list[str]:
    from wizard.smtp import ispdb

    data = ispdb.load_ispdb()
    lines = [_("  ISPDB “{name}” ({id}){wins}: {why}").format(
        name=config.name, id=config.id, why=why,
        wins=_(" (the preset above wins)") if wins else "")]
    lines += [_("    SMTP:      ") + _endpoint(server.host_for(domain), server.port,
                                               server.security) + f"  [{server.socket_type}]"
              for server in config.servers]
    lines += [_("    note:      ") + note for note in config.notes(address)]
    lines.append(_("    source:    {source}; {license}").format(source=data.source,
                                                               license=data.license))
    return lines
