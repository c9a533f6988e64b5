"""`smtp-wizard doctor`: every troubleshooting item of the seed, found on real files.

Each item of shared/seed's list is produced here by a fixture wiki (tests/fixtures/doctor/
wikis), a fake /sys or /proc tree (tests/fixtures/doctor/systems) passed as the system
root, a real PHP, or a real SMTP server on loopback, and each test asserts its code:

1. “Unknown error in PHP's mail()”: contacts unset or wrong -> contact-unset; SELinux
   -> selinux-httpd.
2. STARTTLS with an invalid certificate -> tls-expired / -hostname-mismatch /
   -self-signed / -untrusted.
3. Wrong port, the wiki hangs -> plain-on-tls-port, tcp-refused, smtp-timeout-unset.
4. EC2 throttles port 25 -> ec2-port-25, with 587 probed on the same host.
5. set_include_path and Net/Socket.php -> include-path.
6. “Mailserver does not accept sender” -> sender-rejected, contact-unset, and
   $wgUserEmailUseReplyTo -> user-email-from.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import keyring
import pytest
from aiosmtpd.smtp import SMTP, AuthResult

from tests.support.common import PASSWORD, USER, cli, require_program
from tests.support.servers import Certs, Recorder, ServerOptions, SmtpServer
from wizard.doctor import AREAS, DoctorOptions, DoctorResult, ProgressCallback, run_doctor
from wizard.doctor.php import auth_sasl_step, pear_auth_mechanism, php_steps
from wizard.doctor.system import cloud_step
from wizard.mediawiki.phpenv import PhpEnv
from wizard.model.report import Report, Status, Step
from wizard.model.settings import Settings
from wizard.smtp.ports import probe_ports
from wizard.store.keyring import cryptfile_backend, store_password

Start = Callable[..., SmtpServer]

DOCTOR = Path(__file__).parents[1] / "fixtures" / "doctor"
WIKIS = DOCTOR / "wikis"
SYSTEMS = DOCTOR / "systems"


def wiki(tmp_path: Path, name: str, port: int = 0, ca_file: object = "") -> Path:
    """A copy of a fixture wiki with its server's port and CA filled in."""
    folder = tmp_path / name
    shutil.copytree(WIKIS / name, folder)
    local = folder / "LocalSettings.php"
    local.write_text(local.read_text().replace("@PORT@", str(port))
                     .replace("@CAFILE@", str(ca_file)))
    return folder


