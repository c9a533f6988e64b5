"""Discovery end to end: a real DNS zone on loopback pointing at real SMTP test servers."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.dns_server import DnsServer, two_srv_hosts
from tests.support.servers import SmtpServer
from wizard.model.fields import SettingsError
from wizard.model.report import Status, Step
from wizard.model.settings import Security
from wizard.smtp.discover import (
    Candidate,
    Discovery,
    Endpoint,
    Source,
    discover,
    rank_endpoints,
)
from wizard.smtp.ports import PortResult, PortState, parse_ehlo

NO_HOSTS = "/nonexistent/hosts"
# Discovery promises to end by its deadline; this covers a loaded CI machine.
SLACK = 0.6


@pytest.fixture
def blackhole() -> Iterator[int]:
    """A port that accepts connections (kernel backlog) and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield int(sock.getsockname()[1])


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def zone_for(implicit: int, starttls: int, **extra: dict[str, list[str]]) -> dict[
        str, dict[str, list[str]]]:
    return {
        "example.test": {"MX": ["10 mx.example.test."]},
        "mx.example.test": {"A": ["127.0.0.1"]},
        "smtp.example.test": {"A": ["127.0.0.1"]},
        "tls.example.test": {"A": ["127.0.0.1"]},
        "starttls.example.test": {"A": ["127.0.0.1"]},
        "_submissions._tcp.example.test": {"SRV": [f"0 1 {implicit} tls.example.test."]},
        "_submission._tcp.example.test": {"SRV": [f"0 1 {starttls} starttls.example.test."]},
        **extra,
    }


async def test_end_to_end_ranks_srv_servers_and_keeps_the_deadline(
        dns_server: Callable[..., DnsServer],
        smtp_server: Callable[..., SmtpServer], blackhole: int) -> None:
    implicit = smtp_server(mode="implicit")
    starttls = smtp_server(mode="starttls")
    dns = dns_server(zone_for(implicit.port, starttls.port))
    events: list[Step | PortResult] = []
    start = time.monotonic()
    result = await discover("wiki@example.test", timeout=2.0, resolver=dns.resolver(),
                            ports=(blackhole,), hosts_path=NO_HOSTS,
                            on_progress=events.append)
    elapsed = time.monotonic() - start
    assert elapsed < 2.0 + SLACK, "the blackholed port must not stretch the deadline"

    report = result.report
    assert (result.query, result.domain) == ("wiki@example.test", "example.test")
    assert [(c.host, c.source) for c in result.candidates] == [
        ("tls.example.test", Source.SRV), ("starttls.example.test", Source.SRV),
        ("mx.example.test", Source.MX), ("smtp.example.test", Source.GUESS),
        ("mail.example.test", Source.GUESS)]
    assert [(e.host, e.port, e.state) for e in result.endpoints] == [
        ("tls.example.test", implicit.port, PortState.IMPLICIT_TLS),
        ("starttls.example.test", starttls.port, PortState.STARTTLS)]
    assert result.recommended == result.endpoints[0]
    assert result.recommended.security is Security.TLS
    settings = result.recommended.to_settings(username="wiki@example.org")
    assert (settings.host, settings.port, settings.mediawiki_host) == (
        "tls.example.test", implicit.port, "ssl://tls.example.test")

    silent = {r.state for c in result.candidates for r in c.results if r.port == blackhole}
    assert silent and silent <= {PortState.SILENT, PortState.TIMEOUT}
    mail = next(c for c in result.candidates if c.host == "mail.example.test")
    assert (mail.dns, mail.addresses, mail.results) == ("nxdomain", (), ())

    assert report.status is Status.OK
    assert report.step("recommend").status is Status.OK
    assert report.step("candidate:mail.example.test").status is Status.SKIPPED
    # A guess with nothing on its ports is no warning; a published host would be.
    assert report.step("candidate:smtp.example.test").status is Status.SKIPPED
    assert report.step("candidate:tls.example.test").status is Status.OK
    assert report.target == {"query": "wiki@example.test", "domain": "example.test",
                             "address": "wiki@example.test"}
    # Streamed: every step, and every port row under the candidate's name.
    assert [e for e in events if isinstance(e, Step)] == list(report.steps)
    rows = {(e.host, e.port) for e in events if isinstance(e, PortResult)}
    assert ("tls.example.test", implicit.port) in rows
    assert ("smtp.example.test", blackhole) in rows
    # The JSON form: the report's keys, then what was found.
    data = json.loads(json.dumps(result.to_dict()))
    assert list(data) == ["schema", "command", "status", "target", "steps", "candidates",
                          "endpoints", "recommended"]
    assert data["recommended"]["port"] == implicit.port
    assert data["recommended"] == data["endpoints"][0]
    assert [c["host"] for c in data["candidates"]] == [c.host for c in result.candidates]


