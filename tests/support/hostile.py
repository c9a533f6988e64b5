"""Hostile and broken peers on 127.0.0.1: each a tiny server that misbehaves one way.

Some misbehave by being slow or silent; the hostile ones send what a server controlled
by someone else might: escape sequences that act on a terminal (a new title, a cleared
screen, a clipboard write with OSC 52), bytes that are not UTF-8, and the password the
client sent, quoted back in a reply in every form it travelled in.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BEHAVIOURS", "ESCAPES", "HostileCert", "blackhole_port", "closed_port",
           "hostile_cert", "peer", "serve", "tls_context"]

Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

ESCAPES = ("\x1b]0;PWNED\x07"          # OSC 0: the window title
           "\x1b[2J\x1b[H"             # CSI: clear the screen, cursor home
           "\x1b]52;c;cm0gLXJmIH4K\x07"  # OSC 52: write the clipboard
           "\x1b[31;1m"                 # SGR: bold red from here on
           "\u009b2J"                   # C1 CSI: clear, without ESC
           "\u202e")                    # right-to-left override
"""One of each kind of terminal control a hostile server might send."""
_ESC = ESCAPES.encode("utf-8")


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(3600)


async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
    await writer.drain()
    await asyncio.sleep(3600)


async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    for byte in b"220 slow.example ESMTP greetings from a very slow server\r\n":
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(1)


async def huge_line(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220-" + b"x" * 1_000_000 + b"\r\n220 done\r\n")
    await writer.drain()
    await asyncio.sleep(3600)


async def close_in_handshake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(1)  # the first byte of the ClientHello
    writer.close()


async def mute_after_greeting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                              ) -> None:
    writer.write(b"220 mute.example ESMTP\r\n")
    await writer.drain()
    await asyncio.sleep(3600)


async def hang_up_after_ehlo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                             ) -> None:
    writer.write(b"220 rude.example ESMTP\r\n")
    await writer.drain()
    await reader.readline()
    writer.close()


async def starttls_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                              ) -> None:
    writer.write(b"220 half.example ESMTP\r\n")
    await writer.drain()
    await reader.readline()
    writer.write(b"250-half.example\r\n250 STARTTLS\r\n")
    await writer.drain()
    await reader.readline()
    writer.write(b"220 go ahead\r\n")
    await writer.drain()
    await reader.read(1)
    writer.close()


async def starttls_refused(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                           ) -> None:
    writer.write(b"220 busy.example ESMTP\r\n")
    await writer.drain()
    await reader.readline()
    writer.write(b"250-busy.example\r\n250 STARTTLS\r\n")
    await writer.drain()
    await reader.readline()
    writer.write(b"454 4.7.0 TLS not available due to local problem\r\n")
    await writer.drain()
    await reader.readline()


async def _ehlo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                *lines: bytes) -> None:
    """Answer the client's EHLO with `lines` (the last one gets the space)."""
    await reader.readline()
    writer.write(b"".join(b"250" + (b" " if i == len(lines) - 1 else b"-") + line + b"\r\n"
                          for i, line in enumerate(lines)))
    await writer.drain()


async def _credentials(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       ) -> tuple[bytes, bytes, bytes]:
    """Run an AUTH LOGIN or PLAIN exchange; the user, the password and what carried it."""
    words = (await reader.readline()).split()
    if len(words) < 2:  # the client left (a second look at the certificate does)
        raise ConnectionResetError
    if words[1].upper() == b"PLAIN":
        blob = words[2] if len(words) > 2 else b""
        if not blob:
            writer.write(b"334 \r\n")
            await writer.drain()
            blob = (await reader.readline()).strip()
        _authzid, user, password = base64.b64decode(blob).split(b"\0")
        return user, password, blob
    if len(words) > 2:
        user = base64.b64decode(words[2])
    else:
        writer.write(b"334 VXNlcm5hbWU6\r\n")
        await writer.drain()
        user = base64.b64decode(await reader.readline())
    writer.write(b"334 UGFzc3dvcmQ6\r\n")
    await writer.drain()
    carried = (await reader.readline()).strip()
    return user, base64.b64decode(carried), carried


