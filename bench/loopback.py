"""The servers `bench/answers.py` talks to, on loopback, in a process of their own.

Run by the bench (`python bench/loopback.py FOLDER`): it prints one JSON line with the
ports, then serves until its standard input closes. Living in another process, the
servers' CPU time never counts as the measured program's.

- an SMTP server with STARTTLS and AUTH on 127.0.0.1 (the check rows);
- a silent port on 127.0.0.1: it accepts and never says a word (the silent-port row);
- a DNS zone for example.test: an SRV record for smtp.example.test port 465, whose
  server answers at once, and an MX host, mx.example.test, whose ports 465, 587, 25 and
  2525 are blackholed (SYNs unanswered) (the discovery row). Binding those ports on
  127.0.0.2 and 127.0.0.3 needs root; without it the zone is left out and the row
  skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.dns_server import DnsServer
from tests.support.hostile import blackhole_port, peer
from wizard.demo.servers import ServerOptions, SmtpServer, make_certs

FAST, BLACKHOLED = "127.0.0.2", "127.0.0.3"
PROBED = (465, 587, 25, 2525)
"""The ports discovery probes on every candidate."""


def zone() -> dict[str, dict[str, list[str]]]:
    return {
        "example.test": {"MX": ["10 mx.example.test."]},
        "_submissions._tcp.example.test": {"SRV": ["0 1 465 smtp.example.test."]},
        "smtp.example.test": {"A": [FAST]},
        "mx.example.test": {"A": [BLACKHOLED]},
    }


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


def forward(host: str, port: int, to_port: int) -> None:
    """Serve host:port by relaying every connection to 127.0.0.1:to_port (the test
    servers listen on 127.0.0.1 and a port of their own choosing)."""
    loop = asyncio.new_event_loop()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", to_port)
        await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))

    threading.Thread(target=loop.run_forever, daemon=True).start()
    asyncio.run_coroutine_threadsafe(asyncio.start_server(relay, host, port), loop).result(5)


def main() -> None:
    certs = make_certs(Path(sys.argv[1]))
    starttls = SmtpServer(ServerOptions(mode="starttls"), certs).start()
    implicit = SmtpServer(ServerOptions(mode="implicit"), certs).start()
    with contextlib.ExitStack() as stack:
        info: dict[str, object] = {"starttls": starttls.port, "ca_file": str(certs.ca_file),
                                   "silent": stack.enter_context(peer("silent"))}
        try:
            for port in PROBED:
                stack.enter_context(blackhole_port(BLACKHOLED, port))
            forward(FAST, 465, implicit.port)
        except PermissionError:
            info["dns"] = None
        else:
            info["dns"] = DnsServer(zone()).start().port
        print(json.dumps(info), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
