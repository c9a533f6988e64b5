"""The command line as a script or a person meets it: exit codes, output, bad input."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.common import PASSWORD, USER, cli
from tests.support.dns_server import DnsServer
from tests.support.hostile import blackhole_port
from tests.support.servers import SmtpServer


def test_check_ok_human_and_json(smtp_server: Callable[..., SmtpServer], ca_file: Path) -> None:
    server = smtp_server(mode="starttls")
    base = ["check", "localhost", "--port", str(server.port), "--user", USER,
            "--password-stdin", "--sender", USER, "--ca-file", str(ca_file)]
    human = cli(*base, stdin=PASSWORD + "\n")
    assert human.returncode == 0, human.stderr
    assert "✓ auth       Logged in as wiki@example.org with LOGIN." in human.stdout
    assert "Result: OK" in human.stdout
    data = json.loads(cli(*base, "--json", stdin=PASSWORD + "\n").stdout)
    assert data["schema"] == 1 and data["status"] == "ok"
    assert [step["id"] for step in data["steps"]] == ["dns", "connect", "ehlo", "tls", "auth",
                                                       "sender"]
    assert PASSWORD not in human.stdout + json.dumps(data)


def test_check_failure_exits_1_with_diagnosis(smtp_server: Callable[..., SmtpServer],
                                              ca_file: Path) -> None:
    server = smtp_server(mode="starttls")
    result = cli("check", "127.0.0.1", "--port", str(server.port), "--user", USER,
                 "--password-env", "SMTP_PW", "--ca-file", str(ca_file), "-v",
                 env={"SMTP_PW": "wrong-Passw0rd", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert "[auth-failed]" in result.stdout and "AUTH LOGIN <redacted>" in result.stdout
    assert "wrong-Passw0rd" not in result.stdout + result.stderr


def test_auto_security_finds_implicit_tls(smtp_server: Callable[..., SmtpServer],
                                          ca_file: Path) -> None:
    server = smtp_server(mode="implicit")
    result = cli("check", "127.0.0.1", "--port", str(server.port), "--security", "auto",
                 "--user", USER, "--password-stdin", "--ca-file", str(ca_file), "--json",
                 stdin=PASSWORD)
    data = json.loads(result.stdout)
    assert data["target"]["security"] == "tls" and data["target"]["mediawiki_host"] == \
        "ssl://127.0.0.1"
    assert result.returncode == 0


@pytest.mark.parametrize("args, words", [
    (["check", "smtp.example.org\nRCPT TO:<x@y>"], "line breaks"),
    (["check", "smtp.example.org", "--port", "70000"], "65535"),
    (["check", "bad_host!"], "Not a valid host name"),
    (["check", "smtp.example.org", "--user", "u", "--password-env", "NOPE_UNSET"], "NOPE_UNSET"),
    (["check", "smtp.example.org", "--send-test"], "--send-test needs"),
    (["check", "smtp.example.org", "--sender", "nobody"], "has no @"),
])
def test_bad_input_is_one_line_exit_2(args: list[str], words: str) -> None:
    result = cli(*args)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_password_is_never_a_plain_argument() -> None:
    result = cli("check", "smtp.example.org", "--password", "hunter2")
    assert result.returncode == 2 and "--password-stdin" in result.stderr
    assert "hunter2" not in result.stderr


def test_discover_via_a_given_nameserver(smtp_server: Callable[..., SmtpServer],
                                         dns_server: Callable[..., DnsServer]) -> None:
    implicit, starttls = smtp_server(mode="implicit"), smtp_server(mode="starttls")
    dns = dns_server({
        "_submissions._tcp.example.test": {"SRV": [f"0 1 {implicit.port} mail.example.test."]},
        "_submission._tcp.example.test": {"SRV": [f"0 1 {starttls.port} mail.example.test."]},
        "mail.example.test": {"A": ["127.0.0.1"]},
        "example.test": {"MX": ["10 mail.example.test."]},
    })
    result = cli("discover", "alice@example.test", "--timeout", "4",
                 "--nameserver", f"127.0.0.1:{dns.port}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Recommended: ssl://mail.example.test port {implicit.port}" in result.stdout
    assert f"--port {implicit.port} --user alice@example.test" in result.stdout


def test_doctor_reports_by_area_and_exits_1(tmp_path: Path, ca_file: Path,
                                            smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls", reject_senders={"apache@wiki.example.org"})
    (tmp_path / "LocalSettings.php").write_text(f"""<?php
$wgServer = "https://wiki.example.org";
set_include_path("/opt/lib");
$wgSMTP = [ 'host' => '127.0.0.1', 'port' => {server.port}, 'auth' => true,
    'username' => '{USER}', 'password' => '{PASSWORD}', 'timeout' => 5 ];
