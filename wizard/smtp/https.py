"""One bounded HTTPS GET for an XML file, on asyncio streams and `ssl`.

Why not urllib or an HTTP library: the look-up must resolve names through the same
injectable resolver and hosts file as the rest of discovery (the tests' loopback DNS
server), connect to an injectable port, and stop at the discovery's deadline by being
cancelled, which a thread blocked in urllib cannot be. What it needs of HTTP is small:
one GET with `Connection: close`, a status line, headers, a body by Content-Length,
chunks or end of stream, and a few redirects.

Every answer is untrusted: HTTPS only (a redirect to http is refused), the certificate
verified, the head and the body bounded in size, the content type must be XML, and the
whole fetch ends by the deadline. The result is data (`Fetched`), never an exception.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from wizard.errors import WizardError
from wizard.model.i18n import _
from wizard.smtp.dns import resolve_addresses

if TYPE_CHECKING:
    import dns.asyncresolver

__all__ = ["FetchOutcome", "Fetched", "HttpsOptions", "fetch_xml"]

_MAX_HEAD = 16 * 1024
_MAX_REDIRECTS = 3
_XML_TYPES = ("text/xml", "application/xml")


@dataclass(frozen=True)
class HttpsOptions:
    """Where and how discovery fetches autoconfig files; the seam for tests."""

    port: int = 443
    """The port for URLs that name none (tests point it at a loopback server)."""
    context: ssl.SSLContext | None = None
    """Trust for certificates; None means the system's CAs, names verified."""
    ispdb_url: str = "https://autoconfig.thunderbird.net/v1.1/"
    """The online ISPDB; the domain is appended."""
    max_bytes: int = 256 * 1024

    def ssl_context(self) -> ssl.SSLContext:
        return self.context or _default_context()


_DEFAULT_CONTEXT: list[ssl.SSLContext] = []


def _default_context() -> ssl.SSLContext:
    # Loading the system CAs takes a few milliseconds: once per process is enough.
    if not _DEFAULT_CONTEXT:
        _DEFAULT_CONTEXT.append(ssl.create_default_context())
    return _DEFAULT_CONTEXT[0]


class FetchOutcome(StrEnum):
    FOUND = "found"
    ABSENT = "absent"
    """Nothing there: no such host, connection refused, 404: the usual case."""
    REFUSED = "refused"
    """An answer the wizard will not use: too big, not XML, insecure redirect, bad TLS."""
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class Fetched:
    url: str
    outcome: FetchOutcome
    body: bytes = b""
    reason: str = ""
    """Why there is no body, in words (translated)."""
    elapsed: float = 0.0
    redirects: tuple[str, ...] = field(default=())


class _Stop(WizardError):
    """Ends a fetch early with its outcome; caught in `fetch_xml`, never escapes."""

    def __init__(self, outcome: FetchOutcome, reason: str) -> None:
        super().__init__(reason)
        self.outcome = outcome


async def fetch_xml(url: str, *, timeout: float, options: HttpsOptions,
                    resolver: dns.asyncresolver.Resolver | None = None,
                    hosts_path: str | Path = "/etc/hosts") -> Fetched:
    """GET `url` (https) within `timeout` seconds; follows up to three https redirects."""
    start = time.monotonic()
    deadline = start + max(timeout, 0.0)
    redirects: list[str] = []
    current = url
    try:
        async with asyncio.timeout_at(asyncio.get_running_loop().time() + max(timeout, 0.0)):
            while True:
                status, headers, reader, writer = await _request(current, deadline, options,
                                                                 resolver, hosts_path)
                try:
                    location = headers.get("location", "")
                    if status in (301, 302, 303, 307, 308) and location:
                        if len(redirects) >= _MAX_REDIRECTS:
                            raise _Stop(FetchOutcome.REFUSED, _("too many redirects"))
                        current = urljoin(current, location)
                        redirects.append(current)
                        continue
                    if status != 200:
                        outcome = FetchOutcome.ABSENT if status in (403, 404, 410) else (
                            FetchOutcome.REFUSED)
                        raise _Stop(outcome, _("HTTP status {status}").format(status=status))
                    _check_type(headers)
                    body = await _read_body(reader, headers, options.max_bytes)
                finally:
                    writer.close()
                return Fetched(current, FetchOutcome.FOUND, body,
                               elapsed=time.monotonic() - start, redirects=tuple(redirects))
    except _Stop as stop:
        return Fetched(current, stop.outcome, reason=stop.message,
                       elapsed=time.monotonic() - start, redirects=tuple(redirects))
    except TimeoutError:
        return Fetched(current, FetchOutcome.TIMEOUT, reason=_(
            "no complete answer within {seconds:.1f} s").format(seconds=timeout),
            elapsed=time.monotonic() - start, redirects=tuple(redirects))


