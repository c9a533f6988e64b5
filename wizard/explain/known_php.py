"""What MediaWiki's mail code prints: PEAR Mail, Net_SMTP, Net_Socket, PHP and OpenSSL.

MediaWiki shows PEAR's message after “Error sending mail:”. Mail_smtp wraps Net_SMTP's
error as `<what> [SMTP: <error> (code: <code>, response: <reply>)]`. Sources are named
per pattern: pear/Mail 1.4 to 2.0 and pear/Net_SMTP 1.10 to 1.12 (the versions Debian and
MediaWiki 1.39 to 1.45 load), PEAR Mail 1.1 for old wikis, PHP 8's stream and include
errors.
"""

from __future__ import annotations

from wizard.explain.pattern import (
    AMBIGUOUS,
    EMAIL,
    GENERIC,
    HOST,
    PEAR_REPLY,
    PRECISE,
    REASON,
    Pattern,
)
from wizard.model.i18n import N_
from wizard.model.settings import Client

__all__ = ["PHP_PATTERNS"]

_MAIL_SMTP = "pear/Mail, Mail/smtp.php (1.4 to 2.0)"
_NET_SMTP = "pear/Net_SMTP, Net/SMTP.php (1.10 to 1.12)"
_OLD_MAIL = "PEAR Mail 1.1, Mail/smtp.php (old wikis)"
# Net_Socket hands PHP's fsockopen() error on; Debian's Net_Socket 1.0 adds PHP's own
# warning, pear/Net_Socket 1.2 leaves the reason empty.
_SSL_UNKNOWN = (r"(?:\(Unknown error\)|\[SMTP: Failed to connect socket: +(?:fsockopen\(\): "
                r"Unable to connect to \S+ \(Unknown error\) )?\(code: -1)")
_PEAR_PACKAGES = r"(?:Net/(?:Socket|SMTP)|Mail(?:/\w+)?|PEAR|Auth/SASL(?:/\w+)?)\.php"

