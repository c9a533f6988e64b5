"""Thunderbird's `clientConfig` format (version 1.1): what a mail domain says about itself.

The same XML comes from three places: the ISPDB snapshot shipped with the wizard (derived
into `ispdb.json`), a domain's own autoconfig server, and the online ISPDB. Only the parts
that matter for sending are kept: the SMTP servers (host, port, socket type, user-name
template, authentication methods), the documentation links, the OAuth2 issuer and the
"enable access first" instruction.

The XML is untrusted when it comes from the network, so `parse_clientconfig` parses it with
defusedxml with DTDs forbidden (no entity expansion, no external references), bounds the
size and the number of elements kept, checks every host and port, and makes control
characters in free text visible. A file it cannot use is a `ClientConfigError` whose text
says why, never a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree

from wizard.errors import WizardError
from wizard.model.fields import SettingsError, check_hostname, check_port
from wizard.model.i18n import _
from wizard.model.settings import Security

__all__ = [
    "MAX_CONFIG_BYTES",
    "ClientConfig",
    "ClientConfigError",
    "Documentation",
    "OAuth2",
    "SmtpServer",
    "parse_clientconfig",
    "visible_text",
]

MAX_CONFIG_BYTES = 256 * 1024
"""The largest ISPDB file is under 9 KiB; anything near this bound is not a mail config."""
_MAX_SERVERS = 8
_MAX_DOMAINS = 1000
_MAX_DOCS = 4
_MAX_TEXT = 300
_MAX_URL = 500

SOCKET_TYPES = {"SSL": Security.TLS, "STARTTLS": Security.STARTTLS, "plain": Security.NONE}
"""clientConfig's socketType: SSL is TLS from the first byte (ssl:// in MediaWiki)."""
_SOCKET_NAMES = {security: name for name, security in SOCKET_TYPES.items()}

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


class ClientConfigError(WizardError):
    """A clientConfig file that cannot be used; the message says why."""


def visible_text(value: str, limit: int = _MAX_TEXT) -> str:
    """Free text from an untrusted file, safe to print: whitespace runs become one space,
    control and bidi characters become visible escapes, and it is cut at `limit`."""
    text = " ".join(value.split())
    text = _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    """A host name, or a template with %EMAILDOMAIN% (`host_for` fills it in)."""
    port: int
    security: Security
    username: str = ""
    """The user-name template: %EMAILADDRESS%, %EMAILLOCALPART%, ...; empty if unsaid."""
    auth: tuple[str, ...] = ()
    """clientConfig authentication values, such as password-cleartext or OAuth2."""
    restriction: str = ""
    """client-IP-address: only usable from the provider's own network."""

    @property
    def socket_type(self) -> str:
        return _SOCKET_NAMES[self.security]

    def host_for(self, domain: str) -> str:
        return self.host.replace("%EMAILDOMAIN%", domain)

    def username_for(self, address: str) -> str:
        """The user name for `address`, or "" when the template or the address is missing."""
        local, _at, domain = address.rpartition("@")
        if not self.username or not local:
            return ""
        return (self.username.replace("%EMAILADDRESS%", address)
                .replace("%EMAILLOCALPART%", local).replace("%EMAILDOMAIN%", domain))

    def username_text(self, address: str = "") -> str:
        """What to enter as user name, in words (translated)."""
        filled = self.username_for(address)
        if filled:
            return filled
        return {
            "%EMAILADDRESS%": _("the full address (%EMAILADDRESS%)"),
            "%EMAILLOCALPART%": _("the part before the @ (%EMAILLOCALPART%)"),
        }.get(self.username, self.username or _("not stated"))

    def to_list(self) -> list[Any]:
        return [self.host, self.port, self.socket_type, self.username, list(self.auth),
                self.restriction]

    @classmethod
    def from_list(cls, row: list[Any]) -> SmtpServer:
        host, port, socket_type, username, auth, restriction = row
        return cls(host, port, SOCKET_TYPES[socket_type], username, tuple(auth), restriction)


@dataclass(frozen=True)
class Documentation:
    url: str
    description: str = ""


@dataclass(frozen=True)
class OAuth2:
    issuer: str
    scope: str = ""
    auth_url: str = ""
    token_url: str = ""


