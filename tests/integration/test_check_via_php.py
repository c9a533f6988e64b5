"""`smtp-wizard check --via-php`: the check's conversation, then the same through a real
MediaWiki's own PHP (its maintenance bootstrap, the PEAR it loads, as www-data), whose
outcome decides the exit status.

The wikis come from tests.support.mediawiki (`make_wiki`, `mediawiki_server`); the usage
errors need no MediaWiki.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.common import PASSWORD, USER, cli, require_program
from tests.support.mediawiki import Start
from tests.support.servers import SmtpServer

Wiki = Callable[..., Path]


def check(server: SmtpServer, wiki: Path, *extra: str, password: str = PASSWORD,
          ) -> tuple[int, str]:
    """`check 127.0.0.1 --via-php` with the settings on the command line (the wiki has
    none of its own unless made so); (exit status, what it printed)."""
    result = cli("check", "127.0.0.1", "--port", str(server.port), "--user", USER,
                 "--password-stdin", "--sender", USER, "--ca-file", str(server.certs.ca_file),
                 "--via-php", "--localsettings", str(wiki), *extra, stdin=password + "\n")
    assert not result.stderr, result.stderr
    return result.returncode, result.stdout


def steps(output: str) -> dict[str, dict[str, object]]:
    return {step["id"]: step for step in json.loads(output)["steps"]}


@pytest.mark.mediawiki
def test_a_good_password_through_the_wikis_own_php(make_wiki: Wiki, mediawiki_server: Start,
                                                   mediawiki_dir: Path) -> None:
    """The wiki has no $wgSMTP: the command line's settings replace it inside MediaWiki,
    and PEAR (the wiki's vendor/) talks to the server as www-data. The password reaches
    PHP on stdin only: PHP behind a wrapper that writes down its arguments and
    environment never sees it."""
    smtp = mediawiki_server(mode="starttls")
    wiki = make_wiki()
    seen = mediawiki_dir / "php-seen-check.txt"
    seen.touch(mode=0o666)
    seen.chmod(0o666)
    wrapper = mediawiki_dir / "php-wrapper-check"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> {seen}\nenv >> {seen}\n'
                       f'exec {require_program("php")} "$@"\n')
    wrapper.chmod(0o755)
    status, output = check(smtp, wiki, "--php", str(wrapper))
    assert status == 0, output
    assert "through MediaWiki's own PHP" in output and "as www-data" in output
    assert "✓ via_php    MediaWiki's own PHP as www-data got through: TLSv1" in output
    assert f"AUTH, MAIL FROM {USER}, RCPT TO {USER}; nothing was sent" in output
    assert smtp.messages == []
    assert ("LOGIN", USER, True) in smtp.recorder.logins
    assert "--conf" in seen.read_text() and PASSWORD not in seen.read_text()

    # --json carries the PHP step like the others, and the wiki it ran with.
    status, output = check(smtp, wiki, "--json")
    assert status == 0
    via = steps(output)["via_php"]
    assert via["status"] == "ok" and "as www-data" in str(via["summary"])
    assert any(str(d).startswith("pear/mail 1.5.1: /usr/share/mediawiki/vendor/pear/mail/")
               for d in via["details"])  # type: ignore[attr-defined]
    target = json.loads(output)["target"]
    assert target["localsettings"] == str(wiki / "LocalSettings.php")
    assert PASSWORD not in output


@pytest.mark.mediawiki
def test_a_wrong_password_fails_in_pears_own_words(make_wiki: Wiki,
                                                   mediawiki_server: Start) -> None:
    smtp = mediawiki_server(mode="starttls")
    status, output = check(smtp, make_wiki(), password="wrong-password")
    assert status == 1, output
    assert "✗ via_php    MediaWiki's own PHP as www-data fails at AUTH." in output
    assert ("PEAR: authentication failure [SMTP: Invalid response code received from "
            "server (code: 535, response: 5.7.8 Authentication credentials invalid)]"
            ) in output
    assert "[auth-failed]" in output
    assert "disagreement" not in output  # both failed at AUTH
    assert "wrong-password" not in output


@pytest.mark.mediawiki
def test_the_wikis_own_settings_and_a_sender_refused_at_rcpt(
        make_wiki: Wiki, mediawiki_server: Start) -> None:
    """Only the wiki given: host, port, user, password and sender come from it. The
    account may not send as $wgPasswordSender; like Postfix, the server says so only at
    RCPT TO."""
    smtp = mediawiki_server(mode="starttls", sender_owners={USER: USER})
    wiki = make_wiki("$wgPasswordSender = 'noreply@wiki.test';\n", smtp.port)
    result = cli("check", "--via-php", "--localsettings", str(wiki), "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    via = steps(result.stdout)["via_php"]
    assert via["status"] == "fail" and "RCPT TO" in str(via["summary"])
    assert via["diagnosis"]["code"] == "sender-rejected"  # type: ignore[index]
    assert any("PEAR: Failed to add recipient: noreply@wiki.test" in str(d)
               and "Sender address rejected" in str(d)
               for d in via["details"])  # type: ignore[attr-defined]
    assert json.loads(result.stdout)["target"]["port"] == smtp.port
    assert smtp.recorder.mail_commands[-1].startswith("FROM:<noreply@wiki.test>")

    # --sender replaces $wgPasswordSender, for the check and inside MediaWiki.
    owned = cli("check", "--via-php", "--localsettings", str(wiki), "--sender", USER)
    assert owned.returncode == 0, owned.stdout
    assert f"MAIL FROM {USER}" in owned.stdout


@pytest.mark.mediawiki
def test_email_switched_off_is_said_beside_the_verdict(make_wiki: Wiki,
                                                       mediawiki_server: Start) -> None:
    """$wgEnableEmail = false: the server is still judged (a check is asked for), and
    the step says that the wiki sends nothing as it stands."""
    smtp = mediawiki_server(mode="starttls")
    status, output = check(smtp, make_wiki("$wgEnableEmail = false;\n"), "--json")
    assert status == 0, output
    via = steps(output)["via_php"]
    assert via["status"] == "ok" and f"RCPT TO {USER}" in str(via["summary"])
    assert any("e-mail switched off" in str(d) for d in via["details"])  # type: ignore[attr-defined]


@pytest.mark.mediawiki
def test_php_fails_where_the_check_passes(make_wiki: Wiki, mediawiki_server: Start,
                                          mediawiki_dir: Path) -> None:
    """A secrets file only root can read: the check (root) logs in, MediaWiki as
    www-data dies loading its settings. PHP's verdict counts, and the disagreement is
    a step of its own."""
    smtp = mediawiki_server(mode="starttls")
    secrets = mediawiki_dir / "check-secret.php"
    secrets.write_text(f"<?php\n$smtpPassword = '{PASSWORD}';\n")
    secrets.chmod(0o600)
    wiki = make_wiki(f"$wgPasswordSender = '{USER}';\n", smtp.port, password="$smtpPassword",
                     head=f"require '{secrets}';\n")
    result = cli("check", "--via-php", "--localsettings", str(wiki))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✓ auth" in result.stdout and "✓ sender" in result.stdout
    assert "fails at loading its settings" in result.stdout
    assert f"PHP: Uncaught Error: Failed opening required '{secrets}'" in result.stdout
    assert ("! disagreement The check passed every step, but MediaWiki's own PHP failed"
            in result.stdout)


@pytest.mark.mediawiki
def test_the_check_fails_where_php_gets_through(make_wiki: Wiki,
                                                mediawiki_server: Start) -> None:
    """AUTH offered without STARTTLS: the check refuses to send the password in clear,
    PEAR logs in anyway and MediaWiki's mail goes out. Exit 0, the finding a warning."""
    smtp = mediawiki_server(mode="plain-auth")
    status, output = check(smtp, make_wiki(), "--security", "none", "--json")
    assert status == 0, output
    found = steps(output)
    assert found["via_php"]["status"] == "ok"
    flagged = [step for step in found.values() if step["diagnosis"]
               and step["diagnosis"]["code"] == "starttls-missing"]  # type: ignore[index]
    assert flagged and flagged[0]["status"] == "warn"
    assert found["disagreement"]["status"] == "warn"
    assert "MediaWiki's own PHP got through" in str(found["disagreement"]["summary"])
    assert ("LOGIN", USER, True) in smtp.recorder.logins


# --- Usage: one line, exit 2 --------------------------------------------------------------

def _without_mw_install_path() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "MW_INSTALL_PATH"}


@pytest.mark.parametrize(("args", "says"), [
    (["--php", "/nonexistent/php"], "and /nonexistent/php was not found"),
    ([], "no MediaWiki install loads"),
])
def test_without_php_or_mediawiki(tmp_path: Path, args: list[str], says: str) -> None:
    (tmp_path / "LocalSettings.php").write_text("<?php\n$wgSitename = 'Test';\n")
    if not args:
        require_program("php")  # to get as far as looking for MediaWiki
    result = cli("check", "smtp.example.org", "--via-php", "--localsettings", str(tmp_path),
                 *args, env=_without_mw_install_path())
    assert result.returncode == 2 and result.stdout == ""
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("args", "says"), [
    (["smtp.example.org", "--localsettings", "."], "--localsettings goes with --via-php"),
    ([], "Name the SMTP host, or take it from the wiki with --via-php"),
    (["smtp.example.org", "--via-php", "--client", "smtplib"], "goes with --client pear"),
])
def test_via_php_usage(args: list[str], says: str) -> None:
    result = cli("check", *args)
    assert result.returncode == 2 and says in result.stderr, result.stderr
