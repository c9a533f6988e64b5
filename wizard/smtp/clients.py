"""What the target client does on the wire, so that a check can do the same.

Each client has its own AUTH mechanisms in its own order, its own way of encoding the
user name and password, and its own answer to an address that is not ASCII. The lists
come from the clients' sources: Net_SMTP's constructor (`setAuthMethod`, per release)
and smtplib's `SMTP.login`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from wizard.model.i18n import N_, _
from wizard.model.settings import Client

__all__ = [
    "CHECKABLE",
    "SMTPLIB",
    "ClientModel",
    "client_model",
    "pear_model",
]

CHECKABLE = frozenset({"LOGIN", "PLAIN", "CRAM-MD5"})
"""The mechanisms the check itself can log in with."""

# Net_SMTP prepends each Auth_SASL mechanism as it registers it, so the last registered
# comes first: SCRAM-SHA-512 ... SCRAM-SHA-1 (since 1.11.0), then DIGEST-MD5, CRAM-MD5.
_SCRAM = ("SCRAM-SHA-512", "SCRAM-SHA-384", "SCRAM-SHA-256", "SCRAM-SHA-224", "SCRAM-SHA-1")
_SASL = ("DIGEST-MD5", "CRAM-MD5")
_SCRAM_SINCE = (1, 11)
_XOAUTH2_SINCE = (1, 9)
_OAUTHBEARER_SINCE = (1, 12)


@dataclass(frozen=True)
class ClientModel:
    """One client's behaviour, as far as a check can tell it apart."""

    client: Client
    name: str
    """For messages: "PEAR Net_SMTP 1.12 with Auth_SASL", "Python's smtplib"."""
    mechanisms: tuple[str, ...]
    """The client's AUTH mechanisms, most preferred first."""
    tries_each: bool
    """smtplib goes on to its next mechanism after a refusal; Net_SMTP uses only the
    first one the server offers."""
    ascii_credentials: bool
    """smtplib encodes user name and password as ASCII (UnicodeEncodeError otherwise);
    PHP sends the bytes of the string, UTF-8 from a UTF-8 LocalSettings.php."""
    smtputf8: bool
    """Whether it sends a non-ASCII address with SMTPUTF8 when the server offers it."""

    def order(self, offered: list[str] | tuple[str, ...], forced: str | None) -> list[str]:
        """The mechanisms the client would try, in order, given the server's offer."""
        offered_upper = {mechanism.upper() for mechanism in offered}
        if forced:
            # Net_SMTP refuses a forced mechanism it has not registered (CRAM-MD5 without
            # Auth_SASL); neither client checks the offer, so the server would say 504.
            usable = forced in self.mechanisms and forced in offered_upper
            return [forced] if usable else []
        matching = [m for m in self.mechanisms if m in offered_upper]
        return matching if self.tries_each else matching[:1]


SMTPLIB = ClientModel(
    Client.SMTPLIB, N_("Python's smtplib"), ("CRAM-MD5", "PLAIN", "LOGIN"),
    tries_each=True, ascii_credentials=True,
    # send_message() adds SMTPUTF8 by itself when an address needs it and the server
    # offers it; sendmail() (Django, MoinMoin) only when the caller asks.
    smtputf8=True)


def pear_model(net_smtp: tuple[int, ...] | None = None, *, auth_sasl: bool = False,
               ) -> ClientModel:
    """Net_SMTP of that release (None: the newest, as MediaWiki bundles it), with or
    without PEAR Auth_SASL on PHP's include path."""
    def since(release: tuple[int, ...]) -> bool:
        return net_smtp is None or net_smtp >= release

    sasl = ((*_SCRAM,) if since(_SCRAM_SINCE) else ()) + _SASL if auth_sasl else ()
    plain = ("LOGIN", "PLAIN", *(("XOAUTH2",) if since(_XOAUTH2_SINCE) else ()),
             *(("OAUTHBEARER",) if since(_OAUTHBEARER_SINCE) else ()))
    release = ".".join(str(part) for part in net_smtp[:2]) if net_smtp else ""
    name = _("PEAR Net_SMTP {release}").format(release=release).strip()
    if auth_sasl:
        name = _("{name} with Auth_SASL").format(name=name)
    return ClientModel(Client.PEAR, name, (*sasl, *plain), tries_each=False,
                       ascii_credentials=False, smtputf8=False)


def client_model(client: Client, net_smtp: tuple[int, ...] | None = None, *,
                 auth_sasl: bool = False) -> ClientModel:
    """The model for `client`; the PEAR details matter only for PEAR."""
    if client is Client.PEAR:
        return pear_model(net_smtp, auth_sasl=auth_sasl)
    # Named in the language chosen when the check runs, not at import.
    return replace(SMTPLIB, name=_(SMTPLIB.name))
