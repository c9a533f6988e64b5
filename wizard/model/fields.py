"""Each field's check: what a host, port, address, name or password must be to work.

The CLI, the TUI's input validators and `Settings` itself use the same checks, so a
value that passes here can be written into PHP or Python without further thought. Each
failure is a `SettingsError` that names the field and says why, in the user's language.
"""

from __future__ import annotations

import ipaddress
import re

from wizard.errors import UsageError
from wizard.model.i18n import _

__all__ = [
    "MAX_TIMEOUT",
    "SettingsError",
    "ascii_name",
    "check_email",
    "check_helo_name",
    "check_hostname",
    "check_password",
    "check_port",
    "check_text",
    "check_timeout",
    "ip_literal",
]

# PEAR's Mail_smtp has no timeout by default, which is how a wrong port hangs a wiki;
# anything longer than this is a typo, not a slow server.
MAX_TIMEOUT = 300.0
_MAX_FIELD = 512

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# An interface name (Linux allows 15 bytes) or a Windows interface number: nothing that
# could end a literal, a comment or a command in whatever file the host is written to.
_ZONE_ID = re.compile(r"[A-Za-z0-9_.-]{1,15}")
# RFC 5322 atext: what a local part may hold outside quotes (RFC 6531 adds non-ASCII).
_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                   "!#$%&'*+-/=?^_`{|}~")
# RFC 5321 4.5.3.1: the most a local part and a whole path may hold, in octets.
_MAX_LOCAL = 64
_MAX_ADDRESS = 254


class SettingsError(UsageError):
    """A field holds a value that cannot work. `field` names it, the text says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_text(value: str, field: str, *, required: bool = False) -> str:
    """Reject control characters (CR/LF would inject SMTP commands or PHP lines)."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise SettingsError(field, _("{field} must not contain line breaks or control "
                                     "characters.").format(field=_field_name(field)))
    if len(value) > _MAX_FIELD:
        raise SettingsError(field, _("{field} is longer than {n} characters.").format(
            field=_field_name(field), n=_MAX_FIELD))
    if required and not value.strip():
        raise SettingsError(field, _("{field} is empty.").format(field=_field_name(field)))
    return value


def ip_literal(text: str) -> str | None:
    """`text` as a normalised IP address, or None when it is not one. An IPv6 zone ID
    (`fe80::1%eth0`) must be an interface name or number."""
    _address, percent, zone = text.partition("%")
    if percent and not _ZONE_ID.fullmatch(zone):
        return None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def ascii_name(name: str) -> str:
    """A host or domain name in the ASCII form DNS and config files use (IDN as xn--);
    IP literals are returned as they are. Raises UnicodeError for a name with no IDNA
    form (empty or overlong labels, characters IDNA 2008 does not allow)."""
    text = name.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    literal = ip_literal(text)
    if literal is not None:
        return literal
    text = text.rstrip(".")
    if text.isascii():
        # DNS itself allows more than host names: "_tcp" labels (SRV owners) and other
        # underscores are looked up as they are, so only the label lengths are checked;
        # an xn-- label must still be valid IDNA.
        labels = text.lower().split(".")
        if len(text) > 253 or any(not 0 < len(label) < 64 for label in labels):
            raise UnicodeError("empty or overlong label")
        for label in labels:
            if label.startswith("xn--"):
                import idna  # its tables load with the first name that needs them

                idna.decode(label)
        return ".".join(labels)
    # UTS #46 with IDNA 2008, not Python's IDNA 2003 codec: that one maps "ß" to "ss"
    # and drops joiners, which turns smtp.faß.de into smtp.fass.de, someone else's name.
    import idna

    return idna.encode(text, uts46=True, transitional=False).decode("ascii")


def check_hostname(value: str, field: str = "host") -> str:
    """A DNS name (IDN allowed) or an IP address; returns it lower-cased, unbracketed."""
    text = check_text(value.strip(), field, required=True)
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    address = ip_literal(text)
    if address is not None:
        return address
    if "%" in text and ":" in text:
        raise SettingsError(field, _("The zone after % must be a network interface, "
                                     "such as eth0 (you typed “{value}”).").format(
                                         value=_shown(value)))
    name = text.rstrip(".").lower()
    try:
        encoded = ascii_name(name)
    except UnicodeError:
        raise SettingsError(field, _("Not a valid host name (you typed “{value}”).").format(
            value=_shown(value))) from None
    labels = encoded.split(".")
    if len(encoded) > 253 or not all(_LABEL.match(label) for label in labels):
        raise SettingsError(field, _("Not a valid host name: use letters, digits, dots "
                                     "and hyphens, like smtp.example.org (you typed "
                                     "“{value}”).").format(value=_shown(value)))
    if labels[-1].isdigit():
        raise SettingsError(field, _("Neither a host name nor an IP address (you typed "
                                     "“{value}”).").format(value=_shown(value)))
    return name


def check_port(value: int | str) -> int:
    try:
        port = int(str(value).strip())
    except ValueError:
        raise SettingsError("port", _("The port must be a number from 1 to 65535, such as "
                                      "587.")) from None
    if not 1 <= port <= 65535:
        raise SettingsError("port", _("The port must be from 1 to 65535; {port} is not.")
                            .format(port=port))
    return port


