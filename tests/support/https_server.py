"""A loopback HTTPS server for the autoconfig tests, with trustme certificates.

It serves, in the test's own event loop, one `Reply` per "host/path" (the Host header and
the path without the query), so one server on one port stands in for every autoconfig
server, well-known URL and ISPDB the loopback DNS server points at 127.0.0.1. Replies can
misbehave on purpose: huge, dripping slowly, chunked, a wrong content type, a redirect.

    server = await https_server({"autoconfig.example.test/mail/config-v1.1.xml":
                                 Reply(config_xml("smtp.example.test", 465))},
                                names=["autoconfig.example.test"])
    options = server.options(ispdb_url="https://ispdb.test/v1.1/")
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pytest
import trustme

from wizard.smtp.https import HttpsOptions

__all__ = ["HttpsServer", "Reply", "config_xml", "https_server"]


@dataclass(frozen=True)
class Reply:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/xml"
    headers: Mapping[str, str] = field(default_factory=dict)
    chunked: bool = False
    drip: float = 0.0
    """Seconds between single bytes of the body (a slow server)."""


def config_xml(host: str, port: int, socket_type: str = "SSL",
               username: str = "%EMAILADDRESS%", name: str = "Example Mail") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example">
    <domain>example.test</domain>
    <displayName>{name}</displayName>
    <outgoingServer type="smtp">
      <hostname>{host}</hostname>
      <port>{port}</port>
      <socketType>{socket_type}</socketType>
      <username>{username}</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
    <documentation url="https://help.example.test/smtp"><descr>SMTP</descr></documentation>
  </emailProvider>
</clientConfig>
""".encode()


class HttpsServer:
    def __init__(self, routes: Mapping[str, Reply], names: Sequence[str]) -> None:
        self.routes = dict(routes)
        self.ca = trustme.CA(organization_name="smtp-wizard autoconfig test CA")
        leaf = self.ca.issue_cert(*names)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        leaf.configure_cert(self.context)
        self.requests: list[str] = []
        """Each request as host + target, query included."""
        self.port = 0
        self._server: asyncio.Server | None = None

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def options(self, **changes: object) -> HttpsOptions:
        return HttpsOptions(**{"port": self.port, "context": self.client_context(),
                               "ispdb_url": "https://ispdb.test/v1.1/", **changes})

    async def start(self) -> HttpsServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0,
                                                  ssl=self.context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            lines = head.decode("latin-1").split("\r\n")
            target = lines[0].split(" ")[1]
            host = next(line.partition(":")[2].strip() for line in lines
                        if line.lower().startswith("host:"))
            self.requests.append(host + target)
            reply = self.routes.get(host + target.partition("?")[0], Reply(b"", status=404))
            await self._send(writer, reply)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                StopIteration, IndexError, ssl.SSLError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, reply: Reply) -> None:
        headers = {"Content-Type": reply.content_type, "Connection": "close",
                   **reply.headers}
        if reply.chunked:
            headers["Transfer-Encoding"] = "chunked"
        elif not reply.drip:
            headers["Content-Length"] = str(len(reply.body))
        head = f"HTTP/1.1 {reply.status} X\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
        writer.write(head.encode())
        if reply.chunked:
            for start in range(0, len(reply.body), 100):
                chunk = reply.body[start:start + 100]
                writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            writer.write(b"0\r\n\r\n")
        elif reply.drip:
            for byte in reply.body:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(reply.drip)
        else:
            writer.write(reply.body)
        await writer.drain()


@pytest.fixture
async def https_server() -> AsyncIterator[Callable[..., Awaitable[HttpsServer]]]:
    """Factory: `await https_server(routes, names=[...])` starts a server on loopback."""
    started: list[HttpsServer] = []

    async def start(routes: Mapping[str, Reply], names: Sequence[str]) -> HttpsServer:
        server = await HttpsServer(routes, names).start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.stop()