""")
    result = cli("doctor", str(tmp_path), "--ca-file", str(ca_file))
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert out.index("LocalSettings.php:") < out.index("PHP:") < out.index("This machine:") \
        < out.index("The mail server, live:")
    assert "[sender-rejected]" in out and "[contact-unset]" in out
    assert PASSWORD not in out
    data = json.loads(cli("doctor", str(tmp_path), "--ca-file", str(ca_file), "--json").stdout)
    assert data["command"] == "doctor" and data["status"] == "fail"
    assert {step["id"].split(".")[0] for step in data["steps"]} == {"wiki", "php", "system",
                                                                   "smtp"}
    offline = cli("doctor", str(tmp_path), "--offline")
    assert "Not run: live checks are off." in offline.stdout
    assert "[sender-rejected]" not in offline.stdout


def test_doctor_without_a_wiki_says_where_it_looked(tmp_path: Path) -> None:
    result = cli("doctor", str(tmp_path / "nowhere"), "--offline")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "[localsettings-not-found]" in result.stdout


def test_wizard_modes_refuse_a_missing_wiki_before_starting(tmp_path: Path) -> None:
    for mode in ("--rotate", "--doctor"):
        result = cli(mode, "--localsettings", str(tmp_path))
        assert result.returncode == 2, result.stdout + result.stderr
        assert "no LocalSettings.php" in result.stderr and "Traceback" not in result.stderr
    both = cli("--rotate", "--doctor")
    assert both.returncode == 2 and "not allowed with" in both.stderr


def _default_ports_closed() -> None:
    """The discovery tests probe 127.0.0.1 on the standard ports too: a local mail server
    there would add lines of its own."""
    for port in (465, 587, 25, 2525):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                pytest.skip(f"something listens on 127.0.0.1 port {port}")


def _implicit_and_starttls(implicit: int, starttls: int) -> dict[str, dict[str, list[str]]]:
    """SRV records: implicit TLS on smtp.example.test (ranked first), STARTTLS on
    mail.example.test."""
    return {
        "_submissions._tcp.example.test": {"SRV": [f"0 1 {implicit} smtp.example.test."]},
        "_submission._tcp.example.test": {"SRV": [f"0 1 {starttls} mail.example.test."]},
        "smtp.example.test": {"A": ["127.0.0.1"]},
        "mail.example.test": {"A": ["127.0.0.1"]},
    }


def test_discover_prints_each_step_and_ends_once_the_answer_is_known(
        smtp_server: Callable[..., SmtpServer], dns_server: Callable[..., DnsServer]) -> None:
    """A second SRV host that never answers cannot outrank the first, which does: the
    command answers without waiting for it, and says so."""
    _default_ports_closed()
    fast = smtp_server(mode="implicit")
    with blackhole_port() as hole:
        dns = dns_server(_implicit_and_starttls(fast.port, hole))
        base = ["discover", "alice@example.test", "--timeout", "30",
                "--nameserver", f"127.0.0.1:{dns.port}"]
        early = cli(*base)
        data = json.loads(cli(*base, "--json").stdout)
    assert early.returncode == 0, early.stdout + early.stderr
    assert early.stdout == f"""\
Discovery for alice@example.test
  ✓ srv        The domain names its submission servers in DNS (SRV): smtp.example.test:{fast.port}, mail.example.test:{hole}.
  ✓ mx         example.test has no MX record.
  - provider   No known provider matches this domain.
  ✓ autoconfig No autoconfig file was found online (most domains publish none).
  ✓ candidate  smtp.example.test (SRV record): SMTP on port {fast.port}.
  ✓ recommend  Use smtp.example.test port {fast.port} with TLS from the first byte (ssl://).
  - candidate  mail.example.test (SRV record): not waited for; it cannot rank above the recommendation.
Result: OK (5 ok, 0 warnings, 0 failed, 2 skipped)
Endpoints that speak SMTP, best first:
  1. ssl://smtp.example.test:{fast.port}  implicit-tls  AUTH LOGIN PLAIN  (srv)
Not waited for: ports that could not rank above the recommendation (--wait-all waits for every answer).
Recommended: ssl://smtp.example.test port {fast.port}
Next: smtp-wizard check ssl://smtp.example.test --port {fast.port} --user alice@example.test --sender alice@example.test
"""  # noqa: E501
    # The JSON keeps its form; what had not answered is "pending".
    assert list(data) == ["schema", "command", "status", "target", "steps", "candidates",
                          "endpoints", "recommended"]
    slow = next(c for c in data["candidates"] if c["host"] == "mail.example.test")
    assert {"port": hole, "state": "pending"}.items() <= next(
        p for p in slow["ports"] if p["port"] == hole).items()
    assert data["recommended"]["port"] == fast.port


def test_discover_wait_all_waits_for_every_probe(
        smtp_server: Callable[..., SmtpServer], dns_server: Callable[..., DnsServer]) -> None:
    fast = smtp_server(mode="implicit")
    with blackhole_port() as hole:
        dns = dns_server(_implicit_and_starttls(fast.port, hole))
        result = cli("discover", "alice@example.test", "--timeout", "1", "--wait-all", "--json",
                     "--nameserver", f"127.0.0.1:{dns.port}")
    data = json.loads(result.stdout)
    states = {p["state"] for c in data["candidates"] for p in c["ports"]}
    assert "pending" not in states and "timeout" in states
    assert data["recommended"]["port"] == fast.port