@dataclass(frozen=True)
class ClientConfig:
    """One emailProvider: its mail domains and how to send through it."""

    id: str
    name: str
    domains: tuple[str, ...]
    servers: tuple[SmtpServer, ...]
    """Best first, as the file lists them."""
    docs: tuple[Documentation, ...] = ()
    oauth2: OAuth2 | None = None
    enable_url: str = ""
    enable_instruction: str = ""

    def notes(self, address: str = "") -> list[str]:
        """What a user needs to know, translated: user name, OAuth2, access to turn on,
        restrictions and where the provider documents it."""
        notes: list[str] = []
        first = self.servers[0]
        notes.append(_("User name: {user}").format(user=first.username_text(address)))
        methods = {method.lower() for server in self.servers for method in server.auth}
        issuer = self.oauth2.issuer if self.oauth2 else _("the provider")
        if methods == {"oauth2"}:
            notes.append(_("This server takes only OAuth2 sign-in ({issuer}). OAuth2 is not "
                           "a password: a password is refused; PEAR can send with 'auth' => "
                           "'XOAUTH2' and an access token.").format(issuer=issuer))
        elif "oauth2" in methods:
            notes.append(_("The provider also offers OAuth2 sign-in ({issuer}). OAuth2 is not "
                           "a password: here you need the account's password or an app "
                           "password.").format(issuer=issuer))
        if any(server.restriction for server in self.servers):
            notes.append(_("Some of these servers accept mail only from the provider's own "
                           "network (restriction: client IP address)."))
        if self.enable_url:
            notes.append(_("Access must be switched on first: {instruction} {url}").format(
                instruction=self.enable_instruction, url=self.enable_url).replace("  ", " "))
        notes += [_("Documentation: {url}").format(url=doc.url) for doc in self.docs[:2]]
        return notes

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "domains": list(self.domains),
            "smtp": [server.to_list() for server in self.servers],
            "docs": [[doc.url, doc.description] for doc in self.docs],
            "oauth2": [self.oauth2.issuer, self.oauth2.scope, self.oauth2.auth_url,
                       self.oauth2.token_url] if self.oauth2 else None,
            "enable": [self.enable_url, self.enable_instruction] if self.enable_url else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClientConfig:
        oauth2 = data["oauth2"]
        enable = data["enable"] or ["", ""]
        return cls(data["id"], data["name"], tuple(data["domains"]),
                   tuple(SmtpServer.from_list(row) for row in data["smtp"]),
                   tuple(Documentation(url, text) for url, text in data["docs"]),
                   OAuth2(*oauth2) if oauth2 else None, enable[0], enable[1])


def parse_clientconfig(data: bytes) -> ClientConfig:
    """The sending half of a clientConfig file; ClientConfigError when it has none or is
    not safe to read (too big, a DTD or entity, not XML, not a clientConfig)."""
    if len(data) > MAX_CONFIG_BYTES:
        raise ClientConfigError(_("The file is larger than {size} KiB.").format(
            size=MAX_CONFIG_BYTES // 1024))
    try:
        root = defusedxml.ElementTree.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException:
        raise ClientConfigError(_("The file declares a DTD or entities, which a mail config "
                                  "never needs; it was not read.")) from None
    except (ParseError, ValueError) as error:
        raise ClientConfigError(_("The file is not well-formed XML ({error}).").format(
            error=visible_text(str(error), 120))) from None
    provider = root.find("emailProvider") if root.tag == "clientConfig" else None
    if provider is None:
        raise ClientConfigError(_("The file is not a clientConfig file (no emailProvider)."))
    servers = tuple(server for element in provider.findall("outgoingServer")[:_MAX_SERVERS]
                    if (server := _server(element)) is not None)
    if not servers:
        raise ClientConfigError(_("The file names no usable SMTP server."))
    domains = tuple(dict.fromkeys(
        name for element in provider.findall("domain")[:_MAX_DOMAINS]
        if (name := _domain(element.text or ""))))
    oauth = root.find("oAuth2")
    enable = root.find("enable")
    return ClientConfig(
        id=visible_text(provider.get("id") or "", 100),
        name=visible_text(provider.findtext("displayName") or provider.get("id") or "", 100),
        domains=domains,
        servers=servers,
        docs=tuple(Documentation(url, _english(element, "descr"))
                   for element in provider.findall("documentation")[:_MAX_DOCS]
                   if (url := _url(element.get("url", "")))),
        oauth2=OAuth2(visible_text(oauth.findtext("issuer") or "", 100),
                      visible_text(oauth.findtext("scope") or ""),
                      _url(oauth.findtext("authURL") or ""),
                      _url(oauth.findtext("tokenURL") or "")) if oauth is not None else None,
        enable_url=_url(enable.get("visiturl", "")) if enable is not None else "",
        enable_instruction=_english(enable, "instruction") if enable is not None else "",
    )


def _server(element: Element) -> SmtpServer | None:
    """One outgoingServer, or None if it is not SMTP or its host or port is unusable."""
    if element.get("type") != "smtp":
        return None
    host = (element.findtext("hostname") or "").strip().lower()
    socket_type = (element.findtext("socketType") or "").strip()
    security = next((s for name, s in SOCKET_TYPES.items()
                     if name.lower() == socket_type.lower()), None)
    try:
        # A template host is checked with a sample domain in place of %EMAILDOMAIN%.
        check_hostname(host.replace("%emaildomain%", "example.org"))
        port = check_port(element.findtext("port") or "")
    except SettingsError:
        return None
    if security is None:
        return None
    return SmtpServer(
        host.replace("%emaildomain%", "%EMAILDOMAIN%"), port, security,
        visible_text(element.findtext("username") or "", 100),
        tuple(visible_text(a.text or "", 40) for a in element.findall("authentication")[:8]),
        visible_text(element.findtext("restriction") or "", 60))


def _domain(text: str) -> str:
    try:
        return check_hostname(text, "domain")
    except SettingsError:
        return ""


def _url(text: str) -> str:
    """An http(s) URL without spaces or control characters, else ""."""
    url = text.strip()
    ok = (url.startswith(("https://", "http://")) and len(url) <= _MAX_URL
          and not any(ch.isspace() or not ch.isprintable() for ch in url))
    return url if ok else ""


def _english(element: Element, tag: str) -> str:
    """The child text without a lang attribute (English in the ISPDB), else the first."""
    children = element.findall(tag)
    chosen = next((c for c in children if c.get("lang") in (None, "en")),
                  children[0] if children else None)
    return visible_text(chosen.text or "") if chosen is not None else ""
