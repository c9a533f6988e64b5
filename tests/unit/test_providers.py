"""Provider presets: the data file is well-formed and matching finds the right preset."""

from __future__ import annotations

import re

import pytest

from wizard.model.diagnosis import diagnose
from wizard.model.fields import check_hostname, check_port
from wizard.model.settings import Security
from wizard.smtp.ispdb import load_ispdb
from wizard.smtp.providers import UNVERIFIABLE, Provider, load_providers, match_domain, match_mx

REQUIRED = {"google", "microsoft365", "outlook", "amazon-ses", "sendgrid", "mailgun",
            "postmark", "brevo", "zoho", "fastmail", "icloud", "yahoo", "aol", "qq", "exmail",
            "netease-163", "netease-126", "netease-yeah", "netease-qiye", "aliyun-qiye",
            "aliyun-directmail", "sina", "139"}


def by_id(provider_id: str) -> Provider:
    return next(p for p in load_providers() if p.id == provider_id)


def test_data_file_loads_every_required_preset_once() -> None:
    providers = load_providers()
    ids = [p.id for p in providers]
    assert len(ids) == len(set(ids))
    assert set(ids) >= REQUIRED
    assert load_providers() is providers, "read once, then cached"


@pytest.mark.parametrize("provider", load_providers(), ids=lambda p: p.id)
def test_every_preset_is_well_formed(provider: Provider) -> None:
    assert provider.name
    assert check_hostname(provider.host) == provider.host
    assert check_port(provider.port) == provider.port
    assert provider.security in (Security.STARTTLS, Security.TLS)
    # The security must fit the port, as Settings.hints() would otherwise warn.
    assert (provider.port == 465) == (provider.security is Security.TLS)
    for port, security in provider.alternatives:
        assert check_port(port) == port
        assert security in (Security.STARTTLS, Security.TLS)
    for region in provider.regions:
        assert region.label
        assert check_hostname(region.host) == region.host
    if provider.regions:
        assert provider.host in {r.host for r in provider.regions}
    for pattern in (*provider.domains, *provider.mx):
        check_hostname(pattern.removeprefix("*."))
    assert provider.notes, "each preset says what people trip over"
    assert all(isinstance(note, str) and note.strip() for note in provider.shown_notes())
    assert provider.username or provider.username_hint


def test_fixed_facts_of_well_known_presets() -> None:
    assert by_id("sendgrid").username == "apikey"
    assert any("app password" in note and "myaccount.google.com/apppasswords" in note
               for note in by_id("google").notes)
    assert any("SMTP AUTH must be enabled" in note for note in by_id("microsoft365").notes)
    assert by_id("brevo").host == "smtp-relay.brevo.com"
    assert {r.host for r in by_id("mailgun").regions} == {"smtp.mailgun.org",
                                                          "smtp.eu.mailgun.org"}
    assert {r.host for r in by_id("zoho").regions} >= {"smtp.zoho.com", "smtp.zoho.eu"}
    ses = by_id("amazon-ses")
    hosts = {r.host for r in ses.regions}
    assert all(re.fullmatch(r"email-smtp\.[a-z]{2}(-gov)?-[a-z]+-\d\.amazonaws\.com", h)
               for h in hosts)
    assert {"email-smtp.us-east-1.amazonaws.com", "email-smtp.eu-west-1.amazonaws.com",
            "email-smtp.ap-southeast-2.amazonaws.com"} <= hosts


@pytest.mark.parametrize(("domain", "expected"), [
    ("gmail.com", "google"),
    ("GoogleMail.COM.", "google"),
    ("contoso.onmicrosoft.com", "microsoft365"),
    ("hotmail.co.uk", "outlook"),
    ("icloud.com", "icloud"),
    ("ymail.com", "yahoo"),
    ("fastmail.fm", "fastmail"),
    ("zohomail.eu", "zoho"),
    ("example.org", None),
    ("onmicrosoft.com", None),
    ("notgmail.com", None),
])
def test_match_domain(domain: str, expected: str | None) -> None:
    provider = match_domain(domain)
    assert (provider.id if provider else None) == expected


@pytest.mark.parametrize(("mx_hosts", "expected", "host"), [
    (["aspmx.l.google.com", "alt1.aspmx.l.google.com"], "google", "smtp.gmail.com"),
    (["smtp.google.com"], "google", "smtp.gmail.com"),
    (["contoso-com.mail.protection.outlook.com"], "microsoft365", "smtp.office365.com"),
    (["contoso-com.s-v1.mx.microsoft"], "microsoft365", "smtp.office365.com"),
    # Consumer Outlook.com sits under protection.outlook.com too: the longer suffix wins.
    (["hotmail-com.olc.protection.outlook.com"], "outlook", "smtp-mail.outlook.com"),
    (["inbound-smtp.eu-west-1.amazonaws.com"], "amazon-ses",
     "email-smtp.eu-west-1.amazonaws.com"),
    (["mxa.eu.mailgun.org"], "mailgun", "smtp.eu.mailgun.org"),
    (["mxb.mailgun.org"], "mailgun", "smtp.mailgun.org"),
    (["mx.zoho.eu", "mx2.zoho.eu"], "zoho-org", "smtppro.zoho.eu"),
    (["in1-smtp.messagingengine.com"], "fastmail", "smtp.fastmail.com"),
    (["mx01.mail.icloud.com"], "icloud", "smtp.mail.me.com"),
    (["mta7.am0.yahoodns.net"], "yahoo", "smtp.mail.yahoo.com"),
    # AOL shares yahoodns.net but is not Yahoo's submission host: it has its own preset.
    (["mx-aol.mail.gm0.yahoodns.net"], "aol", "smtp.aol.com"),
    # Chinese providers hosting custom domains.
    (["mxbiz1.qq.com"], "exmail", "smtp.exmail.qq.com"),
    (["mxw.mxhichina.com"], "aliyun-qiye", "smtp.qiye.aliyun.com"),
    (["qiye163mx01.mxmail.netease.com"], "netease-qiye", "smtp.qiye.163.com"),
    # The best-preference MX decides; an unknown first host falls through to the next.
    (["mail.example.org", "aspmx.l.google.com"], "google", "smtp.gmail.com"),
    (["mail.example.org"], None, None),
    (["evilgoogle.com"], None, None),
])
def test_match_mx(mx_hosts: list[str], expected: str | None, host: str | None) -> None:
    provider = match_mx(mx_hosts)
    assert (provider.id if provider else None) == expected
    assert (provider.host if provider else None) == host


