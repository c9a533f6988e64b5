"""`explain`: the texts that cannot be produced on this machine, and the rules around them.

The texts a real client prints against the loopback servers are captured and explained
in tests/integration/test_explain_real.py. Here are the ones that need a remote
provider or an old program, each in the words its source documents (named beside it),
MediaWiki's $wgSMTP troubleshooting list (the seed) verbatim, the operating system's own
error strings, and the rules: precision within a topic, facts, codes per RFC 3463, the
confirming command, and hostile input.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import socket

import pytest

from wizard.explain import explain, read_text
from wizard.explain.codes import find_replies
from wizard.explain.confirm import next_command
from wizard.explain.registry import REGISTRY
from wizard.explain.text import MAX_INPUT, clip, decode
from wizard.model.diagnosis import CATALOGUE
from wizard.model.settings import Client


def _gai(code: int) -> str:
    """glibc's own text for a getaddrinfo error, as PHP and Python print it."""
    libc = ctypes.CDLL(None)
    libc.gai_strerror.restype = ctypes.c_char_p
    return str(libc.gai_strerror(code).decode())


# (text, likely codes in order, other possible codes, where the words come from)
DOC_TEXTS: list[tuple[str, tuple[str, ...], tuple[str, ...], str]] = [
    # The seed's troubleshooting list, each item as its heading quotes it.
    ("Error sending mail: Unknown error in PHP's mail() function",
     ("contact-unset",), ("selinux-httpd", "smtp-disabled"), "seed item 1"),
    ("Error sending mail: authentication failure SMTP: STARTTLS",
     ("tls-certificate-rejected",), ("tls-handshake-failed",), "seed item 2, heading"),
    ("authentication failure [SMTP: STARTTLS failed (code: 220, response: begin TLS "
     "negotiation)]", ("tls-certificate-rejected",), ("tls-handshake-failed",),
     "seed item 2, the error"),
    ("require_once(): Failed opening required Net/Socket.php", ("include-path",),
     ("pear-missing",), "seed item 5"),
    ("Mailserver does not accept sender (From)", ("sender-rejected",),
     ("user-email-from",), "seed item 6, heading"),
    ("you are not authorized to use this sender", ("sender-rejected",),
     ("user-email-from",), "seed item 6, the server's words"),
    # PEAR Mail 1.1 (old wikis), Mail/smtp.php send().
    ("unable to connect to smtp server smtp.example.org:25", ("tcp-error",), (),
     "PEAR Mail 1.1"),
    ("unable to authenticate to smtp server", ("auth-failed",),
     ("tls-certificate-rejected",), "PEAR Mail 1.1"),
    ("unable to set sender to [apache@wiki.example.org]", ("sender-rejected",), (),
     "PEAR Mail 1.1"),
    ("unable to add recipient [someone@example.net]: Invalid response code received from "
     "server", ("recipient-rejected",), (), "PEAR Mail 1.1"),
    # MoinMoin 2, src/moin/mail/sendmail.py: a logging.debug line.
    ("could not establish a tls connection to smtp server, continuing without tls",
     ("mail-in-clear",), (), "MoinMoin"),
    # Gmail, raw as a server transcript shows it (support.google.com/mail/?p=…).
    ("535-5.7.8 Username and Password not accepted. For more information, go to\n"
     "535 5.7.8  https://support.google.com/mail/?p=BadCredentials a1sm123 - gsmtp",
     ("auth-app-password",), (), "Gmail"),
    ("534-5.7.9 Application-specific password required. Learn more at\n"
     "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor a1sm123 - gsmtp",
     ("auth-app-password",), (), "Gmail"),
    # Microsoft 365 (Microsoft Learn).
    ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
     "Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
     ("auth-basic-disabled",), (), "Microsoft 365"),
    ("550 5.7.30 Basic authentication is not supported for Client Submission.",
     ("auth-basic-disabled",), (), "Microsoft 365"),
    ("550 5.7.60 SMTP; Client does not have permissions to send as this sender",
     ("sender-rejected",), (), "Microsoft 365"),
    ("554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied;"
     " Failed to process message due to a permanent exception with message Cannot submit "
     "message.", ("sender-rejected",), (), "Exchange Online"),
    ("530 5.7.57 Client not authenticated to send mail. [AM0PR01CA0001.eurprd01.prod]",
     ("auth-required",), (), "Microsoft 365"),
    ("535 5.7.3 Authentication unsuccessful", ("auth-failed",), (), "Microsoft 365"),
    # Postfix, as its log and its clients quote the replies.
    ("554 5.7.1 <unknown[192.0.2.10]>: Client host rejected: Access denied",
     ("client-rejected",), (), "Postfix"),
    ("504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
     ("helo-rejected",), (), "Postfix"),
    ("553 5.7.1 <apache@wiki.example.org>: Sender address rejected: not owned by user "
     "wiki@example.org", ("sender-rejected",), (), "Postfix"),
    ("554 5.7.1 <someone@example.net>: Relay access denied", ("recipient-rejected",), (),
     "Postfix"),
    ("530 5.7.0 Must issue a STARTTLS command first", ("mail-in-clear",), (), "Postfix"),
    # Exim's default configuration and its AUTH reply.
    ("550 relay not permitted", ("recipient-rejected",), (), "Exim"),
    ("535 Incorrect authentication data", ("auth-failed",), (), "Exim"),
    # Amazon SES in the sandbox.
    ("554 Message rejected: Email address is not verified. The following identities failed "
     "the check in region US-EAST-1: someone@example.net", ("ses-unverified",), (),
     "Amazon SES"),
    # Chinese providers' refusals of the account password.
    ("535 Login Fail. Please enter your authorization code to login. More information in "
     "http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=28&&no=1001256",
     ("auth-authorization-code",), (), "QQ Mail"),
    ("550 User has no permission", ("auth-authorization-code",), (), "NetEase"),
    ("535 Error: authentication failed", ("auth-authorization-code",), (), "Coremail"),
    # The C library's own strings (glibc), as Python and PHP print them.
    (f"socket.gaierror: [Errno {socket.EAI_AGAIN}] {_gai(socket.EAI_AGAIN)}",
     ("dns-timeout",), (), "glibc"),
    (f"Failed to connect to smtp.example.org:587 [SMTP: Failed to connect socket: "
     f"php_network_getaddresses: getaddrinfo for smtp.example.org failed: "
     f"{_gai(socket.EAI_NODATA)} (code: -1, response: )]", ("dns-no-address",), (),
     "PHP 8 main/network.c with glibc"),
    (f"OSError: [Errno {errno.ENETUNREACH}] {os.strerror(errno.ENETUNREACH)}",
     ("tcp-error",), (), "glibc"),
]


