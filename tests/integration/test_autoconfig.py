"""ISP autoconfig, live: a loopback HTTPS server (trustme) behind the loopback DNS server.

The autoconfig server, the well-known URL and the online ISPDB are all the same test
server on one port (`HttpsOptions.port`); DNS decides which names reach it. Nothing here
leaves 127.0.0.1.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Awaitable, Callable

import pytest

from tests.support import https_server as web
from tests.support.dns_server import DnsServer
from tests.support.https_server import HttpsServer, Reply, config_xml
from tests.support.servers import SmtpServer
from wizard.model.report import Status
from wizard.model.settings import Security
from wizard.smtp.autoconfig import base_domain, lookup_domain
from wizard.smtp.discover import Source, discover
from wizard.smtp.https import FetchOutcome, fetch_xml
from wizard.smtp.ports import PortState

https_server = web.https_server

NO_HOSTS = "/nonexistent/hosts"
SLACK = 0.6
AUTOCONFIG = "autoconfig.example.test/mail/config-v1.1.xml"
WELL_KNOWN = "example.test/.well-known/autoconfig/mail/config-v1.1.xml"
ISPDB = "ispdb.test/v1.1/example.test"
NAMES = ["autoconfig.example.test", "example.test", "ispdb.test", "autoconfig.hostile.test"]
Start = Callable[..., Awaitable[HttpsServer]]


def zone(**extra: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    return {name: {"A": ["127.0.0.1"]} for name in
            [*NAMES, "smtp.example.test", "mx.example.test"]} | extra


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_domains_autoconfig_server_is_found_and_probed(
        https_server: Start, dns_server: Callable[..., DnsServer],
        smtp_server: Callable[..., SmtpServer], closed_port: int) -> None:
    implicit = smtp_server(mode="implicit")
    web_server = await https_server(
        {AUTOCONFIG: Reply(config_xml("smtp.example.test", implicit.port))}, NAMES)
    dns = dns_server(zone())
    start = time.monotonic()
    result = await discover("alice@example.test", timeout=3.0, resolver=dns.resolver(),
                            ports=(closed_port,), hosts_path=NO_HOSTS,
                            https=web_server.options())
    assert time.monotonic() - start < 3.0 + SLACK
    # Thunderbird's URL, with the address as the query.
    assert ("autoconfig.example.test/mail/config-v1.1.xml?emailaddress=alice@example.test"
            in web_server.requests)
    found = next(c for c in result.candidates if c.host == "smtp.example.test")
    assert (found.source, found.port, found.security) == (Source.AUTOCONFIG, implicit.port,
                                                          Security.TLS)
    assert "User name: alice@example.test" in found.notes
    assert result.recommended is not None
    assert (result.recommended.host, result.recommended.port) == ("smtp.example.test",
                                                                  implicit.port)
    assert result.recommended.source is Source.AUTOCONFIG
    step = result.report.step("autoconfig")
    assert step.status is Status.OK
    assert "autoconfig server of example.test" in step.summary
    label = result.report.step("candidate:smtp.example.test").summary
    assert "autoconfig server of example.test" in label
    assert result.to_dict()["recommended"]["source"] == "autoconfig"


async def test_thunderbirds_order_the_domain_before_the_ispdb(
        https_server: Start, dns_server: Callable[..., DnsServer]) -> None:
    web_server = await https_server({
        WELL_KNOWN: Reply(config_xml("smtp.example.test", 587, "STARTTLS", name="Own")),
        ISPDB: Reply(config_xml("ispdb-smtp.example.test", 465, name="From the ISPDB")),
    }, NAMES)
    lookups = await lookup_domain("example.test", "", timeout=2.0,
                                  options=web_server.options(),
                                  resolver=dns_server(zone()).resolver(),
                                  hosts_path=NO_HOSTS)
    assert [(x.kind, x.outcome) for x in lookups] == [
        ("autoconfig", FetchOutcome.ABSENT), ("well-known", FetchOutcome.FOUND),
        ("ispdb", FetchOutcome.FOUND)]
    assert lookups[1].config is not None and lookups[1].config.name == "Own"
    assert "emailaddress" not in "".join(web_server.requests), "no address, no query"


async def test_the_online_ispdb_and_the_mx_domain(
        https_server: Start, dns_server: Callable[..., DnsServer], closed_port: int) -> None:
    web_server = await https_server({
        "ispdb.test/v1.1/mailhost.test": Reply(config_xml("smtp.mailhost.test", 465,
                                                          name="Mailhost")),
    }, NAMES)
    dns = dns_server(zone(**{"custom.test": {"MX": ["10 mx1.eu.mailhost.test."]},
                             "smtp.mailhost.test": {"A": ["127.0.0.1"]}}))
    result = await discover("custom.test", timeout=3.0, resolver=dns.resolver(),
                            ports=(closed_port,), hosts_path=NO_HOSTS,
                            https=web_server.options())
    # The MX host's base domain, asked of the ISPDB as Thunderbird does.
    assert "ispdb.test/v1.1/mailhost.test" in web_server.requests
    assert "ispdb.test/v1.1/custom.test" in web_server.requests
    found = next(c for c in result.candidates if c.host == "smtp.mailhost.test")
    assert (found.source, found.provider) == (Source.ISPDB, "Mailhost")
    step = result.report.step("autoconfig")
    assert "online ISPDB for the MX domain mailhost.test" in step.summary
    assert base_domain("mx1.mail.example.co.uk") == "example.co.uk"
    assert base_domain("mx.yandex.net") == "yandex.net"


async def test_a_shipped_domain_is_not_asked_of_the_online_ispdb(
        https_server: Start, dns_server: Callable[..., DnsServer], closed_port: int) -> None:
    web_server = await https_server({}, NAMES)
    result = await discover("wiki@yandex.ru", timeout=2.0,
                            resolver=dns_server(zone()).resolver(), ports=(closed_port,),
                            hosts_path=NO_HOSTS, https=web_server.options())
    assert not any(r.startswith("ispdb.test") for r in web_server.requests)
    found = next(c for c in result.candidates if c.source is Source.ISPDB)
    assert (found.host, found.port, found.provider_id) == ("smtp.yandex.com", 465,
                                                           "ispdb:yandex.ru")
    assert result.report.step("provider").status is Status.OK
    assert "ISPDB: Yandex Mail" in result.report.step("provider").summary


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<clientConfig version="1.1"><emailProvider id="x"><displayName>&lol3;</displayName>
</emailProvider></clientConfig>"""