def inline_wiki(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "inline"
    folder.mkdir()
    (folder / "LocalSettings.php").write_text("<?php\n" + body)
    return folder


async def examine(folder: Path | None, tmp_path: Path, *, system: str | None = None,
                  php: str | None = None, on_progress: ProgressCallback | None = None,
                  **options: object) -> DoctorResult:
    """run_doctor on this machine's loopback, with a system tree instead of the host's
    /sys and /proc (an empty one unless named), and no keyring."""
    if system is None:
        root = tmp_path / "empty-root"
        root.mkdir(exist_ok=True)
    else:
        root = SYSTEMS / system
    return await run_doctor(DoctorOptions(
        folder, cwd=tmp_path, roots=(), system_root=root, php=php, use_keyring=False,
        **options),  # type: ignore[arg-type]  # each test passes the options it varies
        on_progress=on_progress)


async def doctor(folder: Path | None, tmp_path: Path, *, system: str | None = None,
                 php: str | None = None, on_progress: ProgressCallback | None = None,
                 **options: object) -> Report:
    """The report of `examine`."""
    return (await examine(folder, tmp_path, system=system, php=php,
                          on_progress=on_progress, **options)).report


def step(report: Report, step_id: str) -> Step:
    found = report.step(step_id)
    assert found is not None, [s.id for s in report.steps]
    return found


def code(report: Report, step_id: str) -> str | None:
    diagnosis = step(report, step_id).diagnosis
    return diagnosis.code if diagnosis else None


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- A wiki that works -------------------------------------------------------------------

async def test_healthy_wiki_passes_every_check(smtp_server: Start, certs: Certs,
                                               tmp_path: Path) -> None:
    """The whole doctor, real PHP included, against a server that accepts the wiki."""
    php = require_program("php")
    server = smtp_server(mode="starttls")
    report = await doctor(wiki(tmp_path, "live", server.port, certs.ca_file), tmp_path,
                          php=php)
    assert report.command == "doctor"
    assert report.status is Status.OK, [(s.id, s.status, s.summary) for s in report.steps]
    assert report.diagnoses == []
    assert [s.id for s in report.steps if s.id.startswith("smtp.")] == [
        "smtp.connect", "smtp.ehlo", "smtp.tls", "smtp.auth", "smtp.sender"]
    # PEAR's way: STARTTLS inside AUTH, LOGIN first, EHLO with 'localhost'; nothing sent.
    assert server.recorder.logins == [("LOGIN", USER, True)]
    assert server.recorder.helo_names[0] == "wiki.example.org"
    assert server.messages == []
    assert "2.0.0" in step(report, "php.pear_mail").summary
    assert "LOGIN" in step(report, "php.auth_sasl").summary
    # PEAR's 'timeout' bounds the connect only, and the doctor says no more than that.
    timeout = step(report, "wiki.timeout")
    assert timeout.summary == "PEAR waits at most 5 s for the connection ('timeout')."
    assert "once connected, PEAR waits for every reply without limit" in timeout.details[0]
    assert report.exit_code == 0


async def test_step_ids_are_grouped_by_area_in_order(smtp_server: Start, certs: Certs,
                                                     tmp_path: Path) -> None:
    server = smtp_server(mode="starttls")
    seen: list[tuple[str, bool]] = []
    report = await doctor(wiki(tmp_path, "live", server.port, certs.ca_file), tmp_path,
                          on_progress=lambda sid, s: seen.append((sid, s is not None)))
    areas = [s.id.partition(".")[0] for s in report.steps]
    assert areas == sorted(areas, key=AREAS.index)
    # Every step was announced when done, the live ones under their "smtp." names.
    finished = [sid for sid, done in seen if done]
    assert sorted(finished) == sorted(s.id for s in report.steps)
    assert ("smtp.connect", False) in seen


async def test_json_is_the_check_schema_and_holds_no_password(smtp_server: Start,
                                                              certs: Certs,
                                                              tmp_path: Path) -> None:
    server = smtp_server(mode="starttls")
    report = await doctor(wiki(tmp_path, "live", server.port, certs.ca_file), tmp_path)
    data = report.to_dict()
    assert data["command"] == "doctor" and data["schema"] == 1
    target = data["target"]
    assert isinstance(target, dict)
    assert {"host", "port", "security", "auth", "username", "sender", "client"} <= set(target)
    assert PASSWORD not in json.dumps(data)


# --- 1. “Unknown error in PHP's mail()”: contacts, SELinux -------------------------------

async def test_mail_function_with_default_contacts_under_selinux(tmp_path: Path) -> None:
    report = await doctor(wiki(tmp_path, "mail-function"), tmp_path,
                          system="selinux-blocking")
    assert code(report, "wiki.smtp") == "smtp-disabled"
    sender = step(report, "wiki.sender")
    assert sender.status is Status.FAIL and code(report, "wiki.sender") == "contact-unset"
    assert "apache@wiki.example.com" in sender.summary
    # MediaWiki sends no mail from $wgEmergencyContact: advice, never a cause of failure.
    emergency = step(report, "wiki.emergency_contact")
    assert emergency.status is Status.OK and emergency.diagnosis is None
    assert "sends no mail from it" in emergency.summary
    selinux = step(report, "system.selinux")
    assert selinux.status is Status.FAIL and code(report, "system.selinux") == "selinux-httpd"
    # mail() runs sendmail: that boolean, with the exact command.
    assert selinux.diagnosis is not None
    assert selinux.diagnosis.fix == "Run: setsebool -P httpd_can_sendmail 1"
    assert step(report, "smtp.live").status is Status.SKIPPED
    assert report.exit_code == 1


@pytest.mark.parametrize(("system", "port", "status", "boolean"), [
    ("selinux-blocking", 2525, Status.FAIL, "httpd_can_network_connect"),
    # httpd_can_sendmail covers SMTP's own ports (smtp_port_t), not others.
    ("selinux-sendmail-only", 587, Status.OK, None),
    ("selinux-sendmail-only", 2525, Status.FAIL, "httpd_can_network_connect"),
    ("selinux-allowing", 2525, Status.OK, None),
    ("selinux-permissive", 2525, Status.OK, None),
    ("selinux-pending", 587, Status.FAIL, "httpd_can_network_connect"),
    (None, 2525, Status.OK, None),
])
async def test_selinux_for_pear(tmp_path: Path, system: str | None, port: int,
                                status: Status, boolean: str | None) -> None:
    folder = inline_wiki(tmp_path, f"""$wgPasswordSender = 'wiki@example.org';
$wgSMTP = [ 'host' => 'smtp.example.org', 'port' => {port}, 'auth' => false ];
""")
    report = await doctor(folder, tmp_path, system=system, live=False)
    selinux = step(report, "system.selinux")
    assert selinux.status is status
    if boolean is None:
        assert selinux.diagnosis is None
    else:
        assert code(report, "system.selinux") == "selinux-httpd"
        assert selinux.diagnosis is not None
        assert selinux.diagnosis.fix == f"Run: setsebool -P {boolean} 1"
    if system is None:
        assert selinux.summary == "SELinux is not in use."
    if system == "selinux-pending":
        assert any("pending: on" in d for d in selinux.details)


async def test_malformed_sender_is_a_finding(tmp_path: Path) -> None:
    folder = inline_wiki(tmp_path, """$wgPasswordSender = 'wiki at example.org';
$wgEmergencyContact = 'admin@';
$wgSMTP = [ 'host' => 'smtp.example.org', 'port' => 587, 'auth' => false ];
""")
    report = await doctor(folder, tmp_path, live=False)
    assert code(report, "wiki.sender") == "contact-unset"
    assert "not an e-mail address" in step(report, "wiki.sender").summary
    # Not an address, but MediaWiki sends nothing from it: a warning, not a failure.
    emergency = step(report, "wiki.emergency_contact")
    assert emergency.status is Status.WARN and emergency.diagnosis is None
    # The bad contacts do not hide the server settings.
    assert step(report, "wiki.smtp").status is Status.OK


async def test_sender_at_another_domain_without_a_live_check(tmp_path: Path) -> None:
    report = await doctor(wiki(tmp_path, "mismatch", 587), tmp_path, live=False)
    assert step(report, "wiki.sender").status is Status.WARN
    assert code(report, "wiki.sender") == "contact-unset"


# --- 2. STARTTLS and an invalid certificate -----------------------------------------------

@pytest.mark.parametrize(("cert", "expected"), [
    ("expired", "tls-expired"),
    ("wrong-name", "tls-hostname-mismatch"),
    ("self-signed", "tls-self-signed"),
    ("untrusted", "tls-untrusted"),
])
async def test_starttls_with_an_invalid_certificate(smtp_server: Start, certs: Certs,
                                                    tmp_path: Path, cert: str,
                                                    expected: str) -> None:
    """PEAR's “STARTTLS failed (code: 220, ...)”, explained."""
    server = smtp_server(mode="starttls", cert=cert)
    report = await doctor(wiki(tmp_path, "live", server.port, certs.ca_file), tmp_path)
    assert code(report, "smtp.tls") == expected
    # PEAR's error quotes the server's own 220 reply, as this server words it.
    cause = step(report, "smtp.tls").diagnosis.cause  # type: ignore[union-attr]
    assert "“STARTTLS failed (code: 220, response: Ready to start TLS)”" in cause
    assert step(report, "smtp.auth").status is Status.SKIPPED
    assert server.recorder.logins == []


async def test_ca_file_override(smtp_server: Start, certs: Certs, tmp_path: Path) -> None:
    """Without the private CA the test server is untrusted; the override trusts it."""
    server = smtp_server(mode="starttls")
    folder = wiki(tmp_path, "live", server.port, tmp_path / "no-such-ca.pem")
    report = await doctor(folder, tmp_path, ca_file=str(certs.ca_file))
    assert step(report, "smtp.tls").status is Status.OK


# --- 3. The wrong port --------------------------------------------------------------------

async def test_plain_connect_to_an_implicit_tls_port(smtp_server: Start, certs: Certs,
                                                     tmp_path: Path) -> None:
    """Port 465 without ssl:// : PEAR waits for a greeting that never comes."""
    server = smtp_server(mode="implicit")
    folder = inline_wiki(tmp_path, f"""$wgPasswordSender = 'wiki@example.org';
$wgSMTP = [ 'host' => '127.0.0.1', 'port' => {server.port}, 'auth' => true,
  'username' => 'wiki@example.org', 'password' => 's3cret', 'timeout' => 1,
  'socket_options' => [ 'ssl' => [ 'cafile' => '{certs.ca_file}' ] ] ];
""")
    report = await doctor(folder, tmp_path)
    assert code(report, "smtp.connect") == "plain-on-tls-port"


async def test_nothing_listens_and_no_timeout_is_set(tmp_path: Path) -> None:
    folder = inline_wiki(tmp_path, f"""$wgPasswordSender = 'wiki@example.org';
$wgSMTP = [ 'host' => '127.0.0.1', 'port' => {closed_port()}, 'auth' => false ];
""")
    report = await doctor(folder, tmp_path)
    assert code(report, "smtp.connect") == "tcp-refused"
    # No 'timeout': PEAR would hang on a port that drops packets.
    assert code(report, "wiki.timeout") == "smtp-timeout-unset"


# --- 4. Amazon EC2 and port 25 ------------------------------------------------------------

async def test_ec2_with_port_25(tmp_path: Path) -> None:
    folder = inline_wiki(tmp_path, """$wgPasswordSender = 'wiki@example.org';
$wgSMTP = [ 'host' => 'email-smtp.eu-west-1.amazonaws.com', 'port' => 25, 'auth' => false ];
""")
    result = await examine(folder, tmp_path, system="ec2-nitro", live=False)
    report = result.report
    cloud = step(report, "system.cloud")
    assert cloud.status is Status.WARN and code(report, "system.cloud") == "ec2-port-25"
    assert "/sys/class/dmi/id/sys_vendor: Amazon EC2" in cloud.details
    assert "port" in result.fields

    elsewhere = await doctor(folder, tmp_path, system="kvm", live=False)
    assert step(elsewhere, "system.cloud").status is Status.OK


async def test_ec2_port_25_probes_587_on_the_same_host(tmp_path: Path) -> None:
    """run_doctor probes 587; on loopback nothing listens there, which is said too."""
    folder = inline_wiki(tmp_path, """$wgPasswordSender = 'wiki@example.org';
$wgSMTP = [ 'host' => '127.0.0.1', 'port' => 25, 'auth' => false, 'timeout' => 2 ];
""")
    report = await doctor(folder, tmp_path, system="ec2-xen")
    cloud = step(report, "system.cloud")
    assert code(report, "system.cloud") == "ec2-port-25"
    assert any(d.startswith("port 587 of 127.0.0.1:") for d in cloud.details)


async def test_ec2_alternative_that_answers(smtp_server: Start, tmp_path: Path) -> None:
    """When the other port speaks SMTP, the cause says so (here a loopback server stands
    in for port 587, which a test cannot bind)."""
    server = smtp_server(mode="starttls")
    [seen] = await probe_ports([("127.0.0.1", server.port)], timeout=5)
    settings = Settings(host="127.0.0.1", port=25, auth=False)
    result = cloud_step(True, "/sys/hypervisor/uuid: ec2abc", settings, seen)
    assert result.diagnosis is not None and result.diagnosis.code == "ec2-port-25"
    assert f"Port {server.port} of the same server answers (with STARTTLS)." in (
        result.diagnosis.cause)


# --- 5. set_include_path ------------------------------------------------------------------

async def test_set_include_path_that_hides_pear(tmp_path: Path) -> None:
    """Real PHP, with the include path the line sets: Net/Socket.php is not found."""
    php = require_program("php")
    report = await doctor(wiki(tmp_path, "include-path"), tmp_path, php=php, live=False)
    include = step(report, "wiki.include_path")
    assert include.status is Status.FAIL and code(report, "wiki.include_path") == "include-path"
    assert include.diagnosis is not None and "line 12" in include.diagnosis.cause
    assert any("Net_Socket" in d for d in include.details)
    # PHP's own include path (no such line) still finds PEAR on this machine.
    assert step(report, "php.pear").status is Status.OK


async def test_set_include_path_expression_is_a_warning(smtp_server: Start, certs: Certs,
                                                        tmp_path: Path) -> None:
    """The MediaWiki 1.16 installer's line keeps get_include_path(): flagged, not failed."""
    server = smtp_server(mode="starttls")
    report = await doctor(wiki(tmp_path, "old-array", server.port, certs.ca_file), tmp_path,
                          php=require_program("php"))
    assert step(report, "wiki.include_path").status is Status.WARN
    assert code(report, "wiki.include_path") == "include-path"


# --- 6. The server does not accept the sender ---------------------------------------------

async def test_sender_refused_by_the_server(smtp_server: Start, certs: Certs,
                                            tmp_path: Path) -> None:
    server = smtp_server(mode="starttls", reject_senders={"noreply@wiki.example.net"})
    result = await examine(wiki(tmp_path, "mismatch", server.port, certs.ca_file), tmp_path)
    report = result.report
    assert code(report, "smtp.sender") == "sender-rejected"
    sender = step(report, "wiki.sender")
    assert sender.status is Status.FAIL and code(report, "wiki.sender") == "contact-unset"
    assert any("$wgUserEmailUseReplyTo = true" in d for d in sender.details)
    assert code(report, "wiki.reply_to") == "user-email-from"
    # The settings the live check used, as found: no round trip through the report.
    assert result.settings is not None and result.settings.port == server.port
    assert result.settings.sender == "noreply@wiki.example.net"
    assert result.fields[:1] == ("sender",)
    assert {s.id for s in result.to_fix} >= {"wiki.sender", "smtp.sender", "wiki.reply_to"}


async def test_sender_at_another_domain_that_the_server_accepts(smtp_server: Start,
                                                                certs: Certs,
                                                                tmp_path: Path) -> None:
    """The live MAIL FROM decides: a different domain the server accepts is fine."""
    server = smtp_server(mode="starttls")
    report = await doctor(wiki(tmp_path, "mismatch", server.port, certs.ca_file), tmp_path)
    sender = step(report, "wiki.sender")
    assert sender.status is Status.OK and "accepts it" in sender.summary


async def test_default_sender_is_tried_as_mediawiki_would_send_it(smtp_server: Start,
                                                                  certs: Certs,
                                                                  tmp_path: Path) -> None:
    server = smtp_server(mode="starttls", reject_senders={"apache@wiki.example.com"})
    folder = inline_wiki(tmp_path, f"""$wgServer = "https://wiki.example.com";
$wgSMTP = [ 'host' => '127.0.0.1', 'port' => {server.port}, 'auth' => true,
  'username' => 'wiki@example.org', 'password' => 's3cret', 'timeout' => 5,
  'socket_options' => [ 'ssl' => [ 'cafile' => '{certs.ca_file}' ] ] ];
""")
    report = await doctor(folder, tmp_path)
    assert code(report, "smtp.sender") == "sender-rejected"
    assert "apache@wiki.example.com" in step(report, "smtp.sender").summary
    assert code(report, "wiki.sender") == "contact-unset"


@pytest.mark.parametrize(("lines", "expected"), [
    ('$wgServer = "//wiki.example.com";', "apache@wiki.example.com"),
    # Setup.php derives $wgServerName from $wgCanonicalServer and overwrites a set one.
    ('$wgServer = "//wiki.example.com";\n$wgCanonicalServer = "https://www.example.com";\n'
     '$wgServerName = "ignored.example.com";', "apache@www.example.com"),
])
async def test_default_sender_takes_the_server_name_as_mediawiki_does(
        tmp_path: Path, lines: str, expected: str) -> None:
    folder = inline_wiki(tmp_path, lines + "\n$wgSMTP = [ 'host' => 'smtp.example.org', "
                                           "'port' => 587, 'auth' => false ];\n")
    result = await examine(folder, tmp_path, live=False)
    assert result.sender == expected
    assert expected in step(result.report, "wiki.sender").summary


# --- The rest of the file -----------------------------------------------------------------

async def test_old_array_wiki_in_pears_semantics(smtp_server: Start, certs: Certs,
                                                 tmp_path: Path) -> None:
    """'starttls' => true, but the bundled pear/mail 1.4.1 ignores it and 'auth' is off:
    PEAR sends in clear although the server offers STARTTLS, and the live check does too."""
    server = smtp_server(mode="starttls")
    report = await doctor(wiki(tmp_path, "old-array", server.port, certs.ca_file), tmp_path)
    assert code(report, "php.pear_mail") == "starttls-key-ignored"
    assert "1.4.1" in step(report, "php.pear_mail").summary
    assert report.target["security"] == "none"
    assert code(report, "smtp.tls") == "mail-in-clear"
    assert code(report, "wiki.timeout") == "smtp-timeout-unset"
    # Not set here, and this MediaWiki's own DefaultSettings.php says false.
    assert code(report, "wiki.reply_to") == "user-email-from"


async def test_reply_to_default_from_a_modern_mediawiki(tmp_path: Path) -> None:
    """MainConfigSchema.php (MediaWiki 1.39 and newer) holds the default, as here."""
    folder = inline_wiki(tmp_path, "$wgSMTP = false;\n")
    (folder / "includes").mkdir()
    (folder / "includes" / "MainConfigSchema.php").write_text(
        "<?php\nclass MainConfigSchema {\n\tpublic const UserEmailUseReplyTo = [\n"
        "\t\t'default' => true,\n\t];\n}\n")
    report = await doctor(folder, tmp_path)
    reply_to = step(report, "wiki.reply_to")
    assert reply_to.status is Status.OK and "default is true" in reply_to.summary


async def test_email_switched_off(tmp_path: Path) -> None:
    folder = inline_wiki(tmp_path, "$wgEnableEmail = false;\n$wgSMTP = false;\n")
    report = await doctor(folder, tmp_path)
    assert code(report, "wiki.email") == "email-disabled"
    assert step(report, "wiki.email").status is Status.FAIL


async def test_smtp_settings_that_cannot_work(tmp_path: Path) -> None:
    folder = inline_wiki(tmp_path, "$wgSMTP = [ 'host' => 'smtp.example.org', "
                                   "'port' => 70000 ];\n")
    report = await doctor(folder, tmp_path)
    assert code(report, "wiki.smtp") == "smtp-invalid"
    assert "65535" in step(report, "wiki.smtp").diagnosis.cause  # type: ignore[union-attr]
    assert step(report, "smtp.live").status is Status.SKIPPED


async def test_auth_without_password(tmp_path: Path) -> None:
    folder = inline_wiki(tmp_path, """$wgPasswordSender = 'wiki@example.org';
$wgSMTP = [ 'host' => 'smtp.example.org', 'port' => 587, 'auth' => true,
  'username' => 'wiki@example.org', 'timeout' => 5 ];
""")
    report = await doctor(folder, tmp_path, live=False)
    assert code(report, "wiki.password") == "smtp-password-unset"


async def test_password_from_the_file_is_the_one_tested(smtp_server: Start, certs: Certs,
                                                        tmp_path: Path) -> None:
    server = smtp_server(mode="starttls", users={USER: "another"})
    folder = wiki(tmp_path, "live", server.port, certs.ca_file)
    report = await doctor(folder, tmp_path)
    assert code(report, "smtp.auth") == "auth-failed"
    assert server.recorder.logins == [("LOGIN", USER, False)]
    assert PASSWORD not in json.dumps(report.to_dict())
    # A password given to the doctor is tried instead.
    fixed = await doctor(folder, tmp_path, password="another")
    assert step(fixed, "smtp.auth").status is Status.OK
    assert "another" not in json.dumps(fixed.to_dict())


async def test_password_the_doctor_cannot_read(smtp_server: Start, certs: Certs,
                                               tmp_path: Path) -> None:
    server = smtp_server(mode="starttls")
    folder = inline_wiki(tmp_path, f"""$wgPasswordSender = 'wiki@example.org';
$wgSMTP = [ 'host' => '127.0.0.1', 'port' => {server.port}, 'auth' => true,
  'username' => 'wiki@example.org', 'password' => getenv( 'SMTP_PASSWORD' ),
  'timeout' => 5, 'socket_options' => [ 'ssl' => [ 'cafile' => '{certs.ca_file}' ] ] ];
""")
    report = await doctor(folder, tmp_path)
    password = step(report, "wiki.password")
    assert password.status is Status.SKIPPED and "SMTP_PASSWORD" in password.summary
    assert step(report, "smtp.auth").status is Status.SKIPPED
    # MediaWiki logs in before MAIL FROM; a sender tried without logging in proves nothing.
    assert step(report, "smtp.sender").status is Status.SKIPPED
    assert server.recorder.logins == [] and server.recorder.mail_commands == []


async def test_password_from_the_keyring(smtp_server: Start, certs: Certs,
                                         tmp_path: Path) -> None:
    """The wiki reads its password from the environment; the admin's keyring has it."""
    server = smtp_server(mode="starttls")
    folder = inline_wiki(tmp_path, f"""$wgPasswordSender = 'wiki@example.org';
$wgSMTP = [ 'host' => '127.0.0.1', 'port' => {server.port}, 'auth' => true,
  'username' => 'wiki@example.org', 'password' => getenv( 'SMTP_PASSWORD' ),
  'timeout' => 5, 'socket_options' => [ 'ssl' => [ 'cafile' => '{certs.ca_file}' ] ] ];
""")
    ring = cryptfile_backend(tmp_path / "keyring.cfg", "master password")
    store_password(Settings(host="127.0.0.1", port=server.port, username=USER), PASSWORD,
                   backend=ring)
    previous = keyring.get_keyring()
    keyring.set_keyring(ring)
    try:
        result = await run_doctor(DoctorOptions(folder, cwd=tmp_path, roots=(),
                                                system_root=tmp_path, php=None))
        report = result.report
    finally:
        keyring.set_keyring(previous)
    password = step(report, "wiki.password")
    assert password.status is Status.OK
    assert password.details == ("the doctor uses the password stored in the keyring",)
    assert server.recorder.logins == [("LOGIN", USER, True)]


async def test_starttls_false_sends_the_password_in_clear(tmp_path: Path) -> None:
    """pear/mail 2.0 (the wiki's vendor/) honours 'starttls' => false, even for AUTH."""
    folder = wiki(tmp_path, "live", 587)
    local = folder / "LocalSettings.php"
    local.write_text(local.read_text().replace("'timeout'   => 5,",
                                               "'timeout' => 5, 'starttls' => false,"))
    report = await doctor(folder, tmp_path, live=False)
    assert step(report, "php.pear_mail").status is Status.FAIL
    assert code(report, "php.pear_mail") == "auth-in-clear"


async def test_web_server_cannot_read_the_secrets_file(tmp_path: Path) -> None:
    folder = wiki(tmp_path, "secrets-file")
    (folder / "LocalSettings.php").chmod(0o644)
    secrets = folder / "private" / "smtp.php"
    secrets.chmod(0o600)
    report = await doctor(folder, tmp_path, system="debian-web", live=False)
    permissions = step(report, "wiki.permissions")
    assert code(report, "wiki.permissions") == "web-server-cannot-read"
    assert permissions.diagnosis is not None
    # php-fpm's account, not Apache's, runs the wiki's PHP here.
    assert "runs as wiki," in permissions.diagnosis.cause
    assert permissions.diagnosis.fix == (f"Run: chgrp wiki {secrets} && chmod g+r {secrets}")

    secrets.chmod(0o644)
    report = await doctor(folder, tmp_path, system="debian-web", live=False)
    assert step(report, "wiki.permissions").status is Status.OK


async def test_apache_account_without_php_fpm(tmp_path: Path) -> None:
    folder = wiki(tmp_path, "secrets-file")
    (folder / "LocalSettings.php").chmod(0o600)
    report = await doctor(folder, tmp_path, system="apache-only", live=False)
    assert code(report, "wiki.permissions") == "web-server-cannot-read"
    assert "runs as www-data," in step(report, "wiki.permissions").diagnosis.cause  # type: ignore[union-attr]


async def test_every_account_that_sends_reads_the_files(tmp_path: Path) -> None:
    """The job runner (runJobs from cron, as its own account) must read the secrets file
    too; the web server's account is only assumed here (nothing runs or configures one),
    so its finding is a warning, the job runner's a failure."""
    folder = wiki(tmp_path, "secrets-file")
    (folder / "LocalSettings.php").chmod(0o644)
    secrets = folder / "private" / "smtp.php"
    secrets.chmod(0o600)
    report = await doctor(folder, tmp_path, system="jobs-cron", live=False)
    permissions = step(report, "wiki.permissions")
    assert permissions.status is Status.FAIL
    assert code(report, "wiki.permissions") == "job-runner-cannot-read"
    assert permissions.diagnosis is not None
    assert "job queue runs as wikijobs" in permissions.diagnosis.cause
    assert "runJobs in /etc/cron.d/mediawiki" in permissions.details
    assert report.exit_code == 1

    if os.geteuid() == 0:
        # Readable by the job runner's group only: the assumed www-data still cannot.
        os.chown(secrets, -1, 1500)
        secrets.chmod(0o640)
        report = await doctor(folder, tmp_path, system="jobs-cron", live=False)
        permissions = step(report, "wiki.permissions")
        assert permissions.status is Status.WARN
        assert code(report, "wiki.permissions") == "web-server-cannot-read"
        assert any("distribution's usual web server account" in d for d in permissions.details)

    secrets.chmod(0o644)
    report = await doctor(folder, tmp_path, system="jobs-cron", live=False)
    permissions = step(report, "wiki.permissions")
    assert permissions.status is Status.OK
    assert permissions.summary.startswith("www-data (web server); wikijobs (job runner) can read")


async def test_localsettings_not_found(tmp_path: Path) -> None:
    report = await doctor(None, tmp_path)
    assert code(report, "wiki.localsettings") == "localsettings-not-found"
    assert report.exit_code == 1
    missing = await doctor(tmp_path / "nowhere", tmp_path)
    assert code(missing, "wiki.localsettings") == "localsettings-not-found"


def test_the_wiki_is_named_as_every_command_names_it(tmp_path: Path) -> None:
    """`doctor --localsettings PATH`, as rotate and the wizard take it; PATH still works,
    and naming it twice is refused as bad usage."""
    folder = inline_wiki(tmp_path, "$wgSMTP = false;\n")
    for args in (["--localsettings", str(folder)], [str(folder / "LocalSettings.php")]):
        result = cli("doctor", *args, "--offline", "--json")
        # Findings (this machine's web server cannot enter pytest's folder) are exit 1.
        assert result.returncode in (0, 1) and not result.stderr, result.stderr
        assert json.loads(result.stdout)["target"]["localsettings"] == str(
            folder / "LocalSettings.php")
    both = cli("doctor", str(folder), "--localsettings", str(folder), "--offline")
    assert both.returncode == 2 and "not allowed with" in both.stderr


async def test_localsettings_php_would_refuse(tmp_path: Path) -> None:
    folder = inline_wiki(tmp_path, "$wgSMTP = [ 'host' => 'smtp.example.org ];\n")
    report = await doctor(folder, tmp_path)
    assert code(report, "wiki.localsettings") == "localsettings-unreadable"
    assert "line 2" in step(report, "wiki.localsettings").diagnosis.cause  # type: ignore[union-attr]


# --- PHP's side ---------------------------------------------------------------------------

async def test_php_not_installed(tmp_path: Path) -> None:
    report = await doctor(wiki(tmp_path, "include-path"), tmp_path,
                          php=str(tmp_path / "no" / "php"), live=False)
    assert code(report, "php.binary") == "php-missing"
    assert step(report, "php.binary").status is Status.WARN
    assert report.step("php.pear") is None


async def test_pear_not_installed(tmp_path: Path) -> None:
    """A real PHP whose include path has no PEAR, and a wiki without vendor/."""
    php = require_program("php")
    report = await doctor(wiki(tmp_path, "secrets-file"), tmp_path, php=php,
                          php_args=("-d", "include_path=/nonexistent"), live=False)
    pear = step(report, "php.pear")
    assert pear.status is Status.FAIL and code(report, "php.pear") == "pear-missing"
    assert pear.diagnosis is not None and "Net_Socket" in pear.diagnosis.cause


async def test_pear_from_the_wikis_vendor(tmp_path: Path) -> None:
    php = require_program("php")
    report = await doctor(wiki(tmp_path, "live"), tmp_path, php=php,
                          php_args=("-d", "include_path=/nonexistent"), live=False)
    assert step(report, "php.pear").status is Status.OK


def test_openssl_missing_decides_by_what_needs_tls() -> None:
    """Debian's PHP has openssl compiled in (php -n keeps it), so no real PHP here lacks
    it: the decision is checked with the facts a PHP without it reports."""
    env = PhpEnv("/usr/bin/php", present=True, version="8.2.0", openssl=False,
                 files={"Mail.php": "/usr/share/php/Mail.php"})
    needed = {s.id: s for s in php_steps(env, tls_needed=True, pear_needed=True)}
    assert needed["php.openssl"].status is Status.FAIL
    assert needed["php.openssl"].diagnosis is not None
    assert needed["php.openssl"].diagnosis.code == "php-openssl-missing"
    plain = {s.id: s for s in php_steps(env, tls_needed=False, pear_needed=False)}
    assert plain["php.openssl"].status is Status.WARN


class _SaslRecorder(Recorder):
    """A server that also offers CRAM-MD5 (aiosmtpd offers any handler's auth_* method)."""

    async def auth_CRAM__MD5(self, server: SMTP, args: list[str]) -> AuthResult:
        return AuthResult(success=False, handled=False)


async def test_auth_sasl_changes_the_mechanism_pear_uses(certs: Certs,
                                                         tmp_path: Path) -> None:
    """The wiki's vendor/ has Auth_SASL, the server offers CRAM-MD5: PEAR would use it,
    not the LOGIN the live check tried."""
    php = require_program("php")
    server = SmtpServer(ServerOptions(mode="starttls"), certs)
    server.recorder = _SaslRecorder(server.options)
    server.start()
    try:
        report = await doctor(wiki(tmp_path, "live", server.port, certs.ca_file), tmp_path,
                              php=php)
    finally:
        server.stop()
    sasl = step(report, "php.auth_sasl")
    assert sasl.status is Status.WARN and code(report, "php.auth_sasl") == "pear-sasl-mechanism"
    assert sasl.diagnosis is not None
    assert sasl.diagnosis.fix.endswith("set 'auth' => 'LOGIN' in $wgSMTP.")
    assert step(report, "smtp.auth").status is Status.OK


@pytest.mark.parametrize(("offered", "auth_sasl", "forced", "expected"), [
    (["PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5"], True, None, "DIGEST-MD5"),
    (["PLAIN", "LOGIN", "CRAM-MD5"], True, None, "CRAM-MD5"),
    (["PLAIN", "LOGIN", "CRAM-MD5"], False, None, "LOGIN"),
    (["PLAIN"], True, None, "PLAIN"),
    (["PLAIN", "CRAM-MD5"], True, "plain", "PLAIN"),
    (["XOAUTH2"], False, None, None),
])
def test_pear_mechanism_order(offered: list[str], auth_sasl: bool, forced: str | None,
                              expected: str | None) -> None:
    """Net_SMTP's list: DIGEST-MD5, CRAM-MD5 (with Auth_SASL), LOGIN, PLAIN."""
    assert pear_auth_mechanism(offered, auth_sasl=auth_sasl, forced=forced) == expected


@pytest.mark.parametrize(("offered", "status", "says"), [
    (("PLAIN", "LOGIN", "CRAM-MD5"), Status.WARN, "logs in with CRAM-MD5"),
    (("PLAIN", "LOGIN"), Status.OK, "with this server PEAR logs in with LOGIN"),
    # No EHLO answered, or no AUTH in it: what PEAR would pick is not known.
    (None, Status.OK, "prefers DIGEST-MD5 and CRAM-MD5"),
    ((), Status.OK, "prefers DIGEST-MD5 and CRAM-MD5"),
])
def test_auth_sasl_reads_the_checks_auth_list(offered: tuple[str, ...] | None,
                                              status: Status, says: str) -> None:
    """The AUTH list comes from the check's `Report.auth_offered`, not its transcript."""
    env = PhpEnv("/usr/bin/php", present=True, version="8.2.0", openssl=True,
                 files={"Auth/SASL.php": "/usr/share/php/Auth/SASL.php"})
    settings = Settings(host="smtp.example.org", username=USER)
    found = auth_sasl_step(env, settings, offered)
    assert found is not None and found.status is status and says in found.summary


# --- Handing over to the wizard -----------------------------------------------------------

async def test_findings_without_smtp_keep_the_contacts(tmp_path: Path) -> None:
    folder = inline_wiki(tmp_path, """$wgPasswordSender = 'wiki@example.org';
$wgSMTP = false;
""")
    result = await examine(folder, tmp_path)
    assert result.settings is None
    assert result.prefill == {"sender": "wiki@example.org"}
    assert result.report.target["localsettings"] == str(folder / "LocalSettings.php")
    assert result.fields[:1] == ("host",)
