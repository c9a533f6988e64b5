"""`smtp-wizard token setup` and `token refresh` against a loopback Entra ID and Google.

Each provider refusal the wizard diagnoses comes from the token endpoint in the shape
the real service sends (Entra's AADSTS codes, Google's OAuth errors), through MSAL and
google-auth themselves; nothing is written when no token comes back.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path

import pytest

from tests.support.common import cli, mode
from tests.support.token_server import (
    CLIENT,
    MAILBOX,
    SECRET,
    TENANT,
    EntraApp,
    GoogleAccount,
    TokenServer,
    diagnosed,
    make_app_certificate,
    make_service_account,
)


def setup_args(tokens: TokenServer, tmp_path: Path, ca_file: Path, *extra: str,
               tenant: str = TENANT, client: str = CLIENT) -> list[str]:
    return ["token", "setup", "--tenant", tenant, "--client-id", client, "--user", MAILBOX,
            "--token-file", str(tmp_path / "smtp-token"),
            "--config", str(tmp_path / "etc" / "oauth.toml"),
            "--state-file", str(tmp_path / "state" / "oauth.state.json"),
            "--authority", tokens.base, "--ca-file", str(ca_file), *extra]


def written(tmp_path: Path) -> list[str]:
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
                  if p.is_file() and p.suffix != ".pem")


def test_setup_with_a_client_secret(tokens: TokenServer, tmp_path: Path,
                                    ca_file: Path) -> None:
    done = cli(*setup_args(tokens, tmp_path, ca_file, "--secret-stdin"), stdin=SECRET + "\n")
    assert done.returncode == 0, done.stdout + done.stderr
    token = (tmp_path / "smtp-token").read_text().strip()
    assert tokens.mailboxes[token] == {MAILBOX}
    assert mode(tmp_path / "smtp-token") == 0o600
    secret_file = tmp_path / "etc" / "oauth.secret"
    assert secret_file.read_text() == SECRET + "\n" and mode(secret_file) == 0o600
    config = (tmp_path / "etc" / "oauth.toml").read_text()
    assert f'secret_file = "{secret_file}"' in config and SECRET not in config
    state = json.loads((tmp_path / "state" / "oauth.state.json").read_text())
    assert state["last_error_code"] == "" and state["expires_at"]
    for text in (done.stdout, done.stderr, config, json.dumps(state)):
        assert SECRET not in text and token not in text
    # Microsoft's own steps on the Exchange side, with this app and mailbox filled in.
    assert f"New-ServicePrincipal -AppId {CLIENT}" in done.stdout
    assert f"Add-MailboxPermission -Identity {MAILBOX}" in done.stdout
    [grant] = tokens.grants()
    assert grant["grant_type"] == ["client_credentials"]
    assert grant["scope"] == ["https://outlook.office365.com/.default"]


@pytest.mark.parametrize(("change", "code"), [
    ({"secret": "the-secret-id-not-its-value"}, "oauth-secret-invalid"),
    ({"secret_expired": True}, "oauth-secret-expired"),
    ({"consented": False}, "oauth-consent-missing"),
    ({"client": "99999999-0000-0000-0000-000000000000"}, "oauth-app-not-found"),
    ({"tenant": "fabrikam.onmicrosoft.com"}, "oauth-tenant-not-found"),
])
def test_entra_refusals_are_diagnosed_and_nothing_is_written(
        tokens: TokenServer, tmp_path: Path, ca_file: Path, change: dict[str, object],
        code: str) -> None:
    app = tokens.tenants[TENANT][CLIENT]
    app.secret_expired = bool(change.get("secret_expired", False))
    app.consented = bool(change.get("consented", True))
    secret = str(change.get("secret", SECRET))
    args = setup_args(tokens, tmp_path, ca_file, "--secret-env", "APP_SECRET",
                      tenant=str(change.get("tenant", TENANT)),
                      client=str(change.get("client", CLIENT)))
    done = cli(*args, env={"APP_SECRET": secret, "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert diagnosed(done.stdout, code)
    assert "Nothing was written." in done.stdout
    assert secret not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert written(tmp_path) == []


def test_setup_with_a_certificate(tokens: TokenServer, tmp_path: Path, ca_file: Path) -> None:
    pem, cert = make_app_certificate(tmp_path)
    tokens.tenants[TENANT][CLIENT] = EntraApp(CLIENT, certificate=cert, mailboxes={MAILBOX})
    done = cli(*setup_args(tokens, tmp_path, ca_file, "--certificate", str(pem)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "client_assertion" in tokens.grants()[0]
    assert "client_secret" not in tokens.grants()[0]
    assert f'certificate = "{pem}"' in (tmp_path / "etc" / "oauth.toml").read_text()
    assert not (tmp_path / "etc" / "oauth.secret").exists()


def test_a_certificate_the_app_does_not_know(tokens: TokenServer, tmp_path: Path,
                                             ca_file: Path) -> None:
    _pem, cert = make_app_certificate(tmp_path, "uploaded")
    other, _cert = make_app_certificate(tmp_path, "other")
    tokens.tenants[TENANT][CLIENT] = EntraApp(CLIENT, certificate=cert)
    done = cli(*setup_args(tokens, tmp_path, ca_file, "--certificate", str(other)))
    assert done.returncode == 1
    assert diagnosed(done.stdout, "oauth-certificate-refused")


def test_token_without_send_as_app(tokens: TokenServer, tmp_path: Path,
                                   ca_file: Path) -> None:
    """Entra ID hands out the token; Exchange would refuse it. Setup says so at once."""
    tokens.tenants[TENANT][CLIENT].roles = ()
    done = cli(*setup_args(tokens, tmp_path, ca_file, "--secret-stdin"), stdin=SECRET)
    assert done.returncode == 1
    assert diagnosed(done.stdout, "oauth-sendasapp-missing")


def google_setup(tmp_path: Path, ca_file: Path, key: Path,
                 user: str = "wiki@example.com") -> list[str]:
    return ["token", "setup", "--provider", "google", "--service-account", str(key),
            "--user", user, "--token-file", str(tmp_path / "smtp-token"),
            "--config", str(tmp_path / "etc" / "google.toml"),
            "--state-file", str(tmp_path / "state" / "google.state.json"),
            "--ca-file", str(ca_file)]


@pytest.mark.parametrize(("user", "code"), [
    ("wiki@example.com", None),
    ("other@example.com", "oauth-google-delegation"),
    ("nobody@example.com", "oauth-google-grant"),
])
def test_google_service_account(tokens: TokenServer, tmp_path: Path, ca_file: Path,
                                user: str, code: str | None) -> None:
    key, public = make_service_account(tmp_path, tokens.google_token_uri)
    email = json.loads(key.read_text())["client_email"]
    tokens.google[email] = GoogleAccount(email, public, delegated={"wiki@example.com"},
                                         users={"wiki@example.com", "other@example.com"})
    done = cli(*google_setup(tmp_path, ca_file, key, user))
    if code is None:
        assert done.returncode == 0, done.stdout + done.stderr
        token = (tmp_path / "smtp-token").read_text().strip()
        assert tokens.mailboxes[token] == {user}
        assert "Domain-wide delegation" in done.stdout
        [grant] = tokens.grants()
        assert grant["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    else:
        assert done.returncode == 1
        assert diagnosed(done.stdout, code)
        assert not (tmp_path / "smtp-token").exists()


def test_token_endpoint_unreachable(tmp_path: Path, ca_file: Path) -> None:
    with socket.socket() as unused:  # a port nothing listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    key, _public = make_service_account(tmp_path, f"https://127.0.0.1:{port}/token")
    done = cli(*google_setup(tmp_path, ca_file, key))
    assert done.returncode == 1
    assert diagnosed(done.stdout, "oauth-token-failed")
    assert "Traceback" not in done.stderr


@pytest.fixture
def set_up(tokens: TokenServer, tmp_path: Path, ca_file: Path) -> Path:
    done = cli(*setup_args(tokens, tmp_path, ca_file, "--secret-stdin"), stdin=SECRET)
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp_path / "etc" / "oauth.toml"


def test_refresh_is_quiet_and_idempotent(tokens: TokenServer, set_up: Path,
                                         tmp_path: Path) -> None:
    token_file = tmp_path / "smtp-token"
    before = token_file.stat()
    done = cli("token", "refresh", "--config", str(set_up))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert len(tokens.grants()) == 1  # the setup's own: nothing asked
    assert token_file.stat().st_ino == before.st_ino

    done = cli("token", "refresh", "--config", str(set_up), "--force", "-v")
    assert done.returncode == 0, done.stderr
    assert "Wrote a new token" in done.stdout
    assert len(tokens.grants()) == 2
    new = token_file.read_text().strip()
    assert new in tokens.mailboxes and mode(token_file) == 0o600


def test_refresh_when_due(tokens: TokenServer, set_up: Path, tmp_path: Path) -> None:
    """A token with less than half an hour left is replaced on the next run."""
    state_file = tmp_path / "state" / "oauth.state.json"
    state = json.loads(state_file.read_text())
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20)
    state["expires_at"] = soon.isoformat(timespec="seconds")
    state_file.write_text(json.dumps(state))
    done = cli("token", "refresh", "--config", str(set_up))
    assert done.returncode == 0, done.stderr
    assert len(tokens.grants()) == 2
    assert json.loads(state_file.read_text())["expires_at"] > state["expires_at"]


def test_failed_refresh_keeps_the_token_and_says_why(tokens: TokenServer, set_up: Path,
                                                     tmp_path: Path) -> None:
    token_file = tmp_path / "smtp-token"
    old = token_file.read_text()
    tokens.tenants[TENANT][CLIENT].secret_expired = True
    done = cli("token", "refresh", "--config", str(set_up), "--force")
    assert done.returncode == 1
    assert diagnosed(done.stderr, "oauth-secret-expired") and done.stdout == ""
    assert token_file.read_text() == old
    state = json.loads((tmp_path / "state" / "oauth.state.json").read_text())
    assert state["last_error_code"] == "oauth-secret-expired"
    assert SECRET not in done.stderr + json.dumps(state)


def test_config_errors_are_one_line(tmp_path: Path) -> None:
    done = cli("token", "refresh", "--config", str(tmp_path / "missing.toml"))
    assert done.returncode == 2
    assert "token setup" in done.stderr and "Traceback" not in done.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('provider = "microsoft"\nsurprise = 1\n')
    done = cli("token", "refresh", "--config", str(bad))
    assert done.returncode == 2 and "surprise" in done.stderr
    done = cli("token", "setup", "--provider", "google", "--user", MAILBOX, "--token-file",
               str(tmp_path / "t"), "--config", str(tmp_path / "g.toml"), "--secret-stdin",
               stdin=SECRET)
    assert done.returncode == 2 and "--service-account alone" in done.stderr
    assert written(tmp_path) == ["bad.toml"]


def test_the_token_file_is_a_file_of_its_own(tokens: TokenServer, tmp_path: Path,
                                             ca_file: Path) -> None:
    args = setup_args(tokens, tmp_path, ca_file, "--secret-stdin")
    args[args.index("--token-file") + 1] = str(tmp_path / "etc" / "oauth.toml")
    done = cli(*args, stdin=SECRET)
    assert done.returncode == 2 and "four different files" in done.stderr
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    (wiki / "LocalSettings.php").write_text("<?php\n")
    args = setup_args(tokens, tmp_path, ca_file, "--secret-stdin", "--localsettings",
                      str(wiki / "LocalSettings.php"))
    args[args.index("--token-file") + 1] = str(wiki / "LocalSettings.php")
    done = cli(*args, stdin=SECRET)
    assert done.returncode == 2 and "LocalSettings.php itself" in done.stderr
    assert (wiki / "LocalSettings.php").read_text() == "<?php\n"
    assert written(tmp_path) == ["wiki/LocalSettings.php"]


def test_escape_sequences_from_the_provider_are_shown_not_run(
        tokens: TokenServer, tmp_path: Path, ca_file: Path) -> None:
    """Entra ID quotes the app's display name, which its owner chooses."""
    app = tokens.tenants[TENANT][CLIENT]
    app.consented, app.name = False, "Wiki\x1b]0;owned\x07\x1b[2J mail"
    done = cli(*setup_args(tokens, tmp_path, ca_file, "--secret-stdin"), stdin=SECRET)
    assert done.returncode == 1 and diagnosed(done.stdout, "oauth-consent-missing")
    assert "\x1b" not in done.stdout + done.stderr and "\x07" not in done.stdout
    assert "\\x1b]0;owned" in done.stdout
