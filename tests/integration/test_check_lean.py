"""What the check does without dnspython and cryptography: its DNS step asks the system's
resolver (getaddrinfo, as the connection does), and the facts of a verified certificate
come from `ssl` itself; the DER is parsed only when verification failed."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.servers import SmtpServer
from wizard.smtp.dns import Outcome
from wizard.smtp.sysdns import gai_outcome, system_addresses
from wizard.smtp.tls import cert_of, client_context, parse_cert


async def test_the_system_resolver_finds_localhost() -> None:
    found = await system_addresses("localhost")
    assert "127.0.0.1" in found.addresses
    assert (found.outcome, found.source) == (Outcome.OK, "system")
    literal = await system_addresses("127.0.0.1")
    assert (literal.addresses, literal.source) == (["127.0.0.1"], "literal")


@pytest.mark.parametrize(("code", "outcome"), [
    (socket.EAI_NONAME, Outcome.NXDOMAIN),
    (socket.EAI_NODATA, Outcome.NO_ADDRESS),
    (socket.EAI_AGAIN, Outcome.TIMEOUT),
    (socket.EAI_FAIL, Outcome.ERROR),
])
def test_getaddrinfo_errors_are_outcomes(code: int, outcome: Outcome) -> None:
    found, reason = gai_outcome(socket.gaierror(code, "what the C library said"),
                                "smtp.example.test", 5.0)
    assert found is outcome
    assert "smtp.example.test" in reason


async def test_a_verified_certificate_is_read_through_ssl_alone(
        smtp_server: Callable[..., SmtpServer], ca_file: Path) -> None:
    server = smtp_server(mode="implicit")
    _reader, writer = await asyncio.open_connection(
        "127.0.0.1", server.port, ssl=client_context(str(ca_file)),
        server_hostname="localhost")
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True)
        facts = cert_of(ssl_object)
    finally:
        writer.close()
    assert facts == parse_cert(der)
    assert facts is not None and facts.names == ("localhost", "127.0.0.1", "::1")
    assert facts.issuer == "smtp-wizard test CA" and not facts.self_signed
