"""Whether PHP accepts a pinned certificate file (`'socket_options' => ['ssl' =>
['cafile' => ...]]`) for a server, judged the way PHP's OpenSSL judges it.

OpenSSL takes as trust anchors only CA certificates and self-signed ones: a server's own
certificate issued by some CA, pinned alone, verifies nothing, and PEAR then fails with
"STARTTLS failed (code: 220, ...)" (Python 3.13 and later accept it, so a check in
Python would pass). `pin_problem` reads the file; `php_pin_check` proves it through PHP,
opening the connection exactly as Net_SMTP does (ssl:// or STARTTLS, verify_peer and the
host name checked).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from wizard.model.i18n import _
from wizard.model.settings import Security, Settings

if TYPE_CHECKING:
    from cryptography import x509

__all__ = ["php_pin_check", "pin_problem"]

_MAX_PEM = 1 << 20
_OUTPUT = 2000

# Net_Socket opens `ssl://host:port` (or tcp://) with the socket options as the stream
# context; Net_SMTP then sends EHLO and STARTTLS and enables crypto with these methods.
_SCRIPT = r"""
[$_, $scheme, $host, $port, $cafile, $helo, $timeout] = $argv;
$GLOBALS['said'] = [];
set_error_handler(function ($no, $message) { $GLOBALS['said'][] = $message; return true; });
$context = stream_context_create(['ssl' => ['cafile' => $cafile]]);
$fp = stream_socket_client("$scheme://$host:$port", $errno, $errstr, (float) $timeout,
    STREAM_CLIENT_CONNECT, $context);
function fail($what) {
    fwrite(STDERR, implode(': ', array_merge([$what], $GLOBALS['said'])) . "\n");
    exit(1);
}
if (!$fp) { fail('connect failed'); }
stream_set_timeout($fp, (int) ceil((float) $timeout));
function reply($fp) {
    do {
        $line = fgets($fp, 4096);
        if ($line === false) { return ''; }
    } while (strlen($line) > 3 && $line[3] === '-');
    return $line;
}
if (substr(reply($fp), 0, 3) !== '220') { fail('no SMTP greeting'); }
if ($scheme === 'tcp') {
    fwrite($fp, "EHLO $helo\r\n");
    reply($fp);
    fwrite($fp, "STARTTLS\r\n");
    if (substr(reply($fp), 0, 3) !== '220') { fail('STARTTLS refused'); }
    $method = STREAM_CRYPTO_METHOD_TLS_CLIENT | STREAM_CRYPTO_METHOD_TLSv1_1_CLIENT
        | STREAM_CRYPTO_METHOD_TLSv1_2_CLIENT;
    if (stream_socket_enable_crypto($fp, true, $method) !== true) { fail('STARTTLS failed'); }
}
fwrite($fp, "QUIT\r\n");
echo "ok\n";
"""


def pin_problem(path: str) -> str | None:
    """Why PHP's OpenSSL cannot use `path` as the trust anchor for a server; None when
    it holds at least one CA or self-signed certificate."""
    # Only `--pin-cafile` reads certificates: every other render, and the preflight that
    # imports this module, runs without cryptography.
    from cryptography import x509

    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_PEM)
        certs = x509.load_pem_x509_certificates(data)
    except (OSError, ValueError) as exc:
        return _("{path} cannot be read as PEM certificates: {error}.").format(
            path=path, error=getattr(exc, "strerror", None) or exc)
    if any(_is_anchor(cert) for cert in certs):
        return None
    issuer = certs[0].issuer.rfc4514_string()
    return _("{path} holds only a server's own certificate (issued by {issuer}), not a CA "
             "certificate: PHP's OpenSSL does not accept that as a trust anchor, and "
             "MediaWiki would fail with “STARTTLS failed”. Pin the certificate of the CA "
             "that issued it instead.").format(path=path, issuer=issuer)


def _is_anchor(cert: x509.Certificate) -> bool:
    from cryptography.x509 import BasicConstraints, ExtensionNotFound

    with contextlib.suppress(ExtensionNotFound):
        if cert.extensions.get_extension_for_class(BasicConstraints).value.ca:
            return True
    return cert.issuer == cert.subject


async def php_pin_check(php: str, settings: Settings, cafile: str) -> str | None:
    """Open the connection through PHP as PEAR would, trusting exactly `cafile`; None
    when PHP verified the server, else what PHP said."""
    scheme = settings.mediawiki_host.partition("://")[0] if \
        settings.security is Security.TLS else "tcp"
    command = [php, "-d", "display_errors=stderr", "-r", _SCRIPT, "--", scheme,
               settings.ascii_host, str(settings.port), cafile,
               settings.helo_name or "localhost", f"{settings.timeout:g}"]
    process = await asyncio.create_subprocess_exec(
        *command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    try:
        async with asyncio.timeout(settings.timeout * 3):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        return _("PHP did not finish within {n} s.").format(n=f"{settings.timeout * 3:g}")
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    if process.returncode == 0 and stdout.strip() == b"ok":
        return None
    said = stderr.decode("utf-8", "replace").strip() or stdout.decode("utf-8", "replace")
    return "".join(ch if ch.isprintable() else " " for ch in said[-_OUTPUT:]).strip()
