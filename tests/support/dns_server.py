"""A tiny authoritative DNS server on 127.0.0.1 for the tests, built on dnspython.

It serves a zone given as a dict over UDP and TCP on one random port, from threads, so
the code under test sends real DNS messages over loopback:

    zone = {
        "smtp.example.test": {"A": ["127.0.0.1"], "AAAA": ["::1"]},
        "example.test": {"MX": ["10 mx.example.test."]},
        "_submissions._tcp.example.test": {"SRV": ["0 1 465 smtp.example.test."]},
        "alias.example.test": {"CNAME": ["smtp.example.test."]},
    }

Record data is written as in a zone file. Unknown names get NXDOMAIN; known names (and
the empty non-terminals above them) without the asked type get NOERROR with no answer.
Names in `silent` are never answered (for lifetime tests); names in `servfail` get
SERVFAIL. Every query is recorded as (name, type) in `queries`.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping

import dns.asyncresolver
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rrset
import pytest

__all__ = ["DnsServer", "Zone", "dns_server", "make_resolver"]

Zone = Mapping[str, Mapping[str, Iterable[str]]]
_TTL = 60
_MAX_CNAME_CHAIN = 8


def make_resolver(port: int, host: str = "127.0.0.1") -> dns.asyncresolver.Resolver:
    """An async resolver that asks only the server at host:port (no resolv.conf)."""
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [dns.nameserver.Do53Nameserver(host, port)]
    resolver.timeout = 1.0
    resolver.lifetime = 3.0
    return resolver


def two_srv_hosts(first: int, second: int) -> dict[str, dict[str, list[str]]]:
    """SRV records for first.example.test (ranked first) and second.example.test."""
    return {
        "_submission._tcp.example.test": {"SRV": [f"0 1 {first} first.example.test.",
                                                  f"1 1 {second} second.example.test."]},
        "first.example.test": {"A": ["127.0.0.1"]},
        "second.example.test": {"A": ["127.0.0.1"]},
    }


class DnsServer:
    """Serves `zone` on 127.0.0.1 (UDP and TCP, same port) until `stop()`."""

    def __init__(self, zone: Zone, *, silent: Iterable[str] = (),
                 servfail: Iterable[str] = ()) -> None:
        self.records: dict[dns.name.Name, dict[dns.rdatatype.RdataType,
                                               list[dns.rdata.Rdata]]] = {}
        for name, types in zone.items():
            owner = dns.name.from_text(name)
            entry = self.records.setdefault(owner, {})
            for rdtype_text, values in types.items():
                rdtype = dns.rdatatype.from_text(rdtype_text)
                entry[rdtype] = [dns.rdata.from_text(dns.rdataclass.IN, rdtype, value,
                                                     origin=dns.name.root, relativize=False)
                                 for value in values]
        self.silent = {dns.name.from_text(name) for name in silent}
        self.servfail = {dns.name.from_text(name) for name in servfail}
        self.queries: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._udp, self._tcp = self._bind()
        self.port: int = self._udp.server_address[1]
        self._threads = [threading.Thread(target=server.serve_forever, kwargs={
            "poll_interval": 0.05}, daemon=True) for server in (self._udp, self._tcp)]

    def _bind(self) -> tuple[socketserver.ThreadingUDPServer, socketserver.ThreadingTCPServer]:
        owner = self
        udp_handler = type("_Udp", (_UdpHandler,), {"dns": owner})
        tcp_handler = type("_Tcp", (_TcpHandler,), {"dns": owner})
        # TCP must get the same port as UDP; another process may hold it, so retry.
        for _attempt in range(20):
            udp = socketserver.ThreadingUDPServer(("127.0.0.1", 0), udp_handler)
            udp.daemon_threads = True
            try:
                tcp = socketserver.ThreadingTCPServer(("127.0.0.1", udp.server_address[1]),
                                                      tcp_handler)
            except OSError:
                udp.server_close()
                continue
            tcp.daemon_threads = True
            return udp, tcp
        raise RuntimeError("could not bind UDP and TCP to one free port")

    def start(self) -> DnsServer:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        for server in (self._udp, self._tcp):
            server.shutdown()
            server.server_close()

    def resolver(self) -> dns.asyncresolver.Resolver:
        return make_resolver(self.port)

    def answer(self, wire: bytes) -> bytes | None:
        """The response to one query message, or None to stay silent."""
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        if not query.question:
            return None
        question = query.question[0]
        with self._lock:
            self.queries.append((question.name.to_text(omit_final_dot=True).lower(),
                                 dns.rdatatype.to_text(question.rdtype)))
        if question.name in self.silent:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if question.name in self.servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response.to_wire()
        name = question.name
        for _hop in range(_MAX_CNAME_CHAIN):
            entry = self.records.get(name)
            if entry is None:
                if name == question.name and not self._has_descendant(name):
                    response.set_rcode(dns.rcode.NXDOMAIN)
                break
            cname = entry.get(dns.rdatatype.CNAME)
            if cname and question.rdtype != dns.rdatatype.CNAME:
                response.answer.append(self._rrset(name, dns.rdatatype.CNAME, cname))
                target = cname[0]
                assert isinstance(target, dns.rdtypes.ANY.CNAME.CNAME)
                name = target.target
                continue
            if question.rdtype in entry:
                response.answer.append(self._rrset(name, question.rdtype,
                                                   entry[question.rdtype]))
            break
        return response.to_wire()

    def _has_descendant(self, name: dns.name.Name) -> bool:
        return any(owner.is_subdomain(name) for owner in self.records)

    @staticmethod
    def _rrset(name: dns.name.Name, rdtype: dns.rdatatype.RdataType,
               rdatas: list[dns.rdata.Rdata]) -> dns.rrset.RRset:
        rrset = dns.rrset.RRset(name, dns.rdataclass.IN, rdtype)
        for rdata in rdatas:
            rrset.add(rdata, _TTL)
        return rrset


class _UdpHandler(socketserver.BaseRequestHandler):
    dns: DnsServer

    def handle(self) -> None:
        data, sock = self.request
        reply = self.dns.answer(data)
        if reply is not None:
            sock.sendto(reply, self.client_address)


class _TcpHandler(socketserver.BaseRequestHandler):
    dns: DnsServer

    def handle(self) -> None:
        conn: socket.socket = self.request
        conn.settimeout(5)
        try:
            header = _recv_exactly(conn, 2)
            wire = _recv_exactly(conn, struct.unpack("!H", header)[0])
        except (OSError, EOFError):
            return
        reply = self.dns.answer(wire)
        if reply is not None:
            conn.sendall(struct.pack("!H", len(reply)) + reply)


def _recv_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


@pytest.fixture
def dns_server() -> Iterator[Callable[..., DnsServer]]:
    """Factory: `dns_server(zone, silent=[...], servfail=[...])` starts a server."""
    started: list[DnsServer] = []

    def start(zone: Zone, **options: Iterable[str]) -> DnsServer:
        server = DnsServer(zone, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