async def _request(url: str, deadline: float, options: HttpsOptions,
                   resolver: dns.asyncresolver.Resolver | None, hosts_path: str | Path
                   ) -> tuple[int, dict[str, str], asyncio.StreamReader, asyncio.StreamWriter]:
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise _Stop(FetchOutcome.REFUSED, _("it redirects to {url}, which is not HTTPS").format(
            url=url[:200]))
    host = parts.hostname or ""
    try:
        port = parts.port or options.port
    except ValueError:
        raise _Stop(FetchOutcome.REFUSED, _("a bad port in {url}").format(url=url[:200])) from None
    found = await resolve_addresses(host, resolver=resolver, hosts_path=hosts_path,
                                    lifetime=max(deadline - time.monotonic(), 0.01))
    if not found.addresses:
        raise _Stop(FetchOutcome.ABSENT, found.error)
    try:
        reader, writer = await asyncio.open_connection(
            found.addresses[0], port, ssl=options.ssl_context(), server_hostname=host,
            limit=_MAX_HEAD)
    except ssl.SSLCertVerificationError as error:
        raise _Stop(FetchOutcome.REFUSED, _("its certificate was not accepted: {error}").format(
            error=error.verify_message or error.reason)) from None
    except ssl.SSLError as error:
        raise _Stop(FetchOutcome.REFUSED, _("TLS failed: {error}").format(
            error=error.reason or error)) from None
    except OSError as error:
        raise _Stop(FetchOutcome.ABSENT, _("cannot connect to {host} port {port}: {error}")
                    .format(host=host, port=port, error=error.strerror or error)) from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: smtp-wizard\r\n"
                 "Accept: application/xml, text/xml\r\nConnection: close\r\n\r\n"
                 .encode("ascii", "replace"))
    try:
        status, headers = await _read_head(reader)
    except BaseException:
        writer.close()
        raise
    return status, headers, reader, writer


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise _Stop(FetchOutcome.REFUSED, _("its HTTP headers are too long")) from None
    except asyncio.IncompleteReadError:
        raise _Stop(FetchOutcome.REFUSED, _("the connection closed before an HTTP answer")
                    ) from None
    except (ssl.SSLError, ConnectionError) as error:
        raise _Stop(FetchOutcome.REFUSED, _("the connection failed: {error}").format(
            error=error)) from None
    lines = head.decode("latin-1").split("\r\n")
    version, _sep, rest = lines[0].partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise _Stop(FetchOutcome.REFUSED, _("the answer is not HTTP"))
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return int(code), headers


def _check_type(headers: dict[str, str]) -> None:
    kind = headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind not in _XML_TYPES and not kind.endswith("+xml"):
        raise _Stop(FetchOutcome.REFUSED, _("the content type is {kind}, not XML").format(
            kind=kind[:60] or _("missing")))


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str],
                     limit: int) -> bytes:
    too_big = _Stop(FetchOutcome.REFUSED, _("the file is larger than {size} KiB").format(
        size=limit // 1024))
    try:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return await _read_chunked(reader, limit, too_big)
        length = headers.get("content-length", "")
        if length:
            if not length.isdigit() or int(length) > limit:
                raise too_big
            return await reader.readexactly(int(length))
        body = await reader.read(limit + 1)
        while len(body) <= limit and (more := await reader.read(limit + 1 - len(body))):
            body += more
        if len(body) > limit:
            raise too_big
        return body
    except asyncio.IncompleteReadError:
        raise _Stop(FetchOutcome.REFUSED, _("the answer was cut off")) from None
    except (ssl.SSLError, ConnectionError) as error:
        raise _Stop(FetchOutcome.REFUSED, _("the connection failed: {error}").format(
            error=error)) from None


async def _read_chunked(reader: asyncio.StreamReader, limit: int, too_big: _Stop) -> bytes:
    body = b""
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size_text = size_line.split(b";")[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise _Stop(FetchOutcome.REFUSED, _("a malformed chunked answer")) from None
        if size == 0:
            return body
        if len(body) + size > limit:
            raise too_big
        body += await reader.readexactly(size)
        await reader.readexactly(2)
