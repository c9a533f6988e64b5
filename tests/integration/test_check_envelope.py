"""The sender step against real servers: refusals at RCPT TO (Postfix's default), providers
that judge only after DATA, international addresses, and the target's AUTH rules."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.integration.test_check import diagnosis, settings_for, statuses, step
from tests.support.common import PASSWORD, USER, cli
from tests.support.dns_server import DnsServer
from tests.support.servers import SmtpServer
from wizard.model.report import Status
from wizard.model.settings import Client, Security
from wizard.model.transcript import Direction, Line
from wizard.smtp.check import CheckOptions, run_check
from wizard.smtp.envelope import data_time_rule, refuses_sender

Start = Callable[..., SmtpServer]

ALICE = "alice@wiki.test"
POSTFIX = {USER: USER, ALICE: "alice@wiki.test"}
"""smtpd_sender_login_maps: the test login owns only its own address."""


def sent_commands(transcript: tuple[Line, ...]) -> list[str]:
    """The commands the client sent in a step's transcript, verbs only."""
    return [line.text.split(":")[0].split(" ")[0] for line in transcript
            if line.direction is Direction.CLIENT]


async def test_sender_refused_at_rcpt_without_a_recipient(smtp_server: Start,
                                                          ca_file: object) -> None:
    """Postfix answers 250 to MAIL FROM and refuses the sender at RCPT TO: the sender step
    goes through RCPT TO (to the sender itself) and names the sender, not a relay."""
    server = smtp_server(mode="starttls", sender_owners=POSTFIX)
    report = await run_check(settings_for(server.port, ca_file=ca_file, sender=ALICE), PASSWORD)
    assert report.diagnoses == ["sender-rejected"], report.to_dict()
    sender = diagnosis(report, "sender")
    assert "not owned by user wiki@example.org" in sender.cause
    assert "$wgPasswordSender" in sender.fix
    assert report.exit_code == 1
    assert server.messages == []
    assert sent_commands(step(report, "sender").transcript) == ["MAIL", "RCPT"]


async def test_sender_refused_at_rcpt_is_not_a_relay_problem(smtp_server: Start,
                                                             ca_file: object) -> None:
    server = smtp_server(mode="starttls", sender_owners=POSTFIX)
    report = await run_check(settings_for(server.port, ca_file=ca_file, sender=ALICE), PASSWORD,
                             CheckOptions(rcpt="someone@example.net"))
    assert report.diagnoses == ["sender-rejected"], report.to_dict()
    assert step(report, "recipient").status is Status.SKIPPED


async def test_owned_sender_passes_and_nothing_is_sent(smtp_server: Start,
                                                       ca_file: object) -> None:
    server = smtp_server(mode="starttls", sender_owners=POSTFIX)
    report = await run_check(settings_for(server.port, ca_file=ca_file), PASSWORD)
    assert statuses(report)["sender"] == "ok", report.to_dict()
    assert sent_commands(step(report, "sender").transcript) == ["MAIL", "RCPT"]
    assert server.messages == []


@pytest.mark.parametrize("reply", [
    "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
    "553 5.7.1 <{sender}>: Sender address rejected: not owned by user {login}",
])
async def test_other_servers_words_for_a_foreign_sender(smtp_server: Start, ca_file: object,
                                                        reply: str) -> None:
    server = smtp_server(mode="starttls", sender_owners=POSTFIX, sender_refusal=reply)
    report = await run_check(settings_for(server.port, ca_file=ca_file, sender=ALICE), PASSWORD,
                             CheckOptions(rcpt="someone@example.net"))
    assert report.diagnoses == ["sender-rejected"], report.to_dict()


async def test_refused_recipient_stays_a_recipient_problem(smtp_server: Start,
                                                           ca_file: object) -> None:
    server = smtp_server(mode="starttls", sender_owners=POSTFIX,
                         reject_rcpts={"x@elsewhere.example"})
    report = await run_check(settings_for(server.port, ca_file=ca_file), PASSWORD,
                             CheckOptions(rcpt="x@elsewhere.example"))
    assert report.diagnoses == ["recipient-rejected"]
    assert statuses(report)["sender"] == "ok"


async def test_a_probe_refused_for_the_recipient_leaves_the_sender_ok(
        smtp_server: Start, ca_file: object) -> None:
    """A no-reply sender that is no mailbox: RCPT TO itself fails for the recipient's sake,
    which says nothing against the sender."""
    server = smtp_server(mode="starttls", reject_rcpts={USER})
    report = await run_check(settings_for(server.port, ca_file=ca_file), PASSWORD)
    sender = step(report, "sender")
    assert sender.status is Status.OK, report.to_dict()
    assert any("Relay access denied" in detail for detail in sender.details)


def test_sender_refusals_in_the_servers_own_words() -> None:
    assert refuses_sender("553 5.7.1 <a@b.c>: Sender address rejected: Domain not found")
    assert refuses_sender("550 Sender verify failed")
    assert refuses_sender("554 5.2.252 SendAsDenied; wiki@x.org not allowed to send as a@x.org")
    assert not refuses_sender("554 5.7.1 <x@y.z>: Relay access denied")
    assert not refuses_sender("550 5.1.1 <x@y.z>: Recipient address rejected: User unknown")