@pytest.mark.parametrize(("reply", "outcome", "words"), [
    (Reply(b"<x>" + b"a" * 400_000 + b"</x>"), FetchOutcome.REFUSED, "larger than 256 KiB"),
    (Reply(b"<x>" + b"a" * 400_000 + b"</x>", chunked=True), FetchOutcome.REFUSED,
     "larger than 256 KiB"),
    (Reply(config_xml("smtp.example.test", 465), drip=0.2), FetchOutcome.TIMEOUT,
     "no complete answer"),
    (Reply(b"<clientConfig><emailProvider>"), FetchOutcome.REFUSED, "not well-formed XML"),
    (Reply(BOMB), FetchOutcome.REFUSED, "DTD or entities"),
    (Reply(config_xml("smtp.example.test", 465), content_type="text/html"),
     FetchOutcome.REFUSED, "content type is text/html"),
    (Reply(status=302, headers={"Location": "http://example.test/config.xml"}),
     FetchOutcome.REFUSED, "not HTTPS"),
    (Reply(b"<clientConfig version='1.1'><emailProvider id='x'/></clientConfig>"),
     FetchOutcome.REFUSED, "no usable SMTP server"),
], ids=["huge", "huge-chunked", "slow", "malformed", "entity-expansion", "wrong-type",
        "redirect-to-http", "no-smtp"])
async def test_hostile_answers_are_refused_with_a_clear_step(
        https_server: Start, dns_server: Callable[..., DnsServer], closed_port: int,
        reply: Reply, outcome: FetchOutcome, words: str) -> None:
    web_server = await https_server({AUTOCONFIG: reply}, NAMES)
    start = time.monotonic()
    result = await discover("alice@example.test", timeout=2.0,
                            resolver=dns_server(zone()).resolver(), ports=(closed_port,),
                            hosts_path=NO_HOSTS, https=web_server.options())
    assert time.monotonic() - start < 2.0 + SLACK
    step = result.report.step("autoconfig")
    assert step.status is Status.WARN
    assert "autoconfig server of example.test" in step.summary and words in step.summary
    assert "administrator should fix" in step.summary
    assert "other sources are used instead" in step.summary
    said = "too slow" if outcome is FetchOutcome.TIMEOUT else "refused"
    assert any(f"autoconfig server of example.test: {said}" in d for d in step.details)
    assert all(c.source is not Source.AUTOCONFIG for c in result.candidates)
    # Discovery goes on with the other sources.
    assert [c.source for c in result.candidates][-2:] == [Source.GUESS, Source.GUESS]


async def test_an_untrusted_certificate_is_refused(
        https_server: Start, dns_server: Callable[..., DnsServer]) -> None:
    web_server = await https_server({AUTOCONFIG: Reply(config_xml("smtp.example.test",
                                                                  465))}, NAMES)
    fetched = await fetch_xml(f"https://{AUTOCONFIG}", timeout=2.0,
                              options=web_server.options(context=None),
                              resolver=dns_server(zone()).resolver(), hosts_path=NO_HOSTS)
    assert fetched.outcome is FetchOutcome.REFUSED
    assert "certificate was not accepted" in fetched.reason


async def test_https_redirects_and_chunks_are_followed(
        https_server: Start, dns_server: Callable[..., DnsServer]) -> None:
    body = config_xml("smtp.example.test", 465)
    web_server = await https_server({
        AUTOCONFIG: Reply(status=301, headers={"Location": "https://example.test/moved.xml"}),
        "example.test/moved.xml": Reply(body, chunked=True,
                                        content_type="application/xml; charset=utf-8"),
    }, NAMES)
    fetched = await fetch_xml(f"https://{AUTOCONFIG}", timeout=2.0,
                              options=web_server.options(),
                              resolver=dns_server(zone()).resolver(), hosts_path=NO_HOSTS)
    assert (fetched.outcome, fetched.body) == (FetchOutcome.FOUND, body)
    assert fetched.redirects == ("https://example.test/moved.xml",)


async def test_nothing_published_is_no_warning(
        https_server: Start, dns_server: Callable[..., DnsServer],
        smtp_server: Callable[..., SmtpServer]) -> None:
    starttls = smtp_server(mode="starttls")
    web_server = await https_server({}, NAMES)
    dns = dns_server({"_submission._tcp.plain.test": {
        "SRV": [f"0 0 {starttls.port} smtp.plain.test."]},
        "smtp.plain.test": {"A": ["127.0.0.1"]}})
    result = await discover("plain.test", timeout=2.0, resolver=dns.resolver(), ports=(),
                            hosts_path=NO_HOSTS, https=web_server.options())
    step = result.report.step("autoconfig")
    assert step.status is Status.OK and "No autoconfig file was found" in step.summary
    assert len(step.details) == 3, "autoconfig server, well-known URL, online ISPDB"
    assert result.recommended is not None
    assert result.recommended.state is PortState.STARTTLS
