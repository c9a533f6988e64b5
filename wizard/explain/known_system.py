"""Reasons worded by the operating system and OpenSSL, whichever client passes them on.

PHP (through Net_Socket) and Python print the C library's strerror and getaddrinfo
texts and OpenSSL's verify strings unchanged, so one pattern serves both: “Connection
refused” is PHP's `Failed to connect socket: Connection refused` and Python's
`ConnectionRefusedError: [Errno 111] Connection refused`.
"""

from __future__ import annotations

from wizard.explain.pattern import GENERIC, HOST, PRECISE, REASON, Pattern
from wizard.model.i18n import N_

__all__ = ["SYSTEM_PATTERNS"]

_LIBC = "glibc strerror() and getaddrinfo() texts, as PHP and Python print them"
_OPENSSL = "OpenSSL 3 (X509_verify_cert_error_string, SSL reason strings)"
_GETADDRINFO = rf"(?:getaddrinfo for (?P<host>{HOST}) failed: )?"

SYSTEM_PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "refused", ("tcp-refused",), r"Connection refused",
        "connect", PRECISE, _LIBC, N_("The connection was refused.")),
    Pattern(
        "connect-timeout", ("tcp-timeout",),
        r"Failed to connect socket: Connection timed out|\[Errno 110\] Connection timed out"
        r"|(?:TimeoutError|socket\.timeout): timed out|failed: timed out",
        "connect", REASON, _LIBC, N_("The connection timed out.")),
    Pattern(
        "connect-timeout-port-25", ("tcp-timeout", "ec2-port-25"),
        r"(?:Failed to connect to (?:\w+://)?[^\s:]+|mailserver '[^'\s:]+):25\b.{0,80}?"
        r"(?:Connection timed out|timed out)",
        "connect", PRECISE, _LIBC, N_("The connection to port 25 timed out.")),
    Pattern(
        "unreachable", ("tcp-error",), r"(?P<error>Network is unreachable|No route to host)",
        "connect", PRECISE, _LIBC, N_("This machine has no route to the server.")),
    Pattern(
        "dns-nxdomain", ("dns-nxdomain",),
        rf"{_GETADDRINFO}(?:Name or service not known|nodename nor servname provided, or "
        r"not known|No such host is known)",
        "dns", PRECISE, _LIBC, N_("The server's name was not found in DNS.")),
    Pattern(
        "dns-temporary", ("dns-timeout",),
        rf"{_GETADDRINFO}Temporary failure in name resolution",
        "dns", PRECISE, _LIBC, N_("DNS did not answer.")),
    Pattern(
        "dns-no-address", ("dns-no-address",),
        rf"{_GETADDRINFO}No address associated with hostname",
        "dns", PRECISE, _LIBC, N_("The server's name has no address in DNS.")),
    Pattern(
        "tls-wrong-version", ("tls-on-starttls-port",),
        r"wrong version number|WRONG_VERSION_NUMBER",
        "tls", PRECISE, _OPENSSL,
        N_("TLS was spoken to a port that answered in plain text.")),
    Pattern(
        "tls-verify-failed", ("tls-certificate-rejected",), r"certificate verify failed",
        "tls", GENERIC, _OPENSSL, N_("The server's certificate was not accepted.")),
    Pattern(
        "tls-expired", ("tls-expired",),
        r"certificate has expired|certificate is not yet valid",
        "tls", PRECISE, _OPENSSL,
        N_("The server's certificate is outside its dates of validity.")),
    Pattern(
        "tls-name-mismatch", ("tls-hostname-mismatch",),
        rf"(?:Hostname|IP address) mismatch, certificate is not valid for '(?P<host>{HOST})'",
        "tls", PRECISE, "CPython Modules/_ssl.c with OpenSSL 3",
        N_("The certificate is made out for another name.")),
    Pattern(
        "tls-chain-untrusted", ("tls-untrusted",),
        r"self[- ]signed certificate in certificate chain|unable to get (?:local )?issuer "
        r"certificate",
        "tls", PRECISE, _OPENSSL,
        N_("The certificate's issuer is not trusted on this machine.")),
    Pattern(
        "tls-self-signed", ("tls-self-signed",),
        r"self[- ]signed certificate(?! in certificate chain)",
        "tls", PRECISE, _OPENSSL, N_("The certificate is self-signed.")),
)
