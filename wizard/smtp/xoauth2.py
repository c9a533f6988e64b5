"""AUTH XOAUTH2: logging in with an OAuth 2.0 access token, as PEAR Net_SMTP does.

The client sends base64("user=" + user + "\\x01auth=Bearer " + token + "\\x01\\x01"). Net_SMTP
puts it on the AUTH line when the line stays within SMTP's 512 octets, and otherwise
sends `AUTH XOAUTH2` alone and the string after the server's 334 (RFC 4954 forbids an
initial response that would make the line longer): Microsoft's tokens are long enough
for that. A server that refuses may first send a 334 with a JSON error (Google does),
to which the client answers with an empty line; then comes the 5xx.

The token itself is a secret: callers redact it like a password (the `Redactor` knows
this blob too), and `RecordingSMTP` shows nothing after the mechanism's name.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from enum import StrEnum

import aiosmtplib

__all__ = ["SEND_AS_APP", "Inline", "TokenClaims", "XOAuth2Outcome", "auth_xoauth2",
           "inline_rule", "token_claims", "xoauth2_blob"]

SEND_AS_APP = "SMTP.SendAsApp"
"""The application permission Exchange Online wants in an app-only token for SMTP."""
# 512 octets for the command line, less "AUTH XOAUTH2 " and CRLF: Net_SMTP's own limit.
_INLINE_LIMIT = 497
_SPLIT_SINCE = (1, 10, 1)
_MAX_CLAIMS = 64 * 1024


def xoauth2_blob(user: str, token: str) -> str:
    """The base64 string AUTH XOAUTH2 carries."""
    raw = f"user={user}\x01auth=Bearer {token}\x01\x01"
    return base64.b64encode(raw.encode("utf-8")).decode("ascii")


@dataclass(frozen=True)
class XOAuth2Outcome:
    ok: bool
    code: int
    message: str
    """The final reply; a JSON error a server sent with its 334 is in `detail`."""
    detail: str = ""
    line_length: int = 0
    """The octets of an AUTH line that carried the string; 0 when it came after a 334."""

    @property
    def too_long(self) -> bool:
        """The server refused an AUTH line longer than SMTP's 512 octets."""
        return self.line_length > 512 and (self.code in (500, 555)
                                            or "too long" in self.message.lower())


class Inline(StrEnum):
    """Whether the client puts the XOAUTH2 string on the AUTH line."""

    FIT = "fit"
    """When the line stays within 512 octets (Net_SMTP 1.10.1 and later)."""
    ALWAYS = "always"
    """Whatever its length (Net_SMTP 1.9 and 1.10.0)."""
    NEVER = "never"
    """Never: AUTH XOAUTH2, then the string after the 334 (the smtplib snippet's
    `initial_response_ok=False`)."""


def inline_rule(client: str, net_smtp: tuple[int, ...] | None) -> Inline:
    """How the target client sends the string: `client` is "pear" or "smtplib"."""
    if client != "pear":
        return Inline.NEVER
    return Inline.ALWAYS if net_smtp is not None and net_smtp < _SPLIT_SINCE else Inline.FIT


async def auth_xoauth2(smtp: aiosmtplib.SMTP, user: str, token: str,
                       inline: Inline = Inline.FIT) -> XOAuth2Outcome:
    """Log in on `smtp` with `token` for `user`, the way the target client does."""
    blob = xoauth2_blob(user, token)
    on_line = inline is Inline.ALWAYS or (inline is Inline.FIT and len(blob) <= _INLINE_LIMIT)
    if on_line:
        reply = await smtp.execute_command(b"AUTH", b"XOAUTH2", blob.encode("ascii"))
    else:
        reply = await smtp.execute_command(b"AUTH", b"XOAUTH2")
        if reply.code == 334:
            reply = await smtp.execute_command(blob.encode("ascii"))
    detail = ""
    if reply.code == 334:
        # The server's error, base64 JSON; an empty line ends the exchange.
        detail = _decoded(reply.message)
        reply = await smtp.execute_command(b"")
    return XOAuth2Outcome(reply.code == 235, reply.code, reply.message, detail,
                          len(b"AUTH XOAUTH2 \r\n") + len(blob) if on_line else 0)


def _decoded(text: str) -> str:
    try:
        return base64.b64decode(text.strip(), validate=True).decode("utf-8", "replace")[:512]
    except (binascii.Error, ValueError):
        return text[:512]


@dataclass(frozen=True)
class TokenClaims:
    """What an access token says about itself, when it is a JWT (Entra ID's are; Google's
    are opaque). Read without verifying the signature: only to explain a refusal."""

    audience: str
    roles: tuple[str, ...]
    """Application permissions (app-only tokens: SMTP.SendAsApp)."""
    scopes: tuple[str, ...]
    """Delegated permissions (a user's token: SMTP.Send)."""
    app_id: str
    tenant: str
    expires: int | None

    @property
    def may_send(self) -> bool:
        """Whether Exchange Online would let this token use SMTP at all."""
        return SEND_AS_APP in self.roles or "SMTP.Send" in self.scopes


def token_claims(token: str) -> TokenClaims | None:
    """The claims of a JWT access token, or None for an opaque one."""
    parts = token.split(".")
    if len(parts) != 3 or len(parts[1]) > _MAX_CLAIMS:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(payload, dict):
        return None
    roles = payload.get("roles")
    expires = payload.get("exp")
    return TokenClaims(
        audience=str(payload.get("aud", "")),
        roles=tuple(str(role) for role in roles) if isinstance(roles, list) else (),
        scopes=tuple(str(payload.get("scp", "")).split()),
        app_id=str(payload.get("appid", payload.get("azp", ""))),
        tenant=str(payload.get("tid", "")),
        expires=int(expires) if isinstance(expires, int | float) else None)