@pytest.mark.parametrize("host, banner, provider", [
    ("smtp.office365.com", "", "Microsoft 365"),
    ("SMTP-mail.outlook.com", "", "Microsoft 365"),
    ("mail.example.org", "220 BN0PR04CA0001.outlook.office365.com Microsoft ESMTP MAIL "
     "Service ready", "Microsoft 365"),
    ("email-smtp.eu-west-1.amazonaws.com", "", "Amazon SES"),
    ("smtp.example.org", "220 email-smtp.amazonaws.com ESMTP SimpleEmailService-d-X", "Amazon SES"),
    ("smtp.example.org", "220 mx.example.org ESMTP Postfix", None),
    ("smtp.office365.com.evil.example", "", None),
])
def test_providers_that_judge_the_sender_after_data(host: str, banner: str,
                                                    provider: str | None) -> None:
    rule = data_time_rule(host, banner)
    assert (rule.provider if rule else None) == provider


M365 = {"hostname": "BN0PR04CA0001.outlook.office365.com",
        "ident": "Microsoft ESMTP MAIL Service ready"}


async def test_microsoft_365_sender_is_never_a_plain_ok(smtp_server: Start,
                                                        ca_file: object) -> None:
    server = smtp_server(mode="starttls", **M365)
    report = await run_check(settings_for(server.port, ca_file=ca_file), PASSWORD)
    sender = step(report, "sender")
    assert sender.status is Status.WARN, report.to_dict()
    assert report.diagnoses == ["sender-unverified"]
    assert "SendAsDenied" in diagnosis(report, "sender").cause
    assert "--send-test" in diagnosis(report, "sender").fix


async def test_microsoft_365_send_as_denied_after_data(smtp_server: Start,
                                                       ca_file: object) -> None:
    server = smtp_server(mode="starttls", reject_data=(
        "554 5.2.252 SendAsDenied; wiki@example.org not allowed to send as alice@wiki.test; "
        "STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied"), **M365)
    report = await run_check(settings_for(server.port, ca_file=ca_file, sender=ALICE), PASSWORD,
                             CheckOptions(rcpt="me@example.net", send_test=True))
    assert statuses(report)["sender"] == "ok", report.to_dict()
    assert report.diagnoses == ["sender-rejected"]
    assert step(report, "send").status is Status.FAIL


async def test_international_sender_as_pear_is_named_before_mail(smtp_server: Start,
                                                                 ca_file: object) -> None:
    server = smtp_server(mode="starttls", smtputf8=True)
    settings = settings_for(server.port, ca_file=ca_file, sender="jörg@bücher.example")
    assert settings.sender == "jörg@xn--bcher-kva.example"
    report = await run_check(settings, PASSWORD)
    assert report.diagnoses == ["address-smtputf8"], report.to_dict()
    assert "PEAR" in diagnosis(report, "sender").cause
    assert sent_commands(step(report, "sender").transcript) == []


@pytest.mark.parametrize("smtputf8", [True, False])
async def test_international_sender_as_smtplib(smtp_server: Start, ca_file: object,
                                               smtputf8: bool) -> None:
    server = smtp_server(mode="starttls", smtputf8=smtputf8)
    settings = settings_for(server.port, ca_file=ca_file, sender="jörg@bücher.example")
    report = await run_check(settings, PASSWORD, CheckOptions(
        client=Client.SMTPLIB, rcpt="me@example.net", send_test=True))
    if not smtputf8:
        assert report.diagnoses == ["address-smtputf8"], report.to_dict()
        assert "does not offer SMTPUTF8" in diagnosis(report, "sender").cause
        return
    assert report.ok, report.to_dict()
    assert server.recorder.mail_commands == ["FROM:<jörg@xn--bcher-kva.example> SMTPUTF8"]
    [message] = server.messages
    assert "jörg@xn--bcher-kva.example".encode() in message.content


async def test_international_recipient_for_pear(smtp_server: Start, ca_file: object) -> None:
    server = smtp_server(mode="starttls")
    report = await run_check(settings_for(server.port, ca_file=ca_file), PASSWORD,
                             CheckOptions(rcpt="jörg@example.net"))
    assert statuses(report)["sender"] == "ok", report.to_dict()
    assert report.diagnoses == ["address-smtputf8"]
    assert step(report, "recipient").status is Status.FAIL


def test_cli_international_sender_is_a_finding_not_a_traceback(smtp_server: Start,
                                                               ca_file: object) -> None:
    server = smtp_server(mode="starttls")
    done = cli("check", "127.0.0.1", "--port", str(server.port), "--user", USER,
               "--password-stdin", "--sender", "jörg@bücher.example", "--ca-file",
               str(ca_file), "--json", stdin=PASSWORD + "\n")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    codes = [found["diagnosis"]["code"] for found in json.loads(done.stdout)["steps"]
             if found["diagnosis"]]
    assert codes == ["address-smtputf8"]


