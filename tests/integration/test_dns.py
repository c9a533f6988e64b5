"""DNS look-ups against a real DNS server on loopback (tests/dns_server.py)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.dns_server import DnsServer, make_resolver
from wizard.model.settings import Security
from wizard.smtp.dns import (
    Outcome,
    mx_records,
    read_hosts_file,
    resolve_addresses,
    srv_records,
)

ZONE = {
    "smtp.example.test": {"A": ["192.0.2.10", "192.0.2.11"], "AAAA": ["2001:db8::10"]},
    "v6only.example.test": {"AAAA": ["2001:db8::6"]},
    "alias.example.test": {"CNAME": ["smtp.example.test."]},
    "example.test": {"MX": ["20 mx2.example.test.", "10 mx1.example.test.",
                            "10 a-mx.example.test."]},
    "xn--bcher-kva.example.test": {"A": ["192.0.2.77"]},
    "_submissions._tcp.example.test": {"SRV": [
        "10 5 465 second.example.test.", "0 1 465 light.example.test.",
        "0 60 4650 heavy.example.test."]},
    "_submission._tcp.example.test": {"SRV": ["0 0 587 smtp.example.test."]},
    "_submissions._tcp.starttls-only.test": {"SRV": ["0 0 0 ."]},
    "_submission._tcp.starttls-only.test": {"SRV": ["5 0 587 mail.starttls-only.test."]},
    "nullmx.test": {"MX": ["0 ."]},
    "nomx.test": {"A": ["192.0.2.1"]},
}
SILENT = ["hang.example.test", "_submissions._tcp.slow.test", "_submission._tcp.slow.test",
          "slow.test"]
NO_HOSTS = "/nonexistent/hosts"
# dnspython's lifetime plus a loaded CI machine's scheduling: still far below a hang.
SLACK = 0.5


@pytest.fixture
def server(dns_server: Callable[..., DnsServer]) -> DnsServer:
    return dns_server(ZONE, silent=SILENT, servfail=["broken.example.test"])


async def test_a_and_aaaa_are_both_asked_and_ipv4_comes_first(server: DnsServer) -> None:
    result = await resolve_addresses("smtp.example.test", resolver=server.resolver(),
                                     hosts_path=NO_HOSTS)
    assert result.outcome is Outcome.OK
    # An RRset has no order; IPv4 before IPv6 is the promise.
    assert sorted(result.addresses[:2]) == ["192.0.2.10", "192.0.2.11"]
    assert result.addresses[2:] == ["2001:db8::10"]
    assert result.source == "dns"
    assert {("smtp.example.test", "A"), ("smtp.example.test", "AAAA")} <= set(server.queries)


async def test_ipv6_only_name_and_cname_chain(server: DnsServer) -> None:
    v6 = await resolve_addresses("v6only.example.test", resolver=server.resolver(),
                                 hosts_path=NO_HOSTS)
    assert (v6.outcome, v6.addresses) == (Outcome.OK, ["2001:db8::6"])
    alias = await resolve_addresses("Alias.Example.Test.", resolver=server.resolver(),
                                    hosts_path=NO_HOSTS)
    assert sorted(alias.addresses) == ["192.0.2.10", "192.0.2.11", "2001:db8::10"]


async def test_hosts_file_wins_over_dns_like_nsswitch_files_dns(
        server: DnsServer, tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.write_text("# comment line\n"
                     "127.0.0.1\tlocalhost\n"
                     "10.9.8.7  relay.internal SMTP.Example.Test.  # trailing comment\n"
                     "::1 relay.internal\n"
                     "not-an-ip ignored.example.test\n")
    result = await resolve_addresses("smtp.example.test", resolver=server.resolver(),
                                     hosts_path=hosts)
    assert (result.source, result.addresses) == ("hosts", ["10.9.8.7"])
    relay = await resolve_addresses("relay.internal", resolver=server.resolver(),
                                    hosts_path=hosts)
    assert relay.addresses == ["10.9.8.7", "::1"]
    assert server.queries == [], "a name in the hosts file must not reach DNS"
    assert "ignored.example.test" not in read_hosts_file(hosts)
    assert read_hosts_file(tmp_path / "missing") == {}


async def test_ip_literals_are_their_own_address(server: DnsServer) -> None:
    for literal, expected in (("192.0.2.5", "192.0.2.5"), ("[2001:DB8::1]", "2001:db8::1")):
        result = await resolve_addresses(literal, resolver=server.resolver())
        assert (result.outcome, result.addresses, result.source) == (
            Outcome.OK, [expected], "literal")
    assert server.queries == []


async def test_idn_names_are_queried_in_their_xn_form(server: DnsServer) -> None:
    result = await resolve_addresses("Bücher.example.test", resolver=server.resolver(),
                                     hosts_path=NO_HOSTS)
    assert result.name == "xn--bcher-kva.example.test"
    assert result.addresses == ["192.0.2.77"]
    assert ("xn--bcher-kva.example.test", "A") in server.queries


async def test_nxdomain_and_no_address_are_told_apart(server: DnsServer) -> None:
    missing = await resolve_addresses("nope.example.test", resolver=server.resolver(),
                                      hosts_path=NO_HOSTS)
    assert (missing.outcome, missing.addresses) == (Outcome.NXDOMAIN, [])
    assert "nope.example.test" in missing.error
    # A mail domain with only MX records: exists, but is not a server name.
    domain = await resolve_addresses("example.test", resolver=server.resolver(),
                                     hosts_path=NO_HOSTS)
    assert domain.outcome is Outcome.NO_ADDRESS
    # An empty non-terminal (only names below it exist) is NOERROR, not NXDOMAIN.
    between = await resolve_addresses("_tcp.example.test", resolver=server.resolver(),
                                      hosts_path=NO_HOSTS)
    assert between.outcome is Outcome.NO_ADDRESS


async def test_silent_server_times_out_within_the_lifetime(server: DnsServer) -> None:
    start = time.monotonic()
    result = await resolve_addresses("hang.example.test", resolver=server.resolver(),
                                     lifetime=0.6, hosts_path=NO_HOSTS)
    elapsed = time.monotonic() - start
    assert result.outcome is Outcome.TIMEOUT
    assert result.addresses == []
    assert 0.5 <= elapsed < 0.6 + SLACK


async def test_lifetime_bounds_even_a_resolver_with_long_retries(server: DnsServer) -> None:
    resolver = server.resolver()
    resolver.timeout = resolver.lifetime = 30.0
    start = time.monotonic()
    result = await srv_records("slow.test", resolver=resolver, lifetime=0.5)
    assert result.outcome is Outcome.TIMEOUT
    assert time.monotonic() - start < 0.5 + SLACK


async def test_servfail_and_unreachable_server_are_errors_not_exceptions(
        server: DnsServer) -> None:
    broken = await resolve_addresses("broken.example.test", resolver=server.resolver(),
                                     hosts_path=NO_HOSTS)
    assert broken.outcome is Outcome.ERROR
    assert "SERVFAIL" in broken.error
    # Nothing listens on the port: the look-up ends in its lifetime either way.
    dead = make_resolver(_closed_udp_port())
    start = time.monotonic()
    result = await resolve_addresses("smtp.example.test", resolver=dead, lifetime=0.8,
                                     hosts_path=NO_HOSTS)
    assert result.outcome in (Outcome.ERROR, Outcome.TIMEOUT)
    assert time.monotonic() - start < 0.8 + SLACK


async def test_invalid_name_is_an_error_result(server: DnsServer) -> None:
    result = await resolve_addresses("a..b.example", resolver=server.resolver(),
                                     hosts_path=NO_HOSTS)
    assert result.outcome is Outcome.ERROR
    assert server.queries == []


async def test_srv_order_implicit_tls_first_then_priority_then_weight(
        server: DnsServer) -> None:
    result = await srv_records("example.test", resolver=server.resolver())
    assert result.outcome is Outcome.OK
    assert [(r.service, r.target, r.port) for r in result.records] == [
        ("submissions", "heavy.example.test", 4650),  # priority 0, weight 60
        ("submissions", "light.example.test", 465),   # priority 0, weight 1
        ("submissions", "second.example.test", 465),  # priority 10
        ("submission", "smtp.example.test", 587),
    ]
    assert [r.security for r in result.records] == [Security.TLS] * 3 + [Security.STARTTLS]
    assert result.not_offered == []


async def test_srv_dot_target_means_not_offered(server: DnsServer) -> None:
    result = await srv_records("starttls-only.test", resolver=server.resolver())
    assert result.not_offered == ["submissions"]
    assert [(r.target, r.port, r.priority) for r in result.records] == [
        ("mail.starttls-only.test", 587, 5)]


async def test_srv_absent_is_no_records_even_for_a_missing_domain(server: DnsServer) -> None:
    for domain in ("nomx.test", "nowhere.test"):
        result = await srv_records(domain, resolver=server.resolver())
        assert (result.outcome, result.records, result.error) == (Outcome.NO_RECORDS, [], "")


async def test_mx_sorted_by_preference_then_name(server: DnsServer) -> None:
    result = await mx_records("example.test", resolver=server.resolver())
    assert result.outcome is Outcome.OK
    assert [(r.preference, r.host) for r in result.records] == [
        (10, "a-mx.example.test"), (10, "mx1.example.test"), (20, "mx2.example.test")]
    assert result.hosts[0] == "a-mx.example.test"


async def test_mx_null_missing_and_nonexistent(server: DnsServer) -> None:
    null = await mx_records("nullmx.test", resolver=server.resolver())
    assert (null.outcome, null.null_mx, null.records) == (Outcome.OK, True, [])
    none = await mx_records("nomx.test", resolver=server.resolver())
    assert (none.outcome, none.null_mx) == (Outcome.NO_RECORDS, False)
    gone = await mx_records("nowhere.test", resolver=server.resolver())
    assert gone.outcome is Outcome.NXDOMAIN
    start = time.monotonic()
    slow = await mx_records("slow.test", resolver=server.resolver(), lifetime=0.4)
    assert slow.outcome is Outcome.TIMEOUT
    assert time.monotonic() - start < 0.4 + SLACK


def _closed_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_cancelled_lookup_leaves_no_query_running(server: DnsServer) -> None:
    """The TUI cancels a worker when the user goes back: nothing may keep running."""
    task = asyncio.create_task(resolve_addresses("hang.example.test", lifetime=5.0,
                                                 resolver=server.resolver(),
                                                 hosts_path=NO_HOSTS))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert asyncio.all_tasks() == {asyncio.current_task()}
