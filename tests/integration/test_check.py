"""The live check against real servers on loopback: every stage, every failure named."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.common import PASSWORD, USER
from tests.support.hostile import blackhole_port, closed_port, peer
from tests.support.servers import SmtpServer
from wizard.model.diagnosis import Diagnosis
from wizard.model.report import Report, Status, Step
from wizard.model.settings import Client, Security, Settings
from wizard.smtp.check import CheckOptions, planned_steps, run_check

Start = Callable[..., SmtpServer]


def settings_for(port: int, security: Security = Security.STARTTLS, *, ca_file: object = None,
                 **fields: object) -> Settings:
    values: dict[str, object] = {"host": "127.0.0.1", "port": port, "security": security,
                                 "username": USER, "sender": USER, "timeout": 3.0,
                                 "ca_file": str(ca_file) if ca_file else None}
    # Mixed-type keywords; Settings checks every value itself.
    return Settings(**(values | fields))  # type: ignore[arg-type]


def step(report: Report, step_id: str) -> Step:
    found = report.step(step_id)
    assert found is not None, f"no step {step_id}"
    return found


def diagnosis(report: Report, step_id: str) -> Diagnosis:
    found = step(report, step_id).diagnosis
    assert found is not None, f"no diagnosis on {step_id}"
    return found


def statuses(report: Report) -> dict[str, str]:
    return {step.id: str(step.status) for step in report.steps}


async def test_starttls_auth_sender_as_pear(smtp_server: Start, ca_file: object) -> None:
    server = smtp_server(mode="starttls")
    report = await run_check(settings_for(server.port, ca_file=ca_file), PASSWORD,
                             CheckOptions(rcpt="someone@example.net"))
    assert statuses(report) == {"connect": "ok", "ehlo": "ok", "tls": "ok", "auth": "ok",
                                "sender": "ok", "recipient": "ok"}, report.to_dict()
    # PEAR picks LOGIN before PLAIN; nothing was sent (RSET, no DATA).
    assert server.recorder.logins == [("LOGIN", USER, True)]
    assert server.messages == []
    assert server.recorder.helo_names[0] == "localhost"
    assert report.exit_code == 0


async def test_smtplib_prefers_plain_and_says_its_fqdn(smtp_server: Start, ca_file: object) -> None:
    server = smtp_server(mode="starttls")
    report = await run_check(settings_for(server.port, ca_file=ca_file), PASSWORD,
                             CheckOptions(client=Client.SMTPLIB))
    assert report.ok, report.to_dict()
    assert server.recorder.logins == [("PLAIN", USER, True)]
    assert server.recorder.helo_names[0] == socket.getfqdn()


async def test_implicit_tls_and_test_message(smtp_server: Start, ca_file: object) -> None:
    server = smtp_server(mode="implicit")
    settings = settings_for(server.port, Security.TLS, ca_file=ca_file, id_host="wiki.example.org")
    report = await run_check(settings, PASSWORD, CheckOptions(rcpt="me@example.net",
                                                             send_test=True))
    assert [step.id for step in report.steps] == planned_steps(settings, CheckOptions(
        rcpt="me@example.net", send_test=True))
    assert report.status is Status.OK, report.to_dict()
    assert len(server.messages) == 1
    message = server.messages[0]
    assert message.auth_user == USER and message.tls
    assert b"@wiki.example.org>" in message.content  # Message-ID built from IDHost


@pytest.mark.parametrize("cert, code", [
    ("expired", "tls-expired"),
    ("wrong-name", "tls-hostname-mismatch"),
    ("self-signed", "tls-self-signed"),
    ("untrusted", "tls-untrusted"),
])
@pytest.mark.parametrize("mode", ["starttls", "implicit"])
async def test_certificate_problems_are_named(smtp_server: Start, ca_file: object, cert: str,
                                              code: str, mode: str) -> None:
    server = smtp_server(mode=mode, cert=cert)
    security = Security.TLS if mode == "implicit" else Security.STARTTLS
    report = await run_check(settings_for(server.port, security, ca_file=ca_file), PASSWORD)
    tls = report.step("tls")
    assert tls is not None and tls.status is Status.FAIL, report.to_dict()
    assert tls.diagnosis is not None and tls.diagnosis.code == code
    # The second look put the certificate's facts in front of the user.
    assert any(detail.startswith("names:") for detail in tls.details)
    assert server.recorder.logins == []
    if cert == "wrong-name":
        assert "mail.wrong.example" in tls.diagnosis.fix


async def test_ssl_prefix_on_starttls_port(smtp_server: Start, ca_file: object) -> None:
    server = smtp_server(mode="starttls")
    report = await run_check(settings_for(server.port, Security.TLS, ca_file=ca_file), PASSWORD)
    assert report.diagnoses == ["tls-on-starttls-port"]


async def test_plain_client_on_implicit_tls_port(smtp_server: Start, ca_file: object) -> None:
    server = smtp_server(mode="implicit")
    settings = settings_for(server.port, ca_file=ca_file, timeout=2.0)
    start = time.monotonic()
    report = await run_check(settings, PASSWORD)
    assert report.diagnoses == ["plain-on-tls-port"]
    assert time.monotonic() - start < 2 * settings.timeout + 1


@pytest.mark.parametrize("security, client", [
    (Security.STARTTLS, Client.PEAR),
    (Security.NONE, Client.PEAR),
])
async def test_no_starttls_means_no_password_sent(smtp_server: Start, security: Security,
                                                  client: Client) -> None:
    server = smtp_server(mode="plain-auth")
    report = await run_check(settings_for(server.port, security), PASSWORD,
                             CheckOptions(client=client))
    assert report.diagnoses == ["starttls-missing"]
    assert server.recorder.logins == []


async def test_python_without_tls_refuses_auth(smtp_server: Start, ca_file: object) -> None:
    server = smtp_server(mode="starttls")
    report = await run_check(settings_for(server.port, Security.NONE, ca_file=ca_file),
                             PASSWORD, CheckOptions(client=Client.SMTPLIB))
    assert report.diagnoses == ["auth-in-clear"]
    assert server.recorder.logins == []


async def test_pear_without_auth_warns_mail_in_clear(smtp_server: Start) -> None:
    server = smtp_server(mode="starttls")
    report = await run_check(settings_for(server.port, Security.NONE, auth=False, username=""))
    assert report.status is Status.WARN
    assert report.diagnoses == ["mail-in-clear"]
    assert "PEAR" in diagnosis(report, "tls").cause


@pytest.mark.parametrize("reply, code", [
    ("535 5.7.8 Authentication credentials invalid", "auth-failed"),
    ("535-5.7.8 Username and Password not accepted. For more information, go to\n"
     "535 5.7.8  https://support.google.com/mail/?p=BadCredentials x1-gsmtp", "auth-app-password"),
    ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
     "Tenant.", "auth-basic-disabled"),
])
async def test_wrong_password(smtp_server: Start, ca_file: object, reply: str, code: str) -> None:
    server = smtp_server(mode="starttls", auth_fail_reply=reply)
    report = await run_check(settings_for(server.port, ca_file=ca_file), "wrong-password")
    assert report.diagnoses == [code]
    assert step(report, "sender").status is Status.SKIPPED
    assert report.exit_code == 1


async def test_no_auth_offered(smtp_server: Start, ca_file: object) -> None:
    server = smtp_server(mode="starttls", exclude_mechanisms=("LOGIN", "PLAIN"))
    report = await run_check(settings_for(server.port, ca_file=ca_file), PASSWORD)
    assert report.diagnoses == ["auth-not-offered"]


async def test_report_holds_the_auth_mechanisms_of_the_last_ehlo(smtp_server: Start,
                                                                 ca_file: object) -> None:
    # The server offers AUTH only after STARTTLS: the list comes from the second EHLO.
    server = smtp_server(mode="starttls", exclude_mechanisms=("PLAIN",))
    report = await run_check(settings_for(server.port, ca_file=ca_file), PASSWORD)
    assert report.ok, report.to_dict()
    assert report.auth_offered == ("LOGIN",)
    both = await run_check(settings_for(smtp_server(mode="implicit").port, Security.TLS,
                                        ca_file=ca_file, auth=False))
    assert both.auth_offered == ("LOGIN", "PLAIN")
    # An EHLO without AUTH is an empty offer; no EHLO at all is no answer (None).
    plain = smtp_server(mode="plain")
    none_offered = await run_check(settings_for(plain.port, Security.NONE, auth=False))
    ehlo = none_offered.step("ehlo")
    assert ehlo is not None and ehlo.status is Status.OK
    assert none_offered.auth_offered == ()
    with closed_port() as port:
        refused = await run_check(settings_for(port), PASSWORD)
    assert refused.auth_offered is None


async def test_forced_mechanism_not_offered(smtp_server: Start, ca_file: object) -> None:
    server = smtp_server(mode="starttls")
    report = await run_check(settings_for(server.port, ca_file=ca_file,
                                          auth_mechanism="CRAM-MD5"), PASSWORD)
    assert report.diagnoses == ["auth-mechanism"]


async def test_auth_required_for_mail(smtp_server: Start, ca_file: object) -> None:
    server = smtp_server(mode="starttls", auth_required=True)
    report = await run_check(settings_for(server.port, ca_file=ca_file, auth=False))
    assert report.diagnoses == ["auth-required"]


async def test_sender_and_recipient_rejected(smtp_server: Start, ca_file: object) -> None:
    server = smtp_server(mode="starttls", reject_senders={"apache@wiki.example.org"},
                         reject_rcpts={"x@elsewhere.example"})
    bad_sender = settings_for(server.port, ca_file=ca_file, sender="apache@wiki.example.org")
    report = await run_check(bad_sender, PASSWORD)
    assert report.diagnoses == ["sender-rejected"]
    assert "$wgPasswordSender" in diagnosis(report, "sender").fix
    report = await run_check(settings_for(server.port, ca_file=ca_file), PASSWORD,
                             CheckOptions(rcpt="x@elsewhere.example"))
    assert report.diagnoses == ["recipient-rejected"]


async def test_helo_localhost_rejected(smtp_server: Start, ca_file: object) -> None:
    server = smtp_server(mode="starttls", reject_helo={"localhost"})
    report = await run_check(settings_for(server.port, ca_file=ca_file), PASSWORD)
    assert report.diagnoses == ["helo-rejected"]
    fixed = await run_check(settings_for(server.port, ca_file=ca_file,
                                         helo_name="wiki.example.org"), PASSWORD)
    assert fixed.ok, fixed.to_dict()


async def test_refused_port() -> None:
    with closed_port() as port:
        report = await run_check(settings_for(port), PASSWORD)
    assert report.diagnoses == ["tcp-refused"]
    assert [s.status for s in report.steps[1:]] == [Status.SKIPPED] * (len(report.steps) - 1)


async def test_blackholed_port_ends_at_the_deadline() -> None:
    with blackhole_port() as port:
        start = time.monotonic()
        report = await run_check(settings_for(port, timeout=1.0), PASSWORD)
        elapsed = time.monotonic() - start
    assert report.diagnoses == ["tcp-timeout"]
    assert elapsed < 2.0


@pytest.mark.parametrize("behaviour, security, code", [
    ("silent", Security.STARTTLS, "no-banner"),
    ("drip", Security.STARTTLS, "no-banner"),
    ("garbage", Security.STARTTLS, "not-smtp"),
    ("huge-line", Security.STARTTLS, "not-smtp"),
    ("close-in-handshake", Security.TLS, "tls-handshake-failed"),
    ("starttls-then-close", Security.STARTTLS, "tls-handshake-failed"),
    ("mute-after-greeting", Security.STARTTLS, "server-timeout"),
    ("hang-up-after-ehlo", Security.STARTTLS, "connection-lost"),
    ("starttls-refused", Security.STARTTLS, "starttls-failed"),
])
async def test_hostile_peers(behaviour: str, security: Security, code: str) -> None:
    with peer(behaviour) as port:
        start = time.monotonic()
        report = await run_check(settings_for(port, security, timeout=1.5), PASSWORD)
        elapsed = time.monotonic() - start
    assert report.diagnoses == [code], report.to_dict()
    # One deadline for connecting, plus one for the second look that names the problem.
    assert elapsed < 2 * 1.5 + 0.5
    assert PASSWORD not in json.dumps(report.to_dict())


def test_auth_order_follows_the_target_client() -> None:
    offered = ["plain", "login", "cram-md5"]
    pear, smtplib = CheckOptions().model, CheckOptions(client=Client.SMTPLIB).model
    assert pear.order(offered, None) == ["LOGIN"]
    assert smtplib.order(offered, None) == ["CRAM-MD5", "PLAIN", "LOGIN"]
    assert pear.order(offered, "PLAIN") == ["PLAIN"]
    # Net_SMTP has XOAUTH2 (the password is then an access token); CRAM-MD5 only with
    # Auth_SASL, even when forced.
    assert pear.order(["xoauth2"], None) == ["XOAUTH2"]
    assert pear.order(offered, "CRAM-MD5") == []
    assert CheckOptions(auth_sasl=True).model.order(offered, "CRAM-MD5") == ["CRAM-MD5"]


async def test_certificate_expiring_soon_warns(smtp_server: Start, ca_file: object) -> None:
    server = smtp_server(mode="starttls", cert="expiring")
    report = await run_check(settings_for(server.port, ca_file=ca_file), PASSWORD)
    assert report.status is Status.WARN and report.diagnoses == ["tls-expiring"]
    assert server.recorder.logins == [("LOGIN", USER, True)]


async def test_test_message_refused(smtp_server: Start, ca_file: object) -> None:
    server = smtp_server(mode="starttls", reject_data="554 5.7.1 Message rejected as spam")
    report = await run_check(settings_for(server.port, ca_file=ca_file), PASSWORD,
                             CheckOptions(rcpt="me@example.net", send_test=True))
    assert report.diagnoses == ["data-rejected"]
    assert "spam" in diagnosis(report, "send").cause


def test_local_socket_error_is_named(tmp_path: Path) -> None:
    """An OSError other than refused/timeout (here: no file descriptors left) is tcp-error."""
    code = (
        "import asyncio, json, resource\n"
        "from wizard.smtp.check import run_check\n"
        "from wizard.model.settings import Settings\n"
        "s = Settings(host='127.0.0.1', port=9, auth=False, timeout=2)\n"
        "async def main():\n"
        "    import socket\n"
        "    hold = []\n"
        "    try:\n"
        "        while True: hold.append(socket.socket())\n"
        "    except OSError: pass\n"
        "    report = await run_check(s)\n"
        "    print(json.dumps(report.diagnoses))\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=30)
    assert json.loads(result.stdout) == ["tcp-error"], result.stderr