@pytest.mark.parametrize("sender, words", [
    ("a@b@example.org", "more than one @"),
    ("wiki.example.org", "has no @"),
    ("a..b@example.org", "two dots"),
    ("wiki@2001:db8::1", "in brackets"),
])
def test_cli_bad_sender_names_the_problem(sender: str, words: str) -> None:
    done = cli("check", "127.0.0.1", "--port", "25", "--sender", sender)
    assert done.returncode == 2, done.stdout
    assert words in done.stderr and "Traceback" not in done.stderr


async def test_idn_host_is_shown_as_converted(dns_server: Callable[..., DnsServer]) -> None:
    """UTS #46 keeps ß: smtp.faß.de is xn--fa-hia, never fass.de (IDNA 2003)."""
    dns = dns_server({"smtp.xn--fa-hia.de": {"A": ["127.0.0.1"]}})
    settings = settings_for(1, Security.STARTTLS, host="smtp.faß.de", timeout=1.0)
    report = await run_check(settings, PASSWORD, CheckOptions(resolver=dns.resolver(),
                                                              hosts_path="/dev/null"))
    assert step(report, "dns").summary.startswith("smtp.faß.de (smtp.xn--fa-hia.de) has")
    assert ("smtp.xn--fa-hia.de", "A") in dns.queries
    assert not any("fass" in name for name, _type in dns.queries)


NON_ASCII = "pässwort-é"


@pytest.mark.parametrize("user, password", [(USER, NON_ASCII), ("jörg@example.org", PASSWORD)])
async def test_smtplib_cannot_send_non_ascii_credentials(smtp_server: Start, ca_file: object,
                                                         user: str, password: str) -> None:
    server = smtp_server(mode="starttls", users={user: password})
    settings = settings_for(server.port, ca_file=ca_file, username=user)
    report = await run_check(settings, password, CheckOptions(client=Client.SMTPLIB))
    assert report.diagnoses == ["auth-non-ascii"], report.to_dict()
    assert server.recorder.logins == []
    assert password not in json.dumps(report.to_dict())
    # PEAR sends the UTF-8 bytes, and the server takes them.
    pear = await run_check(settings, password)
    assert pear.ok, pear.to_dict()
    assert server.recorder.logins == [("LOGIN", user, True)]


@pytest.mark.parametrize("offer, net_smtp, status, logins", [
    # Net_SMTP 1.12 with Auth_SASL picks SCRAM-SHA-256, which the check cannot do.
    (("SCRAM-SHA-256",), (1, 12, 2), "warn", ["LOGIN"]),
    # 1.10 has no SCRAM: it uses LOGIN, as the check does.
    (("SCRAM-SHA-256",), (1, 10, 1), "ok", ["LOGIN"]),
    (("DIGEST-MD5",), (1, 10, 1), "warn", ["LOGIN"]),
])
async def test_pear_mechanism_order_per_release(smtp_server: Start, ca_file: object,
                                                offer: tuple[str, ...],
                                                net_smtp: tuple[int, ...], status: str,
                                                logins: list[str]) -> None:
    server = smtp_server(mode="starttls", offer_mechanisms=offer)
    report = await run_check(settings_for(server.port, ca_file=ca_file), PASSWORD,
                             CheckOptions(net_smtp=net_smtp, auth_sasl=True))
    assert statuses(report)["auth"] == status, report.to_dict()
    assert [login[0] for login in server.recorder.logins] == logins
    if status == "warn":
        assert report.diagnoses == ["auth-mechanism-untested"]
        assert offer[0] in diagnosis(report, "auth").cause
        assert "'auth' => 'LOGIN'" in diagnosis(report, "auth").fix


async def test_pear_mechanism_the_check_cannot_do_at_all(smtp_server: Start,
                                                         ca_file: object) -> None:
    server = smtp_server(mode="starttls", offer_mechanisms=("SCRAM-SHA-1",),
                         exclude_mechanisms=("LOGIN", "PLAIN"))
    report = await run_check(settings_for(server.port, ca_file=ca_file), PASSWORD,
                             CheckOptions(auth_sasl=True))
    assert statuses(report)["auth"] == "warn", report.to_dict()
    assert report.diagnoses == ["auth-mechanism-untested"]
    assert server.recorder.logins == []


def test_cli_models_the_wikis_net_smtp(smtp_server: Start, ca_file: object) -> None:
    server = smtp_server(mode="starttls", offer_mechanisms=("SCRAM-SHA-256",))
    args = ["check", "127.0.0.1", "--port", str(server.port), "--user", USER,
            "--password-stdin", "--ca-file", str(ca_file), "--json", "--auth-sasl"]
    for version, codes in (("1.12.1", ["auth-mechanism-untested"]), ("1.10.1", [])):
        done = cli(*args, "--net-smtp", version, stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
        assert [found["diagnosis"]["code"] for found in json.loads(done.stdout)["steps"]
                if found["diagnosis"]] == codes
    bad = cli(*args, "--net-smtp", "newest", stdin=PASSWORD + "\n")
    assert bad.returncode == 2 and "--net-smtp" in bad.stderr