def codes_of(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    found = explain(text).findings
    return (tuple(f.diagnosis.code for f in found if f.likely),
            tuple(f.diagnosis.code for f in found if not f.likely))


@pytest.mark.parametrize(("text", "likely", "possible", "source"), DOC_TEXTS,
                         ids=[f"{entry[3]}: {entry[0][:40]}" for entry in DOC_TEXTS])
def test_documented_text_is_explained(text: str, likely: tuple[str, ...],
                                      possible: tuple[str, ...], source: str) -> None:
    assert codes_of(text) == (likely, possible), source


def test_every_item_of_the_seeds_list_is_recognised() -> None:
    """The six troubleshooting items, as the seed words them (its English parts)."""
    items = {
        "Unknown error in PHP's mail() function": "contact-unset",
        "authentication failure [SMTP: STARTTLS failed (code: 220, response: begin TLS "
        "negotiation)]": "tls-certificate-rejected",
        "require_once(): Failed opening required Net/Socket.php": "include-path",
        "Mailserver does not accept sender (From)": "sender-rejected",
    }
    for text, code in items.items():
        assert codes_of(text)[0][0] == code
    # Item 3 (the wrong port: a timeout with no error) and item 4 (EC2's port 25): the
    # words a timed-out connection leaves, from PEAR and from MoinMoin.
    assert codes_of("Failed to connect to smtp.example.org:587 [SMTP: Failed to connect "
                    "socket: Connection timed out (code: -1, response: )]") == (
        ("tcp-timeout",), ())
    assert codes_of("Failed to connect to email-smtp.us-east-1.amazonaws.com:25 [SMTP: "
                    "Failed to connect socket: Connection timed out (code: -1, response: "
                    ")]") == (("tcp-timeout",), ("ec2-port-25",))


def test_registry_codes_exist_and_names_are_unique() -> None:
    names = [pattern.name for pattern in REGISTRY]
    assert len(names) == len(set(names))
    for pattern in REGISTRY:
        assert set(pattern.codes) <= set(CATALOGUE), pattern.name
        assert pattern.source and pattern.says
        re.compile(pattern.regex)


def test_facts_fill_the_catalogue_sentences() -> None:
    found = explain("Failed to add recipient: someone@example.net [SMTP: Invalid response "
                    "code received from server (code: 554, response: 5.7.1 "
                    "<someone@example.net>: Relay access denied)]").findings
    [finding] = found
    assert finding.diagnosis.code == "recipient-rejected"
    assert finding.facts["rcpt"] == "someone@example.net"
    assert finding.facts["reply"] == "554 5.7.1 <someone@example.net>: Relay access denied"
    assert finding.diagnosis.cause == ("The server refused the recipient someone@example.net: "
                                       "554 5.7.1 <someone@example.net>: Relay access denied")
    # A fact the text does not give is shown as the README's table shows it.
    [mismatch] = explain("Peer certificate subjectAltName did not match expected name "
                         "`smtp.example.org'").findings
    assert mismatch.diagnosis.cause == "The certificate is for …, not for smtp.example.org."


def test_precise_words_replace_the_wrapper_of_the_same_topic() -> None:
    """Net_SMTP 1.12's reason replaces its bare “STARTTLS failed”; Gmail's reply replaces
    smtplib's generic refusal; a problem of another topic stays."""
    assert codes_of("authentication failure [SMTP: STARTTLS failed {enableCrypto: false; "
                    "E_WARNING (2): stream_socket_enable_crypto(): Peer certificate CN="
                    "`mail.example.org' did not match expected CN=`smtp.example.org'} (code: "
                    "220, response: begin TLS negotiation)]") == (("tls-hostname-mismatch",),
                                                                   ())
    text = ("smtplib.SMTPAuthenticationError: (535, b'5.7.8 Username and Password not "
            "accepted. For more information, go to\\n5.7.8  https://support.google.com/mail"
            "/?p=BadCredentials a1sm123 - gsmtp')\nConnectionRefusedError: [Errno 111] "
            "Connection refused")
    assert codes_of(text) == (("auth-app-password", "tcp-refused"), ())


def test_names_on_the_certificate_are_read() -> None:
    [finding] = explain("stream_socket_client(): Peer certificate CN=`mail.wrong.example' did "
                        "not match expected CN=`localhost'").findings
    assert finding.facts == {"names": "mail.wrong.example", "host": "localhost"}
    assert finding.diagnosis.cause == "The certificate is for mail.wrong.example, not for " \
                                      "localhost."


def test_unknown_text_shows_the_codes_it_quotes_per_rfc_3463() -> None:
    explanation = explain("Delivery failed: 550 5.1.1 <nobody@example.org>: Recipient "
                          "address rejected: User unknown in local recipient table")
    assert not explanation.recognised
    assert [(c.code, c.meaning) for c in explanation.codes] == [
        ("550", "mailbox unavailable, or the action was refused by policy"),
        ("5.1.1", "permanent failure; addressing; bad destination mailbox address"),
    ]
    data = explanation.to_dict()
    assert data["command"] == "explain" and data["status"] == "skipped"
    assert data["next"] is None and data["recognised"] is False
    assert data["steps"][0]["details"] == [  # type: ignore[index]
        "550: mailbox unavailable, or the action was refused by policy",
        "5.1.1: permanent failure; addressing; bad destination mailbox address"]


def test_enhanced_codes_alone_and_version_numbers() -> None:
    codes = explain("PHP 5.6.40 on Apache/2.4.52 said 4.4.1 then 5.7.139").codes
    assert [code.code for code in codes] == ["4.4.1", "5.7.139"]
    assert codes[0].meaning == ("temporary failure (try again later); network and routing; "
                                "no answer from host")
    # Inside a reply any detail counts, said to be outside RFC 3463.
    [reply] = explain("(code: 550, response: 5.7.999 Go away)]").codes[1:]
    assert reply.meaning.endswith("detail 999 is not defined by RFC 3463")


def test_replies_in_every_wrapper() -> None:
    text = ("(code: 535, response: 5.7.8 Bad\nsecond line)] and (553, b'5.7.1 <a@b.c>: no', "
            "'a@b.c') and\n451 4.3.0 Try later\n550 User has no permission")
    assert [str(reply) for reply in find_replies(text)] == [
        "535 5.7.8 Bad second line", "553 5.7.1 <a@b.c>: no", "451 4.3.0 Try later",
        "550 User has no permission"]


def test_the_confirming_command() -> None:
    facts = {"prefix": "ssl", "host": "smtp.example.org", "port": "465",
             "sender": "wiki@example.org"}
    assert next_command(["sender-rejected"], facts, Client.PEAR) == (
        "smtp-wizard check ssl://smtp.example.org --port 465 --user USER --sender "
        "wiki@example.org --rcpt ADDRESS")
    assert next_command(["data-rejected"], {}, Client.SMTPLIB) == (
        "smtp-wizard check HOST --client smtplib --security auto --user USER --sender SENDER "
        "--rcpt ADDRESS --send-test")
    assert next_command(["django-tls-and-ssl"], {}, Client.SMTPLIB) == (
        "smtp-wizard check HOST --client smtplib --security auto")
    assert next_command(["include-path", "pear-missing"], {}, Client.PEAR) == (
        "smtp-wizard doctor PATH")
    assert next_command([], {}, None) is None
    # A value that is not a plain word is quoted for the shell.
    assert next_command(["tcp-refused"], {"host": "a b"}, None) == "smtp-wizard check 'a b'"


def test_hostile_text_is_shown_visible_and_bounded() -> None:
    text = decode(b"\x1b]0;owned\x07smtplib.SMTPAuthenticationError: (535, b'5.7.8 bad "
                  b"\x1b[2J\xe2\x80\xae password \xff')")
    explanation = explain(text)
    dumped = json.dumps(explanation.to_dict(), ensure_ascii=False)
    assert not re.search("[\x00-\x1f\u202e\udc80-\udcff]", dumped.replace("\n", ""))
    [finding] = explanation.findings
    assert finding.facts["reply"] == "535 5.7.8 bad \\x1b[2J\\u202e password \\xff"
    assert "\\x1b[2J" in finding.fragment and "\\x1b[2J" in finding.diagnosis.cause
    # A very long reply is cut, marked with “…”.
    long_reply = explain("535 5.7.8 " + "x" * 5000).findings[0]
    assert len(long_reply.facts["reply"]) <= 240 and long_reply.facts["reply"].endswith("…")


def test_input_is_decoded_whatever_it_is_and_bounded() -> None:
    assert decode(b"\xef\xbb\xbf535 ok") == "535 ok"
    assert decode(b"\xff\xfe" + "535 Fehler".encode("utf-16-le")) == "535 Fehler"
    assert clip(decode(b"bad \xff byte")) == "bad \\xff byte"
    text, cut = read_text(b"x" * (MAX_INPUT + 10))
    assert cut and len(text) == MAX_INPUT
    assert read_text(b"short") == ("short", False)


def test_the_explanation_is_a_report_with_the_checks_codes() -> None:
    explanation = explain("Failed to connect to ssl://smtp.example.org:465 [SMTP: Failed to "
                          "connect socket: Connection refused (code: -1, response: )]")
    report = explanation.report
    assert report.command == "explain" and report.diagnoses == ["tcp-refused"]
    assert report.target["host"] == "smtp.example.org" and report.target["port"] == "465"
    assert report.target["client"] == "pear"
    assert explanation.next_command == "smtp-wizard check ssl://smtp.example.org --port 465"