async def test_srv_beats_preset_beats_mx_beats_guess(
        dns_server: Callable[..., DnsServer], closed_port: int,
        tmp_path: Path) -> None:
    """A custom domain hosted at Google: the MX names Google, so the preset comes in."""
    dns = dns_server({
        "corp.test": {"MX": ["1 aspmx.l.google.com.", "5 backup-mx.corp.test."]},
        "_submission._tcp.corp.test": {"SRV": [f"0 0 {closed_port} submit.corp.test."]},
        "submit.corp.test": {"A": ["127.0.0.1"]},
        "backup-mx.corp.test": {"A": ["127.0.0.1"]},
    })
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 smtp.gmail.com\n")
    result = await discover("corp.test", timeout=2.0, resolver=dns.resolver(),
                            ports=(closed_port,), hosts_path=hosts)
    report = result.report
    assert [(c.host, c.source) for c in result.candidates] == [
        ("submit.corp.test", Source.SRV), ("smtp.gmail.com", Source.PRESET),
        ("backup-mx.corp.test", Source.MX), ("smtp.corp.test", Source.GUESS),
        ("mail.corp.test", Source.GUESS)]
    preset = result.candidates[1]
    assert (preset.provider_id, preset.port, preset.security) == (
        "google", 587, Security.STARTTLS)
    assert any("apppasswords" in note for note in preset.notes)
    assert preset.addresses == ("127.0.0.1",), "resolved through the hosts file"
    assert {r.state for c in result.candidates for r in c.results} == {PortState.REFUSED}
    assert result.recommended is None
    assert report.step("provider").status is Status.OK
    assert "aspmx.l.google.com" in report.step("provider").summary
    assert report.step("recommend").status is Status.FAIL


async def test_missing_domain_fails_fast_with_a_diagnosis(
        dns_server: Callable[..., DnsServer]) -> None:
    dns = dns_server({"example.test": {"A": ["127.0.0.1"]}})
    start = time.monotonic()
    result = await discover("exmaple.test", timeout=3.0, resolver=dns.resolver(),
                            hosts_path=NO_HOSTS)
    report = result.report
    assert time.monotonic() - start < 1.0
    assert report.status is Status.FAIL
    mx = report.step("mx")
    assert mx.status is Status.FAIL
    assert mx.diagnosis is not None and mx.diagnosis.code == "dns-nxdomain"
    assert "exmaple.test" in mx.diagnosis.cause
    assert result.endpoints == ()


async def test_dns_that_never_answers_still_ends_by_the_deadline(
        dns_server: Callable[..., DnsServer],
        smtp_server: Callable[..., SmtpServer]) -> None:
    starttls = smtp_server(mode="starttls")
    dns = dns_server({
        "slow.test": {"MX": ["10 hang.slow.test."]},
        "_submission._tcp.slow.test": {"SRV": [f"0 0 {starttls.port} hang.slow.test.",
                                               f"1 0 {starttls.port} ok.slow.test."]},
        "ok.slow.test": {"A": ["127.0.0.1"]},
    }, silent=["hang.slow.test", "smtp.slow.test", "mail.slow.test"])
    start = time.monotonic()
    result = await discover("slow.test", timeout=2.0, resolver=dns.resolver(),
                            ports=(), hosts_path=NO_HOSTS)
    report = result.report
    assert time.monotonic() - start < 2.0 + SLACK
    hang = report.step("candidate:hang.slow.test")
    assert hang.status is Status.WARN
    assert hang.diagnosis is not None and hang.diagnosis.code == "dns-timeout"
    # Guesses that time out are worth a warning too: the resolver itself is in trouble.
    assert report.step("candidate:smtp.slow.test").status is Status.WARN
    assert result.recommended is not None
    assert (result.recommended.host, result.recommended.port) == ("ok.slow.test",
                                                                  starttls.port)