async def echo_password(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Refuses the login, quoting the password as typed and as it travelled (base64)."""
    writer.write(b"220 echo.example ESMTP\r\n")
    await writer.drain()
    await _ehlo(reader, writer, b"echo.example", b"AUTH LOGIN PLAIN")
    user, password, carried = await _credentials(reader, writer)
    writer.write(b"535-5.7.8 Wrong password '" + password + b"' for " + user + b"\r\n"
                 b"535 5.7.8 (you sent " + carried + b")\r\n")
    await writer.drain()
    await reader.readline()


async def echo_password_later(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                              ) -> None:
    """Accepts the login, then refuses the sender quoting the password."""
    writer.write(b"220 echo.example ESMTP\r\n")
    await writer.drain()
    await _ehlo(reader, writer, b"echo.example", b"AUTH LOGIN PLAIN")
    _user, password, carried = await _credentials(reader, writer)
    writer.write(b"235 2.7.0 ok\r\n")
    await writer.drain()
    await reader.readline()  # MAIL FROM
    writer.write(b"553 5.7.1 Sender refused for password " + password + b" / " + carried
                 + b"\r\n")
    await writer.drain()
    await reader.readline()


async def escape_banner(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Escape sequences in the greeting, in the EHLO lines and in the login refusal."""
    writer.write(b"220 " + _ESC + b" ESMTP\r\n")
    await writer.drain()
    await _ehlo(reader, writer, b"esc.example " + _ESC, b"X-" + _ESC, b"AUTH LOGIN PLAIN")
    await _credentials(reader, writer)
    writer.write(b"535 5.7.8 " + _ESC + b"\r\n")
    await writer.drain()
    await reader.readline()


async def escape_ehlo_refused(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                              ) -> None:
    """Refuses EHLO with escape sequences in the reply (a diagnosis quotes it)."""
    writer.write(b"220 esc.example ESMTP\r\n")
    await writer.drain()
    await reader.readline()
    writer.write(b"550 5.7.1 " + _ESC + b" go away\r\n")
    await writer.drain()
    await reader.readline()


async def latin1_banner(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A greeting and EHLO lines in Latin-1, then a login refusal with stray bytes."""
    writer.write(b"220 caf\xe9.example ESMTP pr\xeat\r\n")
    await writer.drain()
    await _ehlo(reader, writer, b"caf\xe9.example", b"X-\xff\xfe", b"AUTH LOGIN PLAIN")
    await _credentials(reader, writer)
    writer.write(b"535 5.7.8 mot de passe refus\xe9 \xff\xc0\r\n")
    await writer.drain()
    await reader.readline()


async def latin1_ehlo_refused(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                              ) -> None:
    writer.write(b"220 latin.example ESMTP\r\n")
    await writer.drain()
    await reader.readline()
    writer.write(b"550 5.7.1 H\xf4te refus\xe9 \xff\r\n")
    await writer.drain()
    await reader.readline()


async def escape_not_smtp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Not SMTP at all, and hostile about it: the first line quoted in "not-smtp"."""
    writer.write(_ESC + b"HTTP/1.1 400 \xff\r\n")
    await writer.drain()
    await asyncio.sleep(3600)


async def unicode_digits(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A greeting whose code is digits to str.isdigit() but not to int(): "²²⁰"."""
    writer.write("²²⁰ odd.example ESMTP\r\n".encode())
    await writer.drain()
    await asyncio.sleep(3600)


BEHAVIOURS: dict[str, Behaviour] = {
    "starttls-refused": starttls_refused,
    "silent": silent,
    "garbage": garbage,
    "drip": drip,
    "huge-line": huge_line,
    "close-in-handshake": close_in_handshake,
    "mute-after-greeting": mute_after_greeting,
    "hang-up-after-ehlo": hang_up_after_ehlo,
    "starttls-then-close": starttls_then_close,
    "echo-password": echo_password,
    "echo-password-later": echo_password_later,
    "escape-banner": escape_banner,
    "escape-ehlo-refused": escape_ehlo_refused,
    "latin1-banner": latin1_banner,
    "latin1-ehlo-refused": latin1_ehlo_refused,
    "escape-not-smtp": escape_not_smtp,
    "unicode-digits": unicode_digits,
}


@dataclass(frozen=True)
class HostileCert:
    """A CA and a server certificate whose names (CN, issuer, SAN) hold `ESCAPES`; the
    server certificate is valid for 127.0.0.1, so it verifies when `ca_file` is trusted."""

    ca_file: Path
    cert: Path
    key: Path


def hostile_cert(directory: Path) -> HostileCert:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(
        ec.SECP256R1())
    ca_name = name(f"Evil CA {ESCAPES}")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(name(f"leaf {ESCAPES}"))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([
                # A DNS name must be ASCII: the C0 controls are.
                x509.DNSName(ESCAPES.encode("ascii", "ignore").decode() + ".example"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = HostileCert(directory / "evil-ca.pem", directory / "evil.pem",
                        directory / "evil.key")
    paths.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return paths


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A server context for `peer(..., tls=...)`: TLS from the first byte."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


@contextmanager
def peer(name: str, *, tls: ssl.SSLContext | None = None) -> Iterator[int]:
    """Run the named misbehaving server in a thread; yields its port. With `tls`, the
    server speaks TLS from the first byte (as on port 465) before misbehaving."""
    with serve(BEHAVIOURS[name], tls=tls) as port:
        yield port


@contextmanager
def serve(behaviour: Behaviour, *, tls: ssl.SSLContext | None = None) -> Iterator[int]:
    """Run `behaviour` for every connection to a server on 127.0.0.1, in a thread of its
    own; yields the port. On exit every connection still open is cancelled."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await behaviour(reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = asyncio.run_coroutine_threadsafe(
        asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls), loop).result(5)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        async def close() -> None:
            server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


@contextmanager
def blackhole_port(host: str = "127.0.0.1", port: int = 0) -> Iterator[int]:
    """A port whose SYNs go unanswered: a listener with a full backlog that never accepts.

    Linux drops new SYNs once the accept queue is full, which is what a firewall that
    drops packets looks like to a client: the connect just hangs. `host` and `port` may
    name another loopback address and a fixed port (below 1024 only for root).
    """
    listener = socket.socket()
    listener.bind((host, port))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers: list[socket.socket] = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect((host, port))
            fillers.append(filler)
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@contextmanager
def closed_port() -> Iterator[int]:
    """A port nothing listens on (connections are refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    yield port