def check_email(value: str, field: str = "sender", *, required: bool = True) -> str:
    """A bare address, local@domain, as SMTP carries it: returned with the domain in its
    ASCII form (IDN as xn--); a non-ASCII local part stays (it needs SMTPUTF8)."""
    text = check_text(value.strip(), field, required=required)
    if not text:
        return text
    name = _field_name(field)
    local, _at, domain = text.rpartition("@")
    if "@" not in text:
        raise SettingsError(field, _("{field} has no @: an address looks like "
                                     "wiki@example.org (you typed “{value}”).").format(
                                         field=name, value=_shown(value)))
    if "@" in local:
        raise SettingsError(field, _("{field} has more than one @: an address is one "
                                     "name, an @ and one domain, like wiki@example.org (you "
                                     "typed “{value}”).").format(field=name,
                                                                 value=_shown(value)))
    if not local or not domain:
        raise SettingsError(field, _("{field} has nothing {side} the @ (you typed "
                                     "“{value}”).").format(
            field=name, value=_shown(value), side=_("before") if not local else _("after")))
    _check_local_part(local, value, field)
    ascii_domain = _address_domain(domain, value, field)
    address = f"{local}@{ascii_domain}"
    if len(address.encode("utf-8")) > _MAX_ADDRESS:
        raise SettingsError(field, _("{field} is longer than {n} bytes, the most SMTP "
                                     "allows (you typed “{value}”).").format(
                                         field=name, value=_shown(value), n=_MAX_ADDRESS))
    # The standard library's own reading must agree that this is one plain address. An
    # address literal ([192.0.2.1]) was checked above, and older 3.11 releases (Debian 12's
    # 3.11.2) do not read those at all.
    from email.utils import parseaddr  # loaded with the first address, not at start-up

    if not ascii_domain.startswith("[") and parseaddr(address) != ("", address):
        raise SettingsError(field, _("{field} is not an e-mail address like "
                                     "wiki@example.org (you typed “{value}”).").format(
                                         field=name, value=_shown(value)))
    return address


def _check_local_part(local: str, value: str, field: str) -> None:
    """SMTP's rules for the part before the @: a dot-atom (no quoted strings)."""
    name = _field_name(field)
    for char in local:
        if char != "." and char not in _ATEXT and (char.isascii() or not char.isprintable()
                                                   or char.isspace()):
            raise SettingsError(field, _("{field} contains “{char}” before the @, which an "
                                         "address cannot hold there; use letters, digits and "
                                         ". _ + - (you typed “{value}”).").format(
                field=name, value=_shown(value), char=_shown(char)))
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise SettingsError(field, _("{field} has a dot at the start or end of the part "
                                     "before the @, or two dots in a row (you typed "
                                     "“{value}”).").format(
            field=name, value=_shown(value)))
    if len(local.encode("utf-8")) > _MAX_LOCAL:
        raise SettingsError(field, _("{field}: the part before the @ is longer than {n} "
                                     "bytes, the most SMTP allows (you typed "
                                     "“{value}”).").format(
            field=name, value=_shown(value), n=_MAX_LOCAL))


def _address_domain(domain: str, value: str, field: str) -> str:
    """The domain of an address in the form SMTP sends: xn-- for IDN, IP in brackets."""
    if domain.startswith("[") and domain.endswith("]"):
        inner = domain[1:-1]
        tagged = inner[:5].lower() == "ipv6:"
        literal = inner[5:] if tagged else inner
        try:
            address = None if "%" in literal else ipaddress.ip_address(literal)
        except ValueError:
            address = None
        # RFC 5321 4.1.3: [192.0.2.1], and IPv6 only with its tag, [IPv6:2001:db8::1].
        if address is not None and (address.version == 6) == tagged:
            return f"[IPv6:{address}]" if tagged else f"[{address}]"
        raise SettingsError(field, _("{field}: an address literal is [192.0.2.1] or "
                                     "[IPv6:2001:db8::1] (you typed “{value}”).").format(
                                         field=_field_name(field), value=_shown(value)))
    if ":" in domain:
        # 192.0.2.1 is a Domain by RFC 5321's grammar (digit labels); an IPv6 address is
        # not, it must be a literal.
        raise SettingsError(field, _("{field}: an IPv6 address after the @ must be "
                                     "written in brackets, like wiki@[IPv6:2001:db8::1] (you "
                                     "typed “{value}”).").format(field=_field_name(field),
                                                                 value=_shown(value)))
    return ascii_name(check_hostname(domain, field))


def check_helo_name(value: str) -> str:
    """The EHLO name: a host name (returned in its ASCII form, as EHLO must carry it) or
    an address literal; empty means the client's default."""
    text = value.strip()
    if not text:
        return ""
    if text.startswith("[") and text.endswith("]"):
        check_hostname(text, "helo_name")
        return text
    return ascii_name(check_hostname(text, "helo_name"))


def check_timeout(value: float | str) -> float:
    try:
        seconds = float(str(value).strip())
    except ValueError:
        raise SettingsError("timeout", _("The timeout must be a number of seconds.")) from None
    if not 0 < seconds <= MAX_TIMEOUT:
        raise SettingsError("timeout", _("The timeout must be more than 0 and at most {max} "
                                         "seconds.").format(max=int(MAX_TIMEOUT)))
    return seconds


def check_password(value: str) -> str:
    """Any printable password; line breaks are refused since no config format keeps them."""
    if not value:
        raise SettingsError("password", _("The password is empty."))
    if "\0" in value:
        raise SettingsError("password", _("The password must not contain a NUL character "
                                          "(byte 0): no config file can hold one."))
    if any(ch in value for ch in "\r\n"):
        raise SettingsError("password", _("The password must not contain line breaks."))
    return value


def _shown(value: str) -> str:
    """`value` for a message: characters that print as nothing (or reorder the text
    around them) as escapes."""
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in value)


def _field_name(field: str) -> str:
    return {
        "host": _("The host"),
        "username": _("The user name"),
        "sender": _("The sender address"),
        "emergency_contact": _("The emergency contact"),
        "rcpt": _("The recipient address"),
        "id_host": _("IDHost"),
        "helo_name": _("The HELO name"),
        "password": _("The password"),
        "ca_file": _("The CA file"),
    }.get(field, field)