async def test_srv_target_without_address_gets_a_suggestion(
        dns_server: Callable[..., DnsServer],
        smtp_server: Callable[..., SmtpServer]) -> None:
    starttls = smtp_server(mode="starttls")
    dns = dns_server({
        "typo.test": {"MX": ["10 typo.test."]},
        "_submission._tcp.typo.test": {"SRV": [f"0 0 {starttls.port} smtp.typo.test.",
                                               f"1 0 {starttls.port} gone.typo.test."]},
        "smtp.typo.test": {"A": ["127.0.0.1"]},
    })
    report = (await discover("typo.test", timeout=2.0, resolver=dns.resolver(), ports=(),
                             hosts_path=NO_HOSTS)).report
    gone = report.step("candidate:gone.typo.test")
    assert gone.status is Status.WARN
    assert gone.diagnosis is not None and gone.diagnosis.code == "dns-nxdomain"
    assert "smtp.typo.test" in gone.diagnosis.fix
    # The MX host is the domain itself, which has no address: a mail domain, not a server.
    mx_host = report.step("candidate:typo.test")
    assert mx_host.diagnosis is not None and mx_host.diagnosis.code == "dns-no-address"


async def test_plain_smtp_is_listed_but_never_recommended(
        dns_server: Callable[..., DnsServer],
        smtp_server: Callable[..., SmtpServer]) -> None:
    plain = smtp_server(mode="plain")
    dns = dns_server({
        "plain.test": {"MX": ["10 smtp.plain.test."]},
        "smtp.plain.test": {"A": ["127.0.0.1"]},
    })
    result = await discover("plain.test", timeout=2.0, resolver=dns.resolver(),
                            ports=(plain.port,), hosts_path=NO_HOSTS)
    assert [(e.host, e.state) for e in result.endpoints] == [("smtp.plain.test",
                                                              PortState.PLAIN)]
    assert result.endpoints[0].security is Security.NONE
    assert result.recommended is None
    final = result.report.step("recommend")
    assert final.status is Status.FAIL
    assert final.diagnosis is not None and final.diagnosis.code == "starttls-missing"


async def test_idn_domain_is_discovered_in_its_xn_form(
        dns_server: Callable[..., DnsServer], closed_port: int) -> None:
    dns = dns_server({"smtp.xn--bcher-kva.test": {"A": ["127.0.0.1"]}})
    result = await discover("wiki@Bücher.test", timeout=2.0, resolver=dns.resolver(),
                            ports=(closed_port,), hosts_path=NO_HOSTS)
    assert result.domain == "xn--bcher-kva.test"
    smtp = next(c for c in result.candidates if c.host == "smtp.xn--bcher-kva.test")
    assert smtp.addresses == ("127.0.0.1",)
    assert ("_submissions._tcp.xn--bcher-kva.test", "SRV") in dns.queries


@pytest.mark.parametrize("query", ["", "not an address", "wiki@", "@example.org",
                                   "192.0.2.1", "wiki@[192.0.2.1]", "bad_name.example",
                                   "wiki@example.org\r\nRCPT TO:<x@y>"])
async def test_bad_input_is_a_settings_error(query: str) -> None:
    with pytest.raises(SettingsError):
        await discover(query, resolver=None, hosts_path=NO_HOSTS)


@pytest.mark.parametrize(("options", "field"), [({"ports": (587, 0)}, "port"),
                                                ({"timeout": 0}, "timeout")])
async def test_bad_options_are_settings_errors(options: dict[str, object], field: str) -> None:
    with pytest.raises(SettingsError) as error:
        # Bad values on purpose: discover must refuse them.
        await discover("example.org", hosts_path=NO_HOSTS, **options)  # type: ignore[arg-type]
    assert error.value.field == field


