"""The shipped ISPDB: derived exactly from the snapshot, every domain recognised offline,
and the clientConfig parser safe on hostile files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as StdET
from pathlib import Path

import pytest

from wizard.model.settings import Security
from wizard.smtp import ispdb
from wizard.smtp.clientconfig import ClientConfigError, parse_clientconfig, visible_text

ROOT = Path(__file__).parents[2]
SNAPSHOT = ROOT.parent / "shared" / "ispdb"
SHIPPED = ROOT / "wizard" / "smtp" / "ispdb.json"


def snapshot() -> Path:
    """The ISPDB snapshot beside the repository; skip without it, except in CI."""
    if not (SNAPSHOT / "xml").is_dir():
        if os.environ.get("SMTP_WIZARD_REQUIRE_ALL"):
            pytest.fail(f"{SNAPSHOT} is required in CI (SMTP_WIZARD_REQUIRE_ALL is set)")
        pytest.skip(f"no ISPDB snapshot at {SNAPSHOT}")
    return SNAPSHOT


def test_the_shipped_file_is_what_the_script_derives(tmp_path: Path) -> None:
    out = tmp_path / "ispdb.json"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "ispdb_derive.py"),
                    str(snapshot()), "-o", str(out)], check=True, cwd=ROOT)
    assert out.read_text("utf-8") == SHIPPED.read_text("utf-8"), (
        "run python3 scripts/ispdb_derive.py and commit wizard/smtp/ispdb.json")


def _smtp_of(path: Path) -> tuple[list[str], list[tuple[str, int, str, str]]]:
    """Domains and SMTP servers of one snapshot file, read with the standard library
    (these are the project's own trusted files, the reference for the comparison)."""
    root = StdET.parse(path).getroot()
    provider = root.find("emailProvider")
    assert provider is not None
    domains = [d.text or "" for d in provider.findall("domain")]
    servers = [((s.findtext("hostname") or "").lower(), int(s.findtext("port") or 0),
                s.findtext("socketType") or "", s.findtext("username") or "")
               for s in provider.findall("outgoingServer")]
    return domains, servers


def test_every_snapshot_domain_is_recognised_as_the_source_says() -> None:
    files = sorted((snapshot() / "xml").iterdir())
    domains = 0
    for path in files:
        names, servers = _smtp_of(path)
        for name in names:
            domains += 1
            config = ispdb.match_domain(name)
            assert config is not None, name
            got = [(s.host.lower(), s.port, s.socket_type, s.username) for s in config.servers]
            assert got == servers, path.name
    assert (len(files), domains) == (163, 963)


def test_the_shipped_data_names_its_source_and_licence() -> None:
    data = ispdb.load_ispdb()
    assert data.license == "MPL-2.0"
    assert "Mozilla Public License, v. 2.0" in data.notice and "mozilla.org/MPL/2.0" in data.notice
    assert "thunderbird/autoconfig" in data.source
    assert len(data.providers) == 163
    # 963 <domain> entries, one of them listed twice in the same file.
    assert len(data.by_domain) == 962
    raw = json.loads(SHIPPED.read_text("utf-8"))
    assert list(raw) == ["source", "license", "notice", "providers"]


@pytest.mark.parametrize(("domain", "host", "port", "security", "user"), [
    ("qq.com", "smtp.qq.com", 465, Security.TLS, "%EMAILADDRESS%"),
    ("163.com", "smtp.163.com", 465, Security.TLS, "%EMAILADDRESS%"),
    ("126.com", "smtp.126.com", 465, Security.TLS, "%EMAILADDRESS%"),
    ("yeah.net", "smtp.yeah.net", 465, Security.TLS, "%EMAILADDRESS%"),
    ("yandex.ru", "smtp.yandex.com", 465, Security.TLS, "%EMAILADDRESS%"),
    ("gmx.de", "mail.gmx.net", 465, Security.TLS, "%EMAILADDRESS%"),
])
def test_known_domains(domain: str, host: str, port: int, security: Security,
                       user: str) -> None:
    config = ispdb.match_domain(domain.upper() + ".")
    assert config is not None
    first = config.servers[0]
    assert (first.host, first.port, first.security, first.username) == (host, port, security,
                                                                        user)


def test_templates_oauth2_documentation_and_restrictions_become_notes() -> None:
    office = ispdb.match_domain("office365.com")
    assert office is not None and office.oauth2 is not None
    assert any("only OAuth2" in note and "not a password" in note for note in office.notes())
    google = ispdb.match_domain("gmail.com")
    assert google is not None
    notes = google.notes("alice@gmail.com")
    assert notes[0] == "User name: alice@gmail.com"
    assert any("also offers OAuth2" in note for note in notes)
    assert any(note.startswith("Documentation: ") for note in notes)
    templated = next(c for c in ispdb.load_ispdb().providers
                     if any("%EMAILDOMAIN%" in s.host for s in c.servers))
    server = next(s for s in templated.servers if "%EMAILDOMAIN%" in s.host)
    assert "%" not in server.host_for("example.org")
    local = next(c for c in ispdb.load_ispdb().providers
                 if c.servers[0].username == "%EMAILLOCALPART%")
    assert local.servers[0].username_for("bob@example.org") == "bob"
    assert "part before the @" in local.notes()[0]
    assert any(s.restriction for c in ispdb.load_ispdb().providers for s in c.servers)


def test_match_by_the_mx_hosts_parent_domains() -> None:
    found = ispdb.match_mx(["mx.example.org", "mx1.mail.yandex.net"])
    assert found is not None and (found[0].id, found[1]) == ("yandex.ru", "yandex.net")
    assert ispdb.match_mx(["mx.example.org"]) is None
    assert ispdb.parent_domains("a.mx.example.co.jp") == ["mx.example.co.jp", "example.co.jp",
                                                          "co.jp"]


GOOD = b"""<?xml version="1.0"?><clientConfig version="1.1"><emailProvider id="x">
<domain>example.org</domain><domain>not a domain</domain><displayName>X&#x202E;gpj.exe</displayName>
<outgoingServer type="smtp"><hostname>smtp.example.org</hostname><port>99999</port>
<socketType>SSL</socketType></outgoingServer>
<outgoingServer type="smtp"><hostname>bad host name</hostname><port>465</port>
<socketType>SSL</socketType></outgoingServer>
<outgoingServer type="smtp"><hostname>smtp.example.org</hostname><port>587</port>
<socketType>WEIRD</socketType></outgoingServer>
<outgoingServer type="smtp"><hostname>SMTP.Example.ORG</hostname><port>587</port>
<socketType>starttls</socketType><username>%EMAILLOCALPART%</username></outgoingServer>
<documentation url="javascript:alert(1)"/><documentation url="https://ok.example.org/x"/>
</emailProvider></clientConfig>"""


def test_the_parser_keeps_only_what_is_usable() -> None:
    config = parse_clientconfig(GOOD)
    assert config.domains == ("example.org",)
    assert [(s.host, s.port, s.security) for s in config.servers] == [
        ("smtp.example.org", 587, Security.STARTTLS)]
    assert [doc.url for doc in config.docs] == ["https://ok.example.org/x"]
    assert config.name == "X\\u202egpj.exe", "a bidi override made visible"
    assert visible_text("a\u202eb\n c" + "x" * 400, 20) == "a\\u202eb cxxxxxxxxx…"


@pytest.mark.parametrize(("data", "words"), [
    (b"<!DOCTYPE x [<!ENTITY a 'b'>]><clientConfig/>", "DTD or entities"),
    (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><clientConfig>&e;</clientConfig>',
     "DTD or entities"),
    (b"<clientConfig><emailProvider>", "not well-formed XML"),
    (b"\xff\xfe<", "not well-formed XML"),
    (b"<html><body>hello</body></html>", "not a clientConfig file"),
    (b"<clientConfig><emailProvider id='x'/></clientConfig>", "no usable SMTP server"),
    (b" " * (256 * 1024 + 1), "larger than 256 KiB"),
])
def test_hostile_files_are_refused_with_a_reason(data: bytes, words: str) -> None:
    with pytest.raises(ClientConfigError) as error:
        parse_clientconfig(data)
    assert words in error.value.message