PHP_PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "pear-connect", (),
        rf"Failed to connect to (?:(?P<prefix>ssl|tls)://)?(?P<host>{HOST}):(?P<port>\d{{1,5}})"
        r" \[SMTP: ",
        "connect", AMBIGUOUS, _MAIL_SMTP, N_("PEAR could not connect."), Client.PEAR),
    Pattern(
        "pear-tls-connect", ("tls-certificate-rejected", "tls-on-starttls-port"),
        rf"(?:Unable|Failed) to connect to (?:ssl|tls)://\S+ {_SSL_UNKNOWN}",
        "tls", AMBIGUOUS, f"{_MAIL_SMTP}; pear/Net_Socket 1.0 and 1.2",
        N_("PHP could not open the ssl:// (or tls://) connection and did not say why."),
        Client.PEAR),
    Pattern(
        "pear-tls-to-submission-port", ("tls-on-starttls-port", "tls-certificate-rejected"),
        rf"(?:Unable|Failed) to connect to (?:ssl|tls)://\S+?:(?:25|587|2525) {_SSL_UNKNOWN}",
        "tls", GENERIC, f"{_MAIL_SMTP}; pear/Net_Socket 1.0 and 1.2",
        N_("PHP could not open an ssl:// (or tls://) connection to a port that usually "
           "speaks plain SMTP first."), Client.PEAR),
    Pattern(
        "pear-starttls-failed", ("tls-certificate-rejected", "tls-handshake-failed"),
        r"STARTTLS failed (?:\{[^}]{0,2000}\} )?\(code: 220, response: [^)\n]{0,300}\)"
        r"|authentication failure \[?SMTP: STARTTLS",
        "tls", AMBIGUOUS, f"{_NET_SMTP}, starttls(); MediaWiki's Manual:$wgSMTP, troubleshooting",
        N_("PEAR asked for STARTTLS, the server agreed, and the TLS handshake failed."),
        Client.PEAR),
    Pattern(
        "pear-auth-not-offered", ("auth-not-offered",),
        r"SMTP server does not support authentication",
        "auth", PRECISE, f"{_NET_SMTP}, auth()",
        N_("PEAR was told to log in, but the server offers no AUTH."), Client.PEAR),
    Pattern(
        "pear-no-mechanism", ("auth-mechanism",),
        r"No supported authentication methods(?:.{0,2000}?\bAUTH[ =](?P<offered>[\w -]{1,200}))?",
        "auth", PRECISE, f"{_NET_SMTP}, getBestAuthMethod()",
        N_("PEAR found no AUTH mechanism it can use among those the server offers."),
        Client.PEAR,
        {"usable": N_("LOGIN, PLAIN or XOAUTH2 (CRAM-MD5 and DIGEST-MD5 only with PEAR "
                      "Auth_SASL)")}),
    Pattern(
        "pear-auth-refused", ("auth-failed",),
        # Only a 5xx: a 454 here is the server refusing STARTTLS, not the login.
        rf"authentication failure \[SMTP: Invalid response code received from server "
        rf"(?=\(code: 5){PEAR_REPLY}",
        "auth", REASON, f"{_MAIL_SMTP} around {_NET_SMTP}",
        N_("PEAR's login was refused by the server."), Client.PEAR),
    Pattern(
        "pear-sender", ("sender-rejected",),
        rf"Failed to set sender: <?(?P<sender>{EMAIL})?[^\s\[]*>? \[SMTP: [^(]{{0,200}}"
        rf"{PEAR_REPLY}",
        "envelope", REASON, _MAIL_SMTP,
        N_("The server refused PEAR's MAIL FROM."), Client.PEAR),
    Pattern(
        "pear-recipient", ("recipient-rejected",),
        rf"Failed to add recipient: <?(?P<rcpt>{EMAIL})?[^\s\[]*>? \[SMTP: [^(]{{0,200}}"
        rf"{PEAR_REPLY}",
        "envelope", REASON, _MAIL_SMTP,
        N_("The server refused PEAR's RCPT TO."), Client.PEAR),
    Pattern(
        "pear-data", ("data-rejected",),
        rf"Failed to send data \[SMTP: [^(]{{0,200}}{PEAR_REPLY}",
        "envelope", REASON, _MAIL_SMTP,
        N_("The server refused the message PEAR sent."), Client.PEAR),
    Pattern(
        "pear-helo", ("helo-rejected",),
        rf"HELO was not accepted[^(]{{0,200}}{PEAR_REPLY}",
        "envelope", REASON, f"{_NET_SMTP}, negotiate()",
        N_("The server refused PEAR's EHLO and HELO."), Client.PEAR),
    Pattern(
        "old-pear-connect", ("tcp-error",),
        rf"unable to connect to smtp server (?P<host>{HOST}):(?P<port>\d{{1,5}})",
        "connect", AMBIGUOUS, _OLD_MAIL,
        N_("Old PEAR Mail could not connect and did not say why."), Client.PEAR,
        {"error": N_("PEAR Mail 1.1 does not say why")}),
    Pattern(
        "old-pear-auth", ("auth-failed", "tls-certificate-rejected"),
        r"unable to authenticate to smtp server",
        "auth", AMBIGUOUS, _OLD_MAIL,
        N_("Old PEAR Mail could not log in (or start TLS) and did not say why."),
        Client.PEAR),
    Pattern(
        "old-pear-sender", ("sender-rejected",),
        rf"unable to set sender to \[(?P<sender>{EMAIL})?[^\]\n]{{0,300}}\]",
        "envelope", REASON, _OLD_MAIL,
        N_("The server refused old PEAR Mail's MAIL FROM."), Client.PEAR),
    Pattern(
        "old-pear-recipient", ("recipient-rejected",),
        rf"unable to add recipient \[(?P<rcpt>{EMAIL})?[^\]\n]{{0,300}}\]",
        "envelope", REASON, _OLD_MAIL,
        N_("The server refused old PEAR Mail's RCPT TO."), Client.PEAR),
    Pattern(
        "php-mail-unknown", ("contact-unset", "selinux-httpd", "smtp-disabled"),
        r"Unknown error in PHP'?s mail\(\) function",
        "wiki", REASON,
        "MediaWiki's message php-mail-error-unknown; Manual:$wgSMTP, troubleshooting",
        N_("MediaWiki sends with PHP's mail() ($wgSMTP is off), and mail() failed."),
        Client.PEAR,
        {"variable": "$wgPasswordSender / $wgEmergencyContact",
         "problem": N_("unset, or not an address the mail server accepts"),
         "boolean": "httpd_can_sendmail", "state": "false"}),
    Pattern(
        "pear-mail-backend", ("contact-unset", "selinux-httpd", "smtp-disabled"),
        r"mail\(\) returned failure",
        "wiki", REASON, "pear/Mail, Mail/mail.php",
        N_("PEAR's mail backend called PHP's mail(), and mail() failed."), Client.PEAR,
        {"variable": "$wgPasswordSender / $wgEmergencyContact",
         "problem": N_("unset, or not an address the mail server accepts"),
         "boolean": "httpd_can_sendmail", "state": "false"}),
    Pattern(
        "php-include-path", ("include-path", "pear-missing"),
        rf"Failed opening required '?(?P<file>{_PEAR_PACKAGES})'?"
        r"(?: \(include_path='(?P<include_path>[^'\n]{0,500})'\))?",
        "wiki", REASON,
        "PHP 7 and 8 require_once errors; MediaWiki's Manual:$wgSMTP, troubleshooting",
        N_("PHP could not load a PEAR file that mail needs."), Client.PEAR),
    Pattern(
        "manual-sender-refused", ("sender-rejected", "user-email-from"),
        r"Mailserver does not accept sender|not (?:authori[sz]ed|allowed|permitted) to "
        r"(?:use this sender|send as)",
        "envelope", GENERIC, "MediaWiki's Manual:$wgSMTP, troubleshooting",
        N_("The mail server refused the sender address."), Client.PEAR,
        {"value": "false"}),
    Pattern(
        "php-cn-mismatch", ("tls-hostname-mismatch",),
        rf"Peer certificate CN=`(?P<names>[^'`\n]{{1,200}})' did not match expected "
        rf"CN=`(?P<host>{HOST})'",
        "tls", PRECISE, "PHP's OpenSSL streams (ext/openssl, xp_ssl.c); Net_SMTP 1.12",
        N_("PHP refused the certificate: its name (CN) is not the host's."), Client.PEAR),
    Pattern(
        "php-san-mismatch", ("tls-hostname-mismatch",),
        rf"subjectAltName did not match expected name `(?P<host>{HOST})'",
        "tls", PRECISE, "PHP's OpenSSL streams (ext/openssl, xp_ssl.c); Net_SMTP 1.12",
        N_("PHP refused the certificate: none of its names is the host's."), Client.PEAR),
)
