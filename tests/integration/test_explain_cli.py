"""`smtp-wizard explain` and `doctor --error` as a person or a script runs them."""

from __future__ import annotations

import json
import smtplib
import traceback
from collections.abc import Callable
from pathlib import Path

from tests.support.common import PASSWORD, USER, cli
from tests.support.servers import SmtpServer

PEAR_535 = ("PEAR error:  authentication failure [SMTP: Invalid response code received from "
            "server (code: 535, response: 5.7.8 Authentication credentials invalid)]")


def test_a_traceback_on_standard_input(smtp_server: Callable[..., SmtpServer],
                                       ca_file: Path) -> None:
    """A whole traceback, as smtplib printed it, pasted on standard input."""
    import ssl

    server = smtp_server(mode="starttls")
    try:
        with smtplib.SMTP("localhost", server.port, timeout=5) as client:
            client.starttls(context=ssl.create_default_context(cafile=str(ca_file)))
            client.login(USER, "wrong-pass-42")
    except smtplib.SMTPAuthenticationError as exc:
        pasted = "".join(traceback.format_exception(exc))
    result = cli("explain", stdin=pasted)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["The text means:",
                         "  ✗ auth       smtplib's login was refused by the server."]
    assert "               [auth-failed]" in lines
    assert "               read: reply 535 5.7.8 Authentication credentials invalid" in lines
    assert lines[-2:] == ["Confirm it live (fill in the words in capitals):",
                          "  smtp-wizard check HOST --client smtplib --security auto --user "
                          "USER"]
    assert "wrong-pass-42" not in result.stdout


def test_json_has_the_checks_codes(smtp_server: Callable[..., SmtpServer],
                                   ca_file: Path) -> None:
    """The same failure, live and pasted: `check` and `explain` give the same code."""
    server = smtp_server(mode="starttls")
    checked = cli("check", "localhost", "--port", str(server.port), "--user", USER,
                  "--password-stdin", "--ca-file", str(ca_file), "--json",
                  stdin="wrong-pass-42\n")
    explained = cli("explain", PEAR_535, "--json")
    assert explained.returncode == 0
    check, text = json.loads(checked.stdout), json.loads(explained.stdout)
    codes = [[step["diagnosis"]["code"] for step in data["steps"] if step["diagnosis"]]
             for data in (check, text)]
    assert codes == [["auth-failed"], ["auth-failed"]]
    assert text["schema"] == check["schema"] == 1 and text["command"] == "explain"
    assert text["status"] == "fail" and text["recognised"] is True
    assert text["findings"][0]["fragment"].startswith("authentication failure [SMTP:")
    assert text["codes"][0] == {"code": "535",
                                "meaning": "authentication credentials invalid (RFC 4954)"}
    assert text["next"] == "smtp-wizard check HOST --user USER"


def test_words_on_the_command_line_are_one_text() -> None:
    result = cli("explain", "Failed", "to", "connect", "to", "ssl://smtp.example.org:465",
                 "[SMTP:", "Failed", "to", "connect", "socket:", "Connection", "refused")
    assert result.returncode == 0
    assert "[tcp-refused]" in result.stdout
    assert "Nothing listens on smtp.example.org port 465" in result.stdout
    assert result.stdout.rstrip().endswith(
        "smtp-wizard check ssl://smtp.example.org --port 465")


def test_unknown_text_says_so_shows_its_codes_and_suggests_the_doctor() -> None:
    result = cli("explain", stdin="Delivery failed: 452 4.2.2 Mailbox full\n")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "No known error was found in this text.",
        "Codes in the text:",
        "  452    insufficient system storage; try again later",
        "  4.2.2  temporary failure (try again later); mailbox; mailbox full",
        "Next: run `smtp-wizard doctor` in the wiki's folder (or give it the path): it",
        "checks LocalSettings.php, PHP, this machine and the mail server, live.",
    ]


def test_no_text_is_bad_usage() -> None:
    result = cli("explain", stdin=" \n\n")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "No error message was given" in result.stderr