def endpoint(host: str, port: int, state: PortState, srv_rank: int | None = None,
             source: Source = Source.GUESS) -> Endpoint:
    return Endpoint(host, port, state, "192.0.2.1", source, srv_rank=srv_rank)


def test_rank_standard_ports_then_srv_then_others_then_25_then_plain() -> None:
    ranked = rank_endpoints([
        endpoint("a.test", 25, PortState.STARTTLS),
        endpoint("a.test", 2525, PortState.STARTTLS),
        endpoint("srv.test", 10465, PortState.IMPLICIT_TLS, srv_rank=1, source=Source.SRV),
        endpoint("srv2.test", 10587, PortState.STARTTLS, srv_rank=0, source=Source.SRV),
        endpoint("a.test", 587, PortState.PLAIN),
        endpoint("b.test", 587, PortState.STARTTLS),
        endpoint("a.test", 465, PortState.IMPLICIT_TLS),
        endpoint("a.test", 587, PortState.IMPLICIT_TLS),  # TLS on 587: odd, not standard
    ], ["srv2.test", "srv.test", "a.test", "b.test"])
    assert [(e.host, e.port, e.state.value) for e in ranked] == [
        ("a.test", 465, "implicit-tls"),
        ("b.test", 587, "starttls"),
        ("srv2.test", 10587, "starttls"),
        ("srv.test", 10465, "implicit-tls"),
        ("a.test", 587, "implicit-tls"),
        ("a.test", 2525, "starttls"),
        ("a.test", 25, "starttls"),
        ("a.test", 587, "plain"),
    ]


def test_candidate_json_form() -> None:
    candidate = Candidate("smtp.gmail.com", Source.PRESET, 587, Security.STARTTLS,
                          "Gmail / Google Workspace", "google", ("note",), (),
                          ("192.0.2.1",), "ok", "",
                          (PortResult("smtp.gmail.com", 587, PortState.STARTTLS,
                                      banner="220 hi", auth=("PLAIN",)),))
    assert json.loads(json.dumps(candidate.to_dict())) == {
        "host": "smtp.gmail.com", "source": "preset", "port": 587, "security": "starttls",
        "provider": "Gmail / Google Workspace", "provider_id": "google", "notes": ["note"],
        "srv_ports": [], "addresses": ["192.0.2.1"], "dns": "ok", "dns_error": "",
        "ports": [{"host": "smtp.gmail.com", "port": 587, "state": "starttls",
                   "banner": "220 hi", "elapsed": 0.0, "detail": "", "auth": ["PLAIN"]}]}


def test_ehlo_reply_gives_extensions_and_auth_mechanisms() -> None:
    extensions, auth = parse_ehlo([
        "250-mx.example.test greets you", "250-PIPELINING", "250-SIZE 51200000",
        "250-STARTTLS", "250-AUTH login PLAIN", "250-AUTH=LOGIN PLAIN XOAUTH2", "250-",
        "250 8BITMIME"])
    assert extensions == {"pipelining": "", "size": "51200000", "starttls": "",
                          "auth": "LOGIN PLAIN XOAUTH2", "8bitmime": ""}
    assert auth == ("LOGIN", "PLAIN", "XOAUTH2")
    assert parse_ehlo(["250 mx.example.test"]) == ({}, ())


async def test_custom_domains_at_chinese_providers_and_in_the_ispdb(
        dns_server: Callable[..., DnsServer], closed_port: int) -> None:
    """Offline knowledge by MX: a curated preset (Tencent Exmail) wins; a host the presets
    do not know is found in the shipped ISPDB by its parent domain."""
    dns = dns_server({
        "corp.test": {"MX": ["10 mxbiz1.qq.com.", "20 mxbiz2.qq.com."]},
        "other.test": {"MX": ["10 mx1.mail.yandex.net."]},
    })
    corp = await discover("wiki@corp.test", timeout=2.0, resolver=dns.resolver(),
                          ports=(closed_port,), hosts_path=NO_HOSTS)
    preset = corp.candidates[0]
    assert (preset.host, preset.source, preset.provider_id, preset.port) == (
        "smtp.exmail.qq.com", Source.PRESET, "exmail", 465)
    assert any("客户端专用密码" in note for note in preset.notes)
    assert "Tencent Exmail" in corp.report.step("provider").summary
    other = await discover("wiki@other.test", timeout=2.0, resolver=dns.resolver(),
                           ports=(closed_port,), hosts_path=NO_HOSTS)
    found = other.candidates[0]
    assert (found.host, found.source, found.provider_id) == ("smtp.yandex.com", Source.ISPDB,
                                                             "ispdb:yandex.ru")
    assert "User name: wiki@other.test" in found.notes
    summary = other.report.step("provider").summary
    assert "ISPDB: Yandex Mail" in summary and "under yandex.net" in summary
    assert other.to_dict()["candidates"][0]["source"] == "ispdb"


