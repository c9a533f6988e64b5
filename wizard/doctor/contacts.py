"""The wiki's addresses: `$wgPasswordSender`, `$wgEmergencyContact` and
`$wgUserEmailUseReplyTo`, judged as MediaWiki would use them.

A contact is judged here, not by `to_settings`: a bad one must not hide the server
settings, and MediaWiki's default sender ("apache@" the server's name) is filled in the
way MediaWiki fills it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from wizard.mediawiki.localsettings import WikiConfig
from wizard.mediawiki.php import Unparsed, string_expression
from wizard.model.diagnosis import diagnose
from wizard.model.fields import SettingsError, check_email
from wizard.model.i18n import _
from wizard.model.report import Report, Status, Step

__all__ = ["Contact", "SenderVerdict", "contact_steps", "read_contacts", "sender_verdict"]


@dataclass(frozen=True)
class Contact:
    """One of $wgPasswordSender / $wgEmergencyContact, as MediaWiki would use it."""

    variable: str
    address: str | None
    """The address MediaWiki sends with (its own default filled in), if it is valid."""
    problem: str = ""
    """Why it is not good (unset, the default, not an address); "" when it is."""
    is_default: bool = False


def read_contacts(config: WikiConfig) -> tuple[Contact, Contact]:
    """(sender, emergency contact) of the file."""
    return (_contact(config, "wgPasswordSender", "apache", config.password_sender_is_default),
            _contact(config, "wgEmergencyContact", "wikiadmin",
                     config.emergency_contact_is_default))


def _server_name(config: WikiConfig) -> str | None:
    """The server name MediaWiki builds its default addresses with.

    Since 1.35 Setup.php overwrites `$wgServerName` with the host of
    `$wgCanonicalServer`, which defaults to `$wgServer`; an older MediaWiki keeps a
    `$wgServerName` the file sets.
    """
    for value in (config.value("wgCanonicalServer"), config.server):
        if isinstance(value, str) and value:
            host = urlsplit(value if "//" in value else "//" + value).hostname
            if host:
                return host
    if isinstance(config.server_name, str) and config.server_name:
        return config.server_name
    return None


def _contact(config: WikiConfig, variable: str, local: str, is_default: bool) -> Contact:
    value = config.value(variable)
    name = "$" + variable
    if is_default:
        server = _server_name(config)
        address = f"{local}@{server}" if server else None
        if value is None or value == "" or value is False:
            problem = _("not set (MediaWiki then uses {address})").format(
                address=address or f"{local}@$wgServerName")
        else:
            problem = _("still MediaWiki's default, {address}").format(
                address=address or f"{local}@$wgServerName")
        return Contact(name, _valid(address), problem, is_default=True)
    if isinstance(value, Unparsed):
        strings = {k: v for k, v in config.values.items() if isinstance(v, str)}
        value = string_expression(value.tokens, strings, {}) or value
    if not isinstance(value, str):
        return Contact(name, None, _("set by an expression the doctor cannot read"))
    if _valid(value) is None:
        return Contact(name, None, _("not an e-mail address (“{value}”)").format(value=value))
    return Contact(name, value)


def _valid(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return check_email(address)
    except SettingsError:
        return None


@dataclass(frozen=True)
class SenderVerdict:
    """What the server said about the sender, live: from the doctor's own check and from
    MediaWiki's PHP (which wins)."""

    rejected: bool = False
    accepted: bool = False
    mediawiki_sender: str = ""
    """The address MediaWiki's own PHP sends with, when it was asked."""


def sender_verdict(live: Report | None, via_rejected: bool | None,
                   mediawiki_sender: str = "") -> SenderVerdict:
    """`via_rejected`: MediaWiki's PHP was refused the sender (True), was accepted
    (False) or did not get that far (None)."""
    live_step = live.step("sender") if live is not None else None
    live_rejected = any(step.diagnosis is not None and step.diagnosis.code ==
                        "sender-rejected" for step in (live.steps if live else ()))
    if via_rejected is not None:
        return SenderVerdict(via_rejected, not via_rejected, mediawiki_sender)
    return SenderVerdict(live_rejected, not live_rejected and live_step is not None
                         and live_step.status is Status.OK, mediawiki_sender)


def contact_steps(config: WikiConfig, sender: Contact, contact: Contact,
                  verdict: SenderVerdict) -> list[Step]:
    """wiki.reply_to, wiki.sender and wiki.emergency_contact; `verdict` says whether the
    server takes the sender."""
    reply_to = _reply_to_step(config)
    return [reply_to, _sender_step(config, sender, verdict, reply_to.status is Status.OK),
            _emergency_step(contact)]