def test_bytes_that_are_not_utf8_and_escape_sequences_are_shown_visible() -> None:
    pasted = (b"\x1b]52;c;bWFsaWNpb3Vz\x07Failed to add recipient: someone@example.net "
              b"[SMTP: Invalid response code received from server (code: 550, response: "
              b"5.1.1 caf\xe9 \x1b[2J\xe2\x80\xae gone)]")
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "wizard", "explain"], input=pasted,
                          capture_output=True, timeout=60, check=False,
                          cwd=Path(__file__).parents[2])
    out = done.stdout.decode("utf-8")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "550 5.1.1 caf\\xe9 \\x1b[2J\\u202e gone" in out
    assert "[recipient-rejected]" in out


def test_a_huge_paste_is_read_up_to_the_limit() -> None:
    pasted = PEAR_535 + "\n" + "x" * (300 * 1024)
    result = cli("explain", stdin=pasted)
    assert result.returncode == 0
    assert result.stdout.startswith("Only the beginning of the text was read")
    assert "[auth-failed]" in result.stdout


def test_a_pasted_debug_log_is_not_echoed() -> None:
    """Net_SMTP's debug output carries the AUTH exchange; only matched words are shown."""
    blob = "AHdpa2lAZXhhbXBsZS5vcmcAczNjcmV0"
    pasted = (f"DEBUG: Send: AUTH PLAIN {blob}\nDEBUG: Recv: 535 5.7.8 Authentication "
              f"credentials invalid\n{PEAR_535}\n")
    for args in (["explain"], ["explain", "--json"]):
        result = cli(*args, stdin=pasted)
        assert result.returncode == 0
        assert blob not in result.stdout and PASSWORD not in result.stdout


def test_doctor_sets_the_error_beside_its_findings(tmp_path: Path) -> None:
    (tmp_path / "LocalSettings.php").write_text(
        "<?php\n$wgServer = 'https://wiki.example.org';\n$wgEnableEmail = true;\n"
        "$wgPasswordSender = 'apache@wiki.example.org';\n$wgSMTP = ['host' => "
        "'ssl://smtp.example.org', 'port' => 465, 'auth' => true, 'username' => "
        "'wiki@example.org', 'password' => 'x', 'timeout' => 10];\n")
    error = ("Failed to set sender: apache@wiki.example.org [SMTP: Invalid response code "
             "received from server (code: 553, response: 5.7.1 <apache@wiki.example.org>: "
             "Sender address rejected: not owned by user wiki@example.org)]")
    base = ["doctor", str(tmp_path), "--offline", "--no-keyring", "--php", "/nonexistent/php"]
    text = cli(*base, "--error", error)
    lines = text.stdout.splitlines()
    start = lines.index("The error message you gave:")
    assert lines[start - 1] == "" and lines[start - 2].startswith("Result: ")
    assert "               [sender-rejected]" in lines[start:]
    # What the text did not say, the wiki's settings do.
    assert ("  smtp-wizard check ssl://smtp.example.org --port 465 --user wiki@example.org "
            "--sender apache@wiki.example.org --rcpt ADDRESS") in lines
    assert lines[-2:] == ["Beside the doctor's findings:",
                          "  [sender-rejected] The doctor finds it too: wiki.sender "
                          "[contact-unset]."]
    # The error changes nothing in the doctor's own verdict.
    assert text.returncode == cli(*base).returncode

    data = json.loads(cli(*base, "--error", "-", "--json",
                          stdin="ConnectionRefusedError: [Errno 111] Connection refused").stdout)
    assert data["command"] == "doctor"
    assert [f["code"] for f in data["explanation"]["findings"]] == ["tcp-refused"]
    assert data["explanation"]["beside"] == [
        "[tcp-refused] Not checked: the doctor did not talk to the mail server."]


def test_doctor_cannot_read_both_password_and_error_from_standard_input(
        tmp_path: Path) -> None:
    result = cli("doctor", str(tmp_path), "--offline", "--password-stdin", "--error", "-",
                 stdin=PASSWORD + "\nConnection refused\n")
    assert result.returncode == 2 and "not both" in result.stderr
