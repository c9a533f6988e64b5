"""Certificates: the verifying context, and a verification failure turned into words.

Verification is done by OpenSSL exactly as PHP and Python do it by default (chain and
name). For a verified peer, `ssl` itself gives the facts shown (`cert_of`); when
verification fails, OpenSSL's verify code says what kind of failure it was, and a second
look at the certificate (taken without verification) supplies the facts a person needs:
the names on it, its issuer, its dates. Only that failure path parses the DER, so
`cryptography` is imported there, not when a check starts.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import functools
import ipaddress
import ssl
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wizard.model.diagnosis import Diagnosis, diagnose
from wizard.model.i18n import _

if TYPE_CHECKING:
    from cryptography import x509

__all__ = [
    "CertInfo",
    "cert_diagnosis",
    "cert_of",
    "client_context",
    "insecure_context",
    "parse_cert",
    "prepare_client_context",
]

# OpenSSL X509_V_ERR_* codes (openssl/x509_vfy.h).
_EXPIRED = 10
_NOT_YET_VALID = 9
_SELF_SIGNED = 18
_HOSTNAME_MISMATCH = 62
_IP_MISMATCH = 64


@dataclass(frozen=True)
class CertInfo:
    subject: str
    names: tuple[str, ...]
    """DNS names and IP addresses the certificate is valid for (SAN, else CN)."""
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    self_signed: bool

    def describe(self) -> list[str]:
        return [
            f"subject: {self.subject}",
            f"names: {', '.join(self.names) or '-'}",
            f"issuer: {self.issuer}",
            f"valid: {self.not_before:%Y-%m-%d} to {self.not_after:%Y-%m-%d}",
        ]


# Loading the system CA store costs about 20 ms of CPU per context; a context is never
# changed after it is made, so every connection shares one, made at most once.
_contexts: dict[str | None, concurrent.futures.Future[ssl.SSLContext]] = {}
_contexts_lock = threading.Lock()


def _verifying_context(ca_file: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def _context_future(ca_file: str | None,
                    *, background: bool) -> concurrent.futures.Future[ssl.SSLContext]:
    with _contexts_lock:
        future = _contexts.get(ca_file)
        if future is not None:
            return future
        future = _contexts[ca_file] = concurrent.futures.Future()

    def build() -> None:
        try:
            future.set_result(_verifying_context(ca_file))
        except BaseException as exc:  # handed to whoever asks for the context
            future.set_exception(exc)

    if background:
        # Not a daemon: the interpreter must not finalize (and OpenSSL clean up) while
        # the thread is still inside OpenSSL; a check that ends early waits for it.
        threading.Thread(target=build, name="ca-store").start()
    else:
        build()
    return future


def client_context(ca_file: str | None = None) -> ssl.SSLContext:
    """Verify peer and name against the system CAs, plus `ca_file` if given."""
    return _context_future(ca_file, background=False).result()


def prepare_client_context(ca_file: str | None = None) -> None:
    """Start loading the CA store in a thread, for a caller that will check soon: OpenSSL
    reads it without holding the GIL, so it overlaps the imports and the connection."""
    _context_future(ca_file, background=True)


@functools.lru_cache(maxsize=1)
def insecure_context() -> ssl.SSLContext:
    """Never for a check: only to classify a port (does it speak TLS?) and for the second
    look at a certificate that already failed verification. Loads no CA store."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _name(name: x509.Name) -> str:
    from cryptography.x509.oid import NameOID

    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        values = name.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return name.rfc4514_string() or "?"


def parse_cert(der: bytes) -> CertInfo:
    """The facts of a certificate in DER form, which need not have been verified."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(der)
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names += san.get_values_for_type(x509.DNSName)
        names += [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names += [str(a.value) for a in cert.subject.get_attributes_for_oid(
            NameOID.COMMON_NAME)]
    return CertInfo(
        subject=_name(cert.subject),
        names=tuple(names),
        issuer=_name(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        self_signed=cert.issuer == cert.subject,
    )


_DictName = tuple[tuple[tuple[str, str], ...], ...]


def _dict_name(name: _DictName) -> str:
    """As `_name`, for `getpeercert()`'s form: ((("commonName", "x"),), ...)."""
    attributes = [pair for rdn in name for pair in rdn]
    for wanted in ("commonName", "organizationName"):
        for key, value in attributes:
            if key == wanted:
                return value
    return ",".join(f"{key}={value}" for key, value in reversed(attributes)) or "?"


def _dict_names(cert: dict[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    for kind, value in cert.get("subjectAltName", ()):
        if kind == "DNS":
            names.append(value)
        elif kind == "IP Address":
            # ssl writes IPv6 in full ("0:0:0:0:0:0:0:1"); shown as elsewhere ("::1").
            try:
                names.append(str(ipaddress.ip_address(value.strip())))
            except ValueError:
                names.append(value)
    if names or "subjectAltName" in cert:
        return tuple(names)
    return tuple(value for rdn in cert.get("subject", ()) for key, value in rdn
                 if key == "commonName")


def _dict_time(text: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(ssl.cert_time_to_seconds(text), dt.UTC)


def cert_of(ssl_object: ssl.SSLObject) -> CertInfo | None:
    """The facts of a verified peer's certificate, from `ssl` alone; the DER is parsed
    (with `cryptography`) only when `ssl` gives nothing, which a verifying context never
    does."""
    # Any: typeshed types each value as the union of every field's form.
    cert: dict[str, Any] = dict(ssl_object.getpeercert() or {})
    if cert:
        subject, issuer = cert.get("subject", ()), cert.get("issuer", ())
        return CertInfo(subject=_dict_name(subject), names=_dict_names(cert),
                        issuer=_dict_name(issuer),
                        not_before=_dict_time(cert["notBefore"]),
                        not_after=_dict_time(cert["notAfter"]),
                        self_signed=subject == issuer)
    der = ssl_object.getpeercert(binary_form=True)
    return parse_cert(der) if der else None


def cert_diagnosis(
    error: ssl.SSLCertVerificationError, cert: CertInfo | None, host: str, port: int,
    *, starttls: bool, reply: str = "",
) -> Diagnosis:
    """The precise diagnosis for a failed verification, with the certificate's facts;
    `reply` is the text of the server's 220 answer to STARTTLS, which PEAR quotes."""
    # What a MediaWiki admin sees in the log for this failure: PEAR quotes the server's
    # own 220 text (Postfix: "2.0.0 Ready to start TLS").
    shown = "".join(ch if ch.isprintable() else "?" for ch in reply)[:200] or "…"
    seen_as = _(" PEAR reports this as “STARTTLS failed (code: 220, response: {reply})”."
                ).format(reply=shown) if starttls else ""
    facts: dict[str, object] = {"host": host, "port": port, "error": error.verify_message,
                                "seen_as": seen_as}
    if cert is not None:
        facts |= {"subject": cert.subject, "names": ", ".join(cert.names) or cert.subject,
                  "issuer": cert.issuer, "not_after": f"{cert.not_after:%Y-%m-%d}"}
    code = error.verify_code
    if code in (_HOSTNAME_MISMATCH, _IP_MISMATCH):
        return diagnose("tls-hostname-mismatch", **facts)
    if code in (_EXPIRED, _NOT_YET_VALID):
        return diagnose("tls-expired", **facts)
    if code == _SELF_SIGNED or (cert is not None and cert.self_signed):
        return diagnose("tls-self-signed", **facts)
    return diagnose("tls-untrusted", **facts)