def _sender_step(config: WikiConfig, sender: Contact, verdict: SenderVerdict,
                 reply_to_on: bool) -> Step:
    smtp = config.smtp
    user = (smtp.username or "") if smtp is not None and smtp.auth else ""
    domain = sender.address.rpartition("@")[2].lower() if sender.address else ""
    user_domain = user.rpartition("@")[2].lower() if "@" in user else ""
    mismatch = bool(domain and user_domain and domain != user_domain)
    rejected, accepted = verdict.rejected, verdict.accepted
    notes: list[str] = []
    if verdict.mediawiki_sender and verdict.mediawiki_sender != sender.address:
        notes.append(_("MediaWiki itself sends as {address} (the doctor expected {expected})."
                       ).format(address=verdict.mediawiki_sender,
                                expected=sender.address or "-"))
    if rejected and not reply_to_on:
        notes.append(_("Also set $wgUserEmailUseReplyTo = true, so mail between users is "
                       "sent from $wgPasswordSender too."))
    details = tuple(notes)

    def finding(status: Status, problem: str) -> Step:
        return Step("wiki.sender", status, _("$wgPasswordSender is {problem}.").format(
            problem=problem), details, diagnose("contact-unset", variable=sender.variable,
                                                problem=problem))

    if sender.address is None:
        return finding(Status.FAIL, sender.problem)
    if rejected:
        return finding(Status.FAIL, _("{address}, which the SMTP server refuses as sender "
                                      "for {user}").format(address=sender.address,
                                                           user=user or "-"))
    if sender.is_default:
        return finding(Status.WARN if accepted else Status.FAIL, sender.problem)
    if mismatch and not accepted:
        return finding(Status.WARN, _("{address}, at another domain than the SMTP account "
                                      "{user}").format(address=sender.address, user=user))
    if mismatch:
        return Step("wiki.sender", Status.OK, _("$wgPasswordSender is {address}; the server "
                                                "accepts it for {user}.").format(
            address=sender.address, user=user), details)
    return Step("wiki.sender", Status.OK, _("$wgPasswordSender is {address}.").format(
        address=sender.address) + (" " + _("The server accepts it.") if accepted else ""),
        details)


def _emergency_step(contact: Contact) -> Step:
    """Advice only: MediaWiki's own code sends no mail from $wgEmergencyContact (Setup.php
    gives it a default, nothing sends with it), so it never decides whether mail works."""
    advice = _("It does not decide whether mail works; the manual advises setting it to an "
               "address that reaches the wiki's administrator.")
    if contact.address is not None and not contact.is_default:
        return Step("wiki.emergency_contact", Status.OK, _("$wgEmergencyContact is "
                                                           "{address}.").format(
            address=contact.address))
    return Step("wiki.emergency_contact", Status.OK if contact.is_default else Status.WARN,
                _("$wgEmergencyContact is {problem}; MediaWiki sends no mail from it.").format(
                    problem=contact.problem), (advice,))


def _reply_to_step(config: WikiConfig) -> Step:
    """wiki.reply_to: OK exactly when users' mail to each other comes from the sender."""
    if config.value("wgEnableUserEmail") is False:
        return Step("wiki.reply_to", Status.OK, _("Mail between users is switched off "
                                                  "($wgEnableUserEmail)."))
    value = config.user_email_use_reply_to
    if value is None:
        default = _mediawiki_default(config.wiki_root, "wgUserEmailUseReplyTo")
        if default is False:
            words = _("not set, and this MediaWiki's default is false")
            return Step("wiki.reply_to", Status.WARN, _("$wgUserEmailUseReplyTo is {value}."
                                                        ).format(value=words),
                        diagnosis=diagnose("user-email-from", value=words))
        return Step("wiki.reply_to", Status.OK, _(
            "$wgUserEmailUseReplyTo is not set, and this MediaWiki's default is true.")
            if default else _("$wgUserEmailUseReplyTo is not set: MediaWiki's default "
                              "applies."))
    if value is False:
        return Step("wiki.reply_to", Status.WARN, _("$wgUserEmailUseReplyTo is false."),
                    diagnosis=diagnose("user-email-from", value="false"))
    return Step("wiki.reply_to", Status.OK, _("$wgUserEmailUseReplyTo is on: users' mail "
                                              "comes from $wgPasswordSender."))


def _mediawiki_default(wiki_root: Path, variable: str) -> bool | None:
    """A boolean's default in this MediaWiki's own code (DefaultSettings.php in old
    versions, `public const X = [ 'default' => ... ]` in MainConfigSchema.php in new
    ones), or None when neither says."""
    name = variable.removeprefix("wg")
    patterns = (
        ("includes/DefaultSettings.php",
         rf"^\s*\${variable}\s*=\s*(true|false)\s*;"),
        ("includes/MainConfigSchema.php",
         rf"^\s*public\s+const\s+{name}\s*=\s*\[\s*'default'\s*=>\s*(true|false)\b"),
    )
    for relative, pattern in patterns:
        try:
            text = (wiki_root / relative).read_text("utf-8", "replace")
        except OSError:
            continue
        match = re.search(pattern, text, re.IGNORECASE | re.MULTILINE)
        if match:
            return match.group(1).lower() == "true"
    return None
