"""Servers' own replies: mail servers and providers, in whichever client's wrapper.

These words come from servers this project cannot run, so each pattern names where its
wording is documented. They are more precise than a client's generic “login refused”,
so they win over it (see `pattern`).
"""

from __future__ import annotations

from wizard.explain.pattern import EMAIL, GENERIC, HOST, PRECISE, Pattern, reply
from wizard.model.i18n import N_

__all__ = ["REPLY_PATTERNS"]

_POSTFIX = ("Postfix smtpd_check.c reply texts (sender checks are answered at RCPT TO: "
            "smtpd_delay_reject)")
_M365 = "Microsoft Learn, Exchange Online SMTP AUTH and NDR documentation"
_CHINESE = {"provider": N_("The provider")}

REPLY_PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "gmail-bad-credentials", ("auth-app-password",),
        r"Username and Password not accepted",
        "auth", PRECISE, "Gmail's 535 5.7.8 reply (support.google.com/mail/?p=BadCredentials)",
        N_("Gmail refused the user name and password.")),
    Pattern(
        "gmail-app-password", ("auth-app-password",),
        r"Application-specific password required",
        "auth", PRECISE,
        "Gmail's 534 5.7.9 reply (support.google.com/mail/?p=InvalidSecondFactor)",
        N_("Gmail wants an app password.")),
    Pattern(
        "m365-smtp-auth-disabled", ("auth-basic-disabled",),
        r"(?<![\d.])5\.7\.139\b|SmtpClientAuthentication is disabled",
        "auth", PRECISE, f"{_M365} (aka.ms/smtp_auth_disabled)",
        N_("Microsoft 365 refused SMTP AUTH for this mailbox.")),
    Pattern(
        "m365-basic-auth", ("auth-basic-disabled",),
        r"(?<![\d.])5\.7\.30\b|Basic authentication is not supported for Client Submission",
        "auth", PRECISE, f"{_M365}; Microsoft 365 Basic authentication update of 2026-01-27",
        N_("Microsoft 365 refused password login for SMTP.")),
    Pattern(
        "m365-send-as", ("sender-rejected",),
        r"(?<![\d.])5\.7\.60\b|Client does not have permissions to send as this sender",
        "envelope", PRECISE, f"{_M365} (NDR 5.7.60)",
        N_("Microsoft 365 refused the sender: the login may not send as it.")),
    Pattern(
        "m365-send-as-denied", ("sender-rejected",),
        r"SendAsDenied",
        "envelope", PRECISE,
        f"{_M365} (554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException)",
        N_("Exchange refused the message: the login may not send as its sender.")),
    Pattern(
        "m365-not-authenticated", ("auth-required",),
        r"(?<![\d.])5\.7\.57\b|Client (?:was )?not authenticated",
        "envelope", PRECISE, f"{_M365} (NDR 5.7.57)",
        N_("Exchange wants a login before it takes mail.")),
    Pattern(
        "postfix-sender", ("sender-rejected",),
        rf"<(?P<sender>{EMAIL})?[^>\s]{{0,300}}>: Sender address rejected: (?:not owned by "
        rf"(?:user )?(?P<user>{EMAIL})?)?",
        "envelope", PRECISE, _POSTFIX, N_("Postfix refused the sender address.")),
    Pattern(
        "postfix-relay", ("recipient-rejected",),
        rf"(?:<(?P<rcpt>{EMAIL})?[^>\s]{{0,300}}>: )?Relay access denied",
        "envelope", PRECISE, _POSTFIX,
        N_("Postfix refused to relay to the recipient.")),
    Pattern(
        "postfix-client", ("client-rejected",),
        r"<(?P<client>[^>\s]{1,300})>: Client host rejected: ",
        "envelope", PRECISE, _POSTFIX, N_("Postfix refused this machine's address.")),
    Pattern(
        "postfix-helo", ("helo-rejected",),
        rf"<(?P<helo>{HOST})>: Helo command rejected: ",
        "envelope", PRECISE, _POSTFIX, N_("Postfix refused the EHLO name.")),
    Pattern(
        "starttls-first", ("mail-in-clear",),
        r"Must issue a STARTTLS command first",
        "envelope", PRECISE, "Postfix and Gmail's 530 5.7.0 reply (RFC 3207)",
        N_("The server wants STARTTLS before it takes mail."), None,
        {"why": N_("the server wants STARTTLS first, and the client did not start it")}),
    Pattern(
        "auth-required", ("auth-required",),
        reply("530", r"Authentication (?:is )?required"),
        "envelope", PRECISE, "RFC 4954's 530 5.7.0 reply (Postfix, Gmail)",
        N_("The server wants a login before it takes mail.")),
    Pattern(
        "starttls-unavailable", ("starttls-failed",),
        reply("454", r"TLS not available"),
        "tls", PRECISE, "RFC 3207's 454 reply (Postfix: “TLS not available due to local "
        "problem”)", N_("The server refused STARTTLS.")),
    Pattern(
        "exim-relay", ("recipient-rejected",), r"relay not permitted",
        "envelope", PRECISE, "Exim's default configure, acl_check_rcpt",
        N_("Exim refused to relay to the recipient.")),
    Pattern(
        "exim-auth", ("auth-failed",), r"Incorrect authentication data",
        "auth", PRECISE, "Exim's 535 reply (smtp_in.c)",
        N_("Exim refused the user name or password.")),
    Pattern(
        "ses-unverified", ("ses-unverified",),
        r"Email address is not verified\. The following identities failed the check in "
        r"region (?P<region>[A-Za-z0-9-]{2,30}): (?P<identities>[^\n)'\"]{1,300})",
        "envelope", PRECISE, "Amazon SES's 554 Message rejected reply (SES developer guide, "
        "sandbox)", N_("Amazon SES refused an address that is not verified.")),
    Pattern(
        "qq-authorization-code", ("auth-authorization-code",),
        r"Please enter your authorization code to login",
        "auth", PRECISE, "QQ Mail's 535 reply (its help page service.mail.qq.com, no=1001256)",
        N_("QQ Mail refused the password: it wants an authorisation code."), None,
        {"provider": "QQ Mail"}),
    Pattern(
        "netease-no-permission", ("auth-authorization-code",),
        reply("550", r"User has no permission"),
        "auth", PRECISE, "NetEase 163/126 Mail's 550 reply to a login without SMTP "
        "switched on", N_("NetEase refused: SMTP is not switched on for the mailbox."),
        None, {"provider": "NetEase (163.com, 126.com)"}),
    Pattern(
        "coremail-auth-failed", ("auth-authorization-code",),
        reply("535", r"Error: authentication failed"),
        "auth", PRECISE, "Coremail's 535 reply (NetEase 163/126, QQ with SMTP off)",
        N_("The provider refused the password."), None, _CHINESE),
    Pattern(
        "reply-535", ("auth-failed",), reply("535"),
        "auth", GENERIC, "RFC 4954's 535 reply",
        N_("The server refused the user name or password.")),
)
