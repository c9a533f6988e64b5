"""The data the wizard collects: one immutable `Settings`, with every field validated
by the checks in `fields`; the MediaWiki host prefix and what it means (`parse_host`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from wizard.model.fields import (
    SettingsError,
    ascii_name,
    check_email,
    check_helo_name,
    check_hostname,
    check_port,
    check_text,
    check_timeout,
    ip_literal,
)
from wizard.model.i18n import _

__all__ = [
    "DEFAULT_TIMEOUT",
    "Client",
    "Security",
    "Settings",
    "parse_host",
]

DEFAULT_TIMEOUT = 10.0
_PREFIXES = ("ssl://", "tls://")


class Security(StrEnum):
    """How the connection is protected."""

    NONE = "none"
    """Plain connect; PEAR upgrades with STARTTLS only inside AUTH, if offered."""
    STARTTLS = "starttls"
    """Plain connect, then STARTTLS, required."""
    TLS = "tls"
    """TLS from the first byte (`ssl://` or `tls://` in MediaWiki, usually port 465)."""


class Client(StrEnum):
    """Whose behaviour a check imitates: the software that will really send the mail."""

    PEAR = "pear"
    """MediaWiki: PEAR Mail + Net_SMTP."""
    SMTPLIB = "smtplib"
    """Python: smtplib, Django, MoinMoin."""


def parse_host(value: str) -> tuple[str, Security | None]:
    """Split a MediaWiki host string into the host and the security its prefix implies.

    `ssl://smtp.x` and `tls://smtp.x` both mean TLS from the first byte in PHP (neither is
    STARTTLS); `[2001:db8::1]` is an IPv6 address; no prefix leaves the security open.
    """
    text = value.strip()
    security: Security | None = None
    lowered = text.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            text, security = text[len(prefix):], Security.TLS
            break
    else:
        if "://" in text:
            raise SettingsError("host", _("“{scheme}://” is not a prefix PHP knows: use "
                                          "ssl:// or tls:// for TLS from the first byte, "
                                          "or no prefix.").format(scheme=text.split("://")[0]))
    return check_hostname(text), security


@dataclass(frozen=True)
class Settings:
    """Everything needed to reach the server and to write the config; never the password.

    Constructing one validates every field, so a `Settings` that exists is usable.
    """

    host: str
    """DNS name (Unicode form kept for display) or IP address, without prefix or brackets."""
    port: int = 587
    security: Security = Security.STARTTLS
    auth: bool = True
    username: str = ""
    sender: str = ""
    """The envelope and From address: `$wgPasswordSender`, Django's DEFAULT_FROM_EMAIL;
    its domain in the ASCII form (xn--) SMTP carries."""
    emergency_contact: str = ""
    id_host: str = ""
    """MediaWiki's IDHost: the right-hand side of Message-IDs, in its ASCII form."""
    helo_name: str = ""
    """The EHLO name; PEAR calls it `localhost` and sends literally "localhost" by default."""
    timeout: float = DEFAULT_TIMEOUT
    ca_file: str | None = None
    """Extra CA bundle or pinned certificate to trust (self-signed servers, tests)."""
    auth_mechanism: str | None = None
    """Force one AUTH mechanism (PEAR's `'auth' => 'PLAIN'`); None lets the client choose."""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "host", check_hostname(self.host))
        set_(self, "port", check_port(self.port))
        set_(self, "security", Security(self.security))
        set_(self, "username", check_text(self.username, "username", required=self.auth))
        set_(self, "sender", check_email(self.sender, "sender", required=False))
        set_(self, "emergency_contact",
             check_email(self.emergency_contact, "emergency_contact", required=False))
        if self.id_host:
            set_(self, "id_host", ascii_name(check_hostname(self.id_host, "id_host")))
        set_(self, "helo_name", check_helo_name(self.helo_name))
        set_(self, "timeout", check_timeout(self.timeout))
        if self.ca_file is not None:
            check_text(self.ca_file, "ca_file", required=True)
        if self.auth_mechanism is not None:
            mechanism = self.auth_mechanism.upper()
            if mechanism not in ("LOGIN", "PLAIN", "CRAM-MD5", "XOAUTH2"):
                raise SettingsError("auth_mechanism", _(
                    "The AUTH mechanism must be LOGIN, PLAIN, CRAM-MD5 or XOAUTH2."))
            set_(self, "auth_mechanism", mechanism)

    @classmethod
    def from_mediawiki_host(cls, host: str, **fields: object) -> Settings:
        """Build from a `$wgSMTP['host']` value; a prefix sets the security to TLS."""
        name, security = parse_host(host)
        if security is not None:
            fields["security"] = security
        # Untyped values (command line, LocalSettings.php): __post_init__ checks them all.
        return cls(host=name, **fields)  # type: ignore[arg-type]

    def replace(self, **changes: object) -> Settings:
        # Untyped values (form fields, command line): __post_init__ checks them all.
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @property
    def is_ip(self) -> bool:
        return ip_literal(self.host) is not None

    @property
    def ascii_host(self) -> str:
        """What goes on the wire and into config files: IDN names in their xn-- form."""
        return ascii_name(self.host)

    @property
    def shown_host(self) -> str:
        """The host as typed, and the name really used when IDNA changes it."""
        host = self.ascii_host
        return self.host if host == self.host else f"{self.host} ({host})"

    @property
    def url_host(self) -> str:
        """The host as it stands in a URL or PHP stream name: IPv6 in brackets."""
        host = self.ascii_host
        return f"[{host}]" if ":" in host else host

    @property
    def mediawiki_host(self) -> str:
        """`$wgSMTP['host']`: `ssl://` for TLS from the first byte, else the bare host."""
        return ("ssl://" if self.security is Security.TLS else "") + self.url_host

    @property
    def sender_domain(self) -> str:
        return self.sender.rpartition("@")[2].lower()

    def hints(self) -> list[str]:
        """Combinations that are legal but almost always a mistake; shown before a check."""
        hints: list[str] = []
        if self.security is Security.TLS and self.port in (25, 587, 2525):
            hints.append(_("Port {port} normally speaks plain SMTP with STARTTLS; ssl:// or "
                           "tls:// there usually fails. Drop the prefix, or use port 465."
                           ).format(port=self.port))
        if self.security is not Security.TLS and self.port == 465:
            hints.append(_("Port 465 normally expects TLS from the first byte: add ssl:// "
                           "to the host."))
        if self.auth and self.security is Security.NONE:
            hints.append(_("With no prefix PEAR uses STARTTLS only if the server offers it; "
                           "the wizard refuses to send a password in clear."))
        return hints
