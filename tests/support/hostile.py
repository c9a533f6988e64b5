"""Hostile and broken peers on 127.0.0.1: each a tiny server that misbehaves one way."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

__all__ = ["BEHAVIOURS", "blackhole_port", "closed_port", "peer"]

Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


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
}


@contextmanager
def peer(name: str) -> Iterator[int]:
    """Run the named misbehaving server in a thread; yields its port."""
    behaviour = BEHAVIOURS[name]
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
        asyncio.start_server(handle, "127.0.0.1", 0), loop).result(5)
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
def blackhole_port() -> Iterator[int]:
    """A port whose SYNs go unanswered: a listener with a full backlog that never accepts.

    Linux drops new SYNs once the accept queue is full, which is what a firewall that
    drops packets looks like to a client: the connect just hangs.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers: list[socket.socket] = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
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
