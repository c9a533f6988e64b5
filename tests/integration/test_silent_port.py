"""A port that accepts and stays silent is asked both ways at once: for an SMTP greeting
on the first connection and for TLS on a second, within one deadline.

The peer here greets its first connection only when a second one arrives. A client that
waits for the greeting while it tries TLS meets that greeting; one that first gives up
on the greeting and only then tries TLS has closed the first connection by then.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

from tests.support.hostile import serve
from wizard.model.report import Status
from wizard.model.settings import Security, Settings
from wizard.smtp.check import run_check
from wizard.smtp.ports import PortState, probe_port


@contextlib.contextmanager
def greets_when_asked_twice() -> Iterator[int]:
    """A peer on 127.0.0.1 that greets its first connection when a second arrives (and
    closes the second); its port."""
    second = asyncio.Event()
    connections = 0

    async def greet_late(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        if connections > 1:
            second.set()
            return
        await second.wait()
        writer.write(b"220 late.example ESMTP\r\n")
        while line := await reader.readline():
            reply = b"221 bye\r\n" if line.upper().startswith(b"QUIT") else \
                b"250 late.example\r\n"
            writer.write(reply)
            await writer.drain()

    with serve(greet_late) as port:
        yield port


async def test_the_check_still_hears_a_late_greeting_while_it_tries_tls() -> None:
    with greets_when_asked_twice() as port:
        settings = Settings(host="127.0.0.1", port=port, security=Security.STARTTLS,
                            auth=False, timeout=20.0)
        report = await run_check(settings)
    assert report.step("connect").status is Status.OK, report.to_dict()
    # It greets, but offers no STARTTLS: that is the next step's finding.
    assert report.diagnoses == ["starttls-missing"]


async def test_a_probe_still_hears_a_late_greeting_while_it_tries_tls() -> None:
    with greets_when_asked_twice() as port:
        async with asyncio.timeout(20):
            seen = await probe_port("127.0.0.1", port, tls_first=False, banner_wait=0.2)
    assert seen.state is PortState.PLAIN
    assert seen.banner == "220 late.example ESMTP"