async def test_the_answer_comes_before_probes_that_cannot_change_it(
        dns_server: Callable[..., DnsServer],
        smtp_server: Callable[..., SmtpServer], blackhole: int) -> None:
    """The first SRV host answers; the second, ranked below it, never does: the answer
    does not wait for it, and what it has not said is pending."""
    starttls = smtp_server(mode="starttls")
    dns = dns_server(two_srv_hosts(starttls.port, blackhole))
    events: list[Step | PortResult | Discovery] = []
    result = await discover("example.test", timeout=30.0, resolver=dns.resolver(), ports=(),
                            hosts_path=NO_HOSTS, wait_all=False, on_progress=events.append)
    assert result.recommended is not None
    assert (result.recommended.host, result.recommended.port) == ("first.example.test",
                                                                  starttls.port)
    second = next(c for c in result.candidates if c.host == "second.example.test")
    assert [(r.port, r.state) for r in second.results] == [(blackhole, PortState.PENDING)]
    step = result.report.step("candidate:second.example.test")
    assert step.status is Status.SKIPPED and "not waited for" in step.summary
    ids = [s.id for s in result.report.steps]
    assert ids.index("recommend") < ids.index("candidate:second.example.test")
    assert [e for e in events if isinstance(e, Step)] == list(result.report.steps)
    assert result.to_dict()["candidates"][1]["ports"][0]["state"] == "pending"


async def test_the_answer_waits_for_a_host_that_could_rank_above(
        dns_server: Callable[..., DnsServer],
        smtp_server: Callable[..., SmtpServer], blackhole: int) -> None:
    """The first SRV host never answers, the second does: the second is the answer only
    once the first has failed (here: at the deadline), never pending."""
    starttls = smtp_server(mode="starttls")
    dns = dns_server(two_srv_hosts(blackhole, starttls.port))
    result = await discover("example.test", timeout=1.0, resolver=dns.resolver(), ports=(),
                            hosts_path=NO_HOSTS, wait_all=False)
    assert result.recommended is not None
    assert result.recommended.host == "second.example.test"
    first = next(c for c in result.candidates if c.host == "first.example.test")
    assert [r.state for r in first.results] == [PortState.SILENT]


async def test_waiting_for_all_reports_the_answer_as_soon_as_it_is_known(
        dns_server: Callable[..., DnsServer],
        smtp_server: Callable[..., SmtpServer], blackhole: int) -> None:
    """With every probe awaited, the answer is still handed to `on_progress` as soon as it
    is known (for a screen to show it), and the rest only completes the table."""
    starttls = smtp_server(mode="starttls")
    dns = dns_server(two_srv_hosts(starttls.port, blackhole))
    events: list[Step | PortResult | Discovery] = []
    result = await discover("example.test", timeout=1.0, resolver=dns.resolver(), ports=(),
                            hosts_path=NO_HOSTS, on_progress=events.append)
    [early] = [e for e in events if isinstance(e, Discovery)]
    assert early.recommended == result.recommended is not None
    seen_after = events[events.index(early) + 1:]
    # The silent port's answer came after the early answer.
    assert any(isinstance(e, PortResult) and e.port == blackhole for e in seen_after)
    assert early.candidates[1].results[0].state is PortState.PENDING
    assert result.candidates[1].results[0].state is PortState.SILENT
    assert result.report.step("candidate:second.example.test").status is Status.WARN
    ids = [s.id for s in result.report.steps]
    assert ids.index("recommend") < ids.index("candidate:second.example.test")
