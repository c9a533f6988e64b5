"""What speaks on a port: implicit TLS, SMTP with or without STARTTLS, or nothing.

Many ports are probed concurrently under one overall deadline; a blackholed port costs
no more than that deadline, and every row that has not answered by then is reported as
timed out. The probe only classifies (certificates are not judged here; the check does
that), so it uses a TLS context without verification, and reads the EHLO reply itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import ssl
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from wizard.model.fields import ip_literal
from wizard.model.settings import Security, Settings
from wizard.model.shown import visible
from wizard.smtp.tls import insecure_context

__all__ = [
    "BANNER_WAIT",
    "SECURITY_OF_STATE",
    "PortResult",
    "PortState",
    "ProbeFailure",
    "detect_security",
    "open_socket",
    "parse_ehlo",
    "probe_port",
    "probe_ports",
    "probe_tls",
]

# An implicit-TLS port stays silent until the client speaks; a real SMTP greeting comes
# within a fraction of a second, so after this long without one TLS is tried as well.
BANNER_WAIT = 1.5
# RFC 5321 allows 512-byte lines; a server sending far longer ones is not SMTP.
_LINE_LIMIT = 8192
_TLS_FIRST_PORTS = frozenset({465})


class PortState(StrEnum):
    IMPLICIT_TLS = "implicit-tls"
    STARTTLS = "starttls"
    PLAIN = "plain"
    """SMTP without STARTTLS."""
    REFUSED = "refused"
    TIMEOUT = "timeout"
    SILENT = "silent"
    """Accepted the connection, then neither greeted nor spoke TLS."""
    NOT_SMTP = "not-smtp"
    ERROR = "error"
    PENDING = "pending"
    """Not answered yet: a discovery returned before this probe ended (it could not have
    changed the recommendation)."""

    @property
    def is_smtp(self) -> bool:
        return self in (PortState.IMPLICIT_TLS, PortState.STARTTLS, PortState.PLAIN)


SECURITY_OF_STATE: Mapping[PortState, Security] = {
    PortState.IMPLICIT_TLS: Security.TLS,
    PortState.STARTTLS: Security.STARTTLS,
    PortState.PLAIN: Security.NONE,
}
"""The security setting that speaks each SMTP state; the other states have none."""


@dataclass(frozen=True)
class PortResult:
    host: str
    port: int
    state: PortState
    banner: str = ""
    elapsed: float = 0.0
    detail: str = ""
    auth: tuple[str, ...] = field(default=())
    """AUTH mechanisms seen in the EHLO answer (on TLS ports: after the handshake)."""

    def to_dict(self) -> dict[str, object]:
        return {"host": self.host, "port": self.port, "state": str(self.state),
                "banner": self.banner, "elapsed": round(self.elapsed, 4),
                "detail": self.detail, "auth": list(self.auth)}


class ProbeFailure(Exception):
    """Internal: ends one probe with a state."""

    def __init__(self, state: PortState, detail: str = "") -> None:
        super().__init__(detail)
        self.state = state
        self.detail = detail


async def open_socket(host: str, port: int) -> socket.socket:
    """A connected non-blocking socket, trying each address of `host` in order.

    Raises OSError (ConnectionRefusedError when every address refused); the caller's
    deadline bounds the time.
    """
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    error: OSError = OSError(f"no address for {host}")
    for family, type_, proto, _name, address in infos:
        sock = socket.socket(family, type_, proto)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    raise error


async def _read_reply(reader: asyncio.StreamReader) -> tuple[int, list[str]]:
    lines: list[str] = []
    while True:
        try:
            raw = await reader.readuntil(b"\n")
        except asyncio.LimitOverrunError:
            raise ProbeFailure(PortState.NOT_SMTP, "a line longer than 8 KiB") from None
        except asyncio.IncompleteReadError as exc:
            if lines or exc.partial:
                raise ProbeFailure(PortState.NOT_SMTP, "connection closed mid-reply") from None
            raise ProbeFailure(PortState.NOT_SMTP, "closed without a greeting") from None
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        code = text[:3]
        # isascii: "²²⁰" is digits to isdigit() but not to int().
        if len(code) < 3 or not (code.isascii() and code.isdigit()) or (
                text[3:4] not in ("", " ", "-")):
            raise ProbeFailure(PortState.NOT_SMTP, f"answered “{visible(text[:60])}”")
        # Shown later in tables and reports: escape sequences made visible here.
        lines.append(visible(text))
        if text[3:4] != "-":
            return int(text[:3]), lines


def parse_ehlo(lines: Sequence[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """The extensions (lower-case keyword -> parameters) and the AUTH mechanisms (upper
    case, each once) of an EHLO reply, given as its wire lines ("250-AUTH LOGIN PLAIN").

    The first line names the server, not an extension. Servers written before RFC 4954
    announce "AUTH=LOGIN PLAIN", often besides the standard line; both count.
    """
    extensions: dict[str, str] = {}
    auth: list[str] = []
    for line in lines[1:]:
        text = line[4:].strip()
        if text[:5].lower() == "auth=":
            keyword, params = "auth", text[5:]
        else:
            keyword, _sep, params = text.partition(" ")
            keyword = keyword.lower()
        if not keyword:
            continue
        extensions[keyword] = params
        if keyword == "auth":
            auth += params.upper().split()
    return extensions, tuple(dict.fromkeys(auth))


async def _ehlo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                ) -> tuple[dict[str, str], tuple[str, ...]]:
    writer.write(b"EHLO smtp-wizard.invalid\r\n")
    code, lines = await _read_reply(reader)
    if code != 250:
        return {}, ()
    return parse_ehlo(lines)


async def _quit(writer: asyncio.StreamWriter) -> None:
    try:
        writer.write(b"QUIT\r\n")
        writer.close()
    except (OSError, RuntimeError):
        pass


async def _try_plain(host: str, port: int,
                     on_connect: Callable[[], None] | None) -> PortResult:
    sock = await open_socket(host, port)
    if on_connect is not None:
        on_connect()
    reader, writer = await asyncio.open_connection(sock=sock, limit=_LINE_LIMIT)
    try:
        code, lines = await _read_reply(reader)
        banner = "\n".join(lines)
        if code != 220:
            raise ProbeFailure(PortState.NOT_SMTP, f"greeted with “{banner[:60]}”")
        extensions, auth = await _ehlo(reader, writer)
        state = PortState.STARTTLS if "starttls" in extensions else PortState.PLAIN
        return PortResult(host, port, state, banner=banner, auth=auth)
    finally:
        await _quit(writer)


async def _try_tls(host: str, port: int,
                   on_connect: Callable[[], None] | None) -> PortResult:
    sock = await open_socket(host, port)
    if on_connect is not None:
        on_connect()
    try:
        reader, writer = await asyncio.open_connection(
            sock=sock, ssl=insecure_context(),
            server_hostname="localhost" if ip_literal(host) else host, limit=_LINE_LIMIT)
    except (ssl.SSLError, ConnectionError) as exc:
        sock.close()
        raise ProbeFailure(PortState.NOT_SMTP, f"no TLS: {exc}") from None
    try:
        code, lines = await _read_reply(reader)
        banner = "\n".join(lines)
        if code != 220:
            raise ProbeFailure(PortState.NOT_SMTP, f"greeted with “{banner[:60]}”")
        _extensions, auth = await _ehlo(reader, writer)
        return PortResult(host, port, PortState.IMPLICIT_TLS, banner=banner, auth=auth)
    finally:
        await _quit(writer)


async def _attempt(kind: str, host: str, port: int,
                   on_connect: Callable[[], None] | None) -> PortResult:
    """One way of talking to the port ("tls" or "plain"); every ending is a state."""
    try:
        if kind == "tls":
            return await _try_tls(host, port, on_connect)
        return await _try_plain(host, port, on_connect)
    except ProbeFailure as exc:
        return PortResult(host, port, exc.state, detail=exc.detail)
    except ConnectionRefusedError:
        return PortResult(host, port, PortState.REFUSED)
    except OSError as exc:
        return PortResult(host, port, PortState.ERROR, detail=str(exc))


async def probe_tls(host: str, port: int,
                    on_connect: Callable[[], None] | None = None) -> PortResult:
    """Whether the port speaks TLS from the first byte: IMPLICIT_TLS, or what it did
    instead. Run it under a deadline: a port that never answers the handshake waits."""
    start = time.monotonic()
    result = await _attempt("tls", host, port, on_connect)
    return dataclasses.replace(result, elapsed=time.monotonic() - start)


async def probe_port(host: str, port: int, *, tls_first: bool | None = None,
                     banner_wait: float = BANNER_WAIT,
                     on_connect: Callable[[], None] | None = None) -> PortResult:
    """Classify one port; run it under a deadline (a silent port waits forever).

    Ports where TLS comes first (465) start with TLS, the others with plain SMTP. The
    other way starts on a second connection as soon as the first fails, or after
    `banner_wait` without an answer, and both then go on together: a silent port is
    classified within one deadline, not one per way. A plain attempt that stays silent
    for `banner_wait` after TLS failed ends as SILENT. `on_connect` is called when TCP
    connects, so a caller whose deadline expires can tell a filtered port from a silent
    one.
    """
    start = time.monotonic()
    tls_first = port in _TLS_FIRST_PORTS if tls_first is None else tls_first
    first, second = ("tls", "plain") if tls_first else ("plain", "tls")
    tasks: dict[str, asyncio.Task[PortResult]] = {}
    started: dict[str, float] = {}
    failures: dict[str, PortResult] = {}
    failed_at = start

    def begin(kind: str) -> None:
        started[kind] = time.monotonic()
        tasks[kind] = asyncio.ensure_future(_attempt(kind, host, port, on_connect))

    def done(result: PortResult) -> PortResult:
        return dataclasses.replace(result, elapsed=time.monotonic() - start)

    begin(first)
    try:
        while True:
            if second not in tasks:
                wake: float | None = started[first] + banner_wait
            elif "tls" in failures and "plain" not in failures:
                # Silent for `banner_wait` counted from the TLS failure: a greeting the
                # second connection set off may still be on its way.
                wake = max(started["plain"], failed_at) + banner_wait
            else:
                wake = None
            running = [task for kind, task in tasks.items() if kind not in failures]
            finished, _running = await asyncio.wait(
                running, return_when=asyncio.FIRST_COMPLETED,
                timeout=None if wake is None else max(wake - time.monotonic(), 0.0))
            for kind, task in tasks.items():
                if task not in finished:
                    continue
                result = task.result()
                if result.state.is_smtp:
                    return done(result)
                if kind == first and second not in tasks and result.state in (
                        PortState.REFUSED, PortState.ERROR):
                    return done(result)  # nothing to learn from a second connection
                failures[kind] = result
                failed_at = time.monotonic()
            if not finished and second in tasks:
                failures["plain"] = PortResult(host, port, PortState.SILENT)
            if second not in tasks and (not finished or first in failures):
                begin(second)
            if len(failures) == 2:
                # What the plain attempt saw (silence, garbage) says more than a failed
                # handshake.
                return done(failures["plain"])
    finally:
        # Also when the caller's deadline cancels us: no attempt outlives the probe.
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)


async def probe_ports(
    targets: Sequence[tuple[str, int]],
    *,
    timeout: float,
    on_result: Callable[[PortResult], None] | None = None,
    banner_wait: float = BANNER_WAIT,
    tls_ports: Collection[int] = _TLS_FIRST_PORTS,
) -> list[PortResult]:
    """Probe every (host, port) at once; the whole batch ends within `timeout` seconds.

    Results come back in the order of `targets`; `on_result` is called as each arrives.
    `tls_ports` are tried with TLS first (465, and the ports of `_submissions` SRV records).
    """
    start = time.monotonic()

    connected: set[int] = set()

    async def one(index: int, host: str, port: int) -> PortResult:
        result = await probe_port(host, port, tls_first=port in tls_ports,
                                  banner_wait=min(banner_wait, timeout / 2),
                                  on_connect=lambda: connected.add(index))
        if on_result is not None:
            on_result(result)
        return result

    tasks = [asyncio.create_task(one(i, host, port)) for i, (host, port) in enumerate(targets)]
    if not tasks:
        return []
    try:
        done, _pending = await asyncio.wait(tasks, timeout=timeout)
    finally:
        # Also when our caller is cancelled: no probe may outlive the call.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    results: list[PortResult] = []
    for index, (task, (host, port)) in enumerate(zip(tasks, targets, strict=True)):
        if task in done and not task.cancelled():
            results.append(task.result())
        else:
            state = PortState.SILENT if index in connected else PortState.TIMEOUT
            result = PortResult(host, port, state, elapsed=time.monotonic() - start)
            if on_result is not None:
                on_result(result)
            results.append(result)
    return results


async def detect_security(settings: Settings) -> tuple[Security | None, PortResult]:
    """What the port speaks, for `--security auto`: TLS, STARTTLS, or plain SMTP; None
    with what was seen instead (refused, silent, another protocol)."""
    connected = False

    def on_connect() -> None:
        nonlocal connected
        connected = True

    try:
        async with asyncio.timeout(settings.timeout):
            seen = await probe_port(settings.ascii_host, settings.port, on_connect=on_connect)
    except TimeoutError:
        # A port that accepted the connection and then said nothing (not even to a TLS
        # handshake) is silent; only one that never connected is filtered.
        state = PortState.SILENT if connected else PortState.TIMEOUT
        seen = PortResult(settings.host, settings.port, state)
    return SECURITY_OF_STATE.get(seen.state), seen