def test_region_match_keeps_the_rest_of_the_preset() -> None:
    provider = match_mx(["inbound-smtp.us-west-2.amazonaws.com"])
    assert provider is not None
    assert provider.region == "US West (Oregon)"
    assert (provider.port, provider.security, provider.notes) == (
        by_id("amazon-ses").port, by_id("amazon-ses").security, by_id("amazon-ses").notes)


CHINESE = {
    # id: (domains, host, port, security)
    "qq": (["qq.com"], "smtp.qq.com", 465, Security.TLS),
    "exmail": ([], "smtp.exmail.qq.com", 465, Security.TLS),
    "netease-163": (["163.com"], "smtp.163.com", 465, Security.TLS),
    "netease-126": (["126.com"], "smtp.126.com", 465, Security.TLS),
    "netease-yeah": (["yeah.net"], "smtp.yeah.net", 465, Security.TLS),
    "netease-qiye": ([], "smtp.qiye.163.com", 465, Security.TLS),
    "aliyun-qiye": ([], "smtp.qiye.aliyun.com", 465, Security.TLS),
    "aliyun-directmail": ([], "smtpdm.aliyun.com", 465, Security.TLS),
    "sina": (["sina.com", "sina.cn"], "smtp.sina.com", 465, Security.TLS),
    "139": (["139.com"], "smtp.139.com", 465, Security.TLS),
}


@pytest.mark.parametrize("provider_id", sorted(CHINESE))
def test_chinese_providers(provider_id: str) -> None:
    domains, host, port, security = CHINESE[provider_id]
    provider = by_id(provider_id)
    assert (provider.host, provider.port, provider.security) == (host, port, security)
    for domain in domains:
        assert match_domain(domain) == provider
    notes = " ".join(provider.shown_notes())
    # The policy that trips people up: a separate code or password, not the account's.
    assert any(word in notes for word in ("授权码", "客户端专用密码", "SMTP password"))


def test_aliyun_directmail_regions_and_ports_from_its_documentation() -> None:
    directmail = by_id("aliyun-directmail")
    assert {r.host for r in directmail.regions} == {
        "smtpdm.aliyun.com", "smtpdm-ap-southeast-1.aliyuncs.com",
        "smtpdm-us-east-1.aliyuncs.com", "smtpdm-eu-central-1.aliyuncs.com"}
    assert set(directmail.alternatives) == {(80, Security.STARTTLS), (25, Security.STARTTLS)}
    assert any("alibabacloud.com/help" in source for source in directmail.sources)
    assert not directmail.unverified


@pytest.mark.parametrize("provider", load_providers(), ids=lambda p: p.id)
def test_every_fact_has_a_source_or_is_marked_unverified(provider: Provider) -> None:
    assert set(provider.unverified) <= UNVERIFIABLE
    if not provider.sources:
        # Without any source the core facts themselves are unconfirmed.
        assert {"host", "port"} <= set(provider.unverified)
    if provider.unverified:
        assert any(note.startswith("Unverified (") and ", ".join(provider.unverified) in note
                   for note in provider.shown_notes())


def test_presets_agree_with_the_ispdb_or_say_why_not() -> None:
    """For every ISPDB domain a preset also claims: the ISPDB's host is one of the preset's
    hosts and one of its (port, security) pairs is the preset's, unless the preset states
    why it differs."""
    checked = 0
    for config in load_ispdb().providers:
        for domain in config.domains:
            preset = match_domain(domain)
            if preset is None or preset.ispdb_differs:
                continue
            checked += 1
            hosts = {preset.host, *(r.host for r in preset.regions)}
            pairs = {(preset.port, preset.security), *preset.alternatives}
            assert config.servers[0].host_for(domain) in hosts, (preset.id, domain)
            assert {(s.port, s.security) for s in config.servers} & pairs, (preset.id, domain)
    assert checked >= 40


def test_microsoft_365_states_the_december_2026_change() -> None:
    notes = " ".join(by_id("microsoft365").shown_notes())
    for words in ("through December 2026", "end of December 2026", "existing tenants",
                  "second half of 2027",
                  "550 5.7.30 Basic authentication is not supported for Client Submission.",
                  "High Volume Email", "Azure Communication Services Email", "OAuth"):
        assert words in notes
    diagnosis = diagnose("auth-basic-disabled",
                         reply="550 5.7.30 Basic authentication is not supported for "
                               "Client Submission.")
    assert "December 2026" in diagnosis.cause and "5.7.30" in diagnosis.cause
    for alternative in ("OAuth", "High Volume Email", "Azure Communication Services Email"):
        assert alternative in diagnosis.fix


@pytest.mark.parametrize(("provider_id", "words"), [
    ("google", "app password"), ("google", "Google Workspace"), ("yahoo", "app password"),
    ("aol", "app password"), ("icloud", "app-specific password"),
])
def test_reviewed_notes_name_todays_policy(provider_id: str, words: str) -> None:
    assert words in " ".join(by_id(provider_id).shown_notes())
