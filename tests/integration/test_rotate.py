"""Password rotation: tested first, then exactly the literal changes, then the keyring."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.support.common import USER, backups_of, cli, require_program
from tests.support.pear import pear_send
from tests.support.servers import Certs, SmtpServer
from wizard.mediawiki.localsettings import read_localsettings, to_settings
from wizard.store.keyring import cryptfile_backend, load_password
from wizard.store.rotate import rotate_password

NEW = "n3w 'Pass\\word' $x"
OLD = "old-s3cret"


def wiki(tmp_path: Path, port: int, password_line: str) -> Path:
    local = tmp_path / "LocalSettings.php"
    local.write_text(f"""<?php
$wgSitename = "Test wiki";  // a comment that stays
$wgPasswordSender = "{USER}";
$wgSMTP = array(
    'host'     => '127.0.0.1',
    'port'     => {port},
    'auth'     => true,
    'username' => '{USER}',
    {password_line}
    'timeout'  => 5,
);
""")
    return local


def test_rotate_replaces_only_the_literal_and_php_sends(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    php = require_program("php")
    server = smtp_server(mode="starttls-required", users={USER: NEW})
    local = wiki(tmp_path, server.port, f"'password' => '{OLD}',")
    before = local.read_bytes()
    result = cli("rotate", "--localsettings", str(tmp_path), "--password-stdin", "--ca-file",
                 str(certs.ca_file), "--no-keyring", stdin=NEW + "\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ auth" in result.stdout and "Updated the password in" in result.stdout
    after = local.read_bytes()
    assert after == before.replace(f"'{OLD}'".encode(),
                                   b"'n3w \\'Pass\\\\word\\' $x'")
    [backup] = backups_of(local)
    assert backup.read_bytes() == before
    assert NEW not in result.stdout + result.stderr
    sent = pear_send(php, local, certs.ca_file)
    assert sent.returncode == 0, sent.stderr
    assert server.messages[0].auth_user == USER


def test_a_password_that_fails_changes_nothing(tmp_path: Path, certs: Certs,
                                               smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls", users={USER: NEW})
    local = wiki(tmp_path, server.port, f"'password' => '{OLD}',")
    before = local.read_bytes()
    result = cli("rotate", "--localsettings", str(local), "--password-stdin", "--ca-file",
                 str(certs.ca_file), stdin="not-the-new-one\n")
    assert result.returncode == 1
    assert "[auth-failed]" in result.stdout and "nothing was changed" in result.stdout
    assert local.read_bytes() == before
    assert backups_of(local) == []


def test_secrets_file_is_updated_instead(tmp_path: Path, certs: Certs,
                                         smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls", users={USER: NEW})
    secrets = tmp_path / "smtp-secrets.php"
    secrets.write_text(f"<?php\n$wgSMTPPassword = '{OLD}';\n")
    secrets.chmod(0o600)
    local = wiki(tmp_path, server.port, "'password' => $wgSMTPPassword,")
    local.write_text(local.read_text().replace(
        "$wgSMTP = array(", f"require '{secrets}';\n$wgSMTP = array("))
    before = local.read_bytes()
    result = cli("rotate", "--localsettings", str(local), "--password-stdin", "--ca-file",
                 str(certs.ca_file), "--no-keyring", stdin=NEW)
    assert result.returncode == 0, result.stdout + result.stderr
    assert local.read_bytes() == before
    assert secrets.read_text() == "<?php\n$wgSMTPPassword = 'n3w \\'Pass\\\\word\\' $x';\n"
    assert secrets.stat().st_mode & 0o777 == 0o600


def test_environment_password_gets_an_instruction(tmp_path: Path, certs: Certs,
                                                  smtp_server: Callable[..., SmtpServer],
                                                  ) -> None:
    server = smtp_server(mode="starttls", users={USER: NEW})
    local = wiki(tmp_path, server.port, "'password' => getenv('WIKI_SMTP_PW'),")
    before = local.read_bytes()
    result = cli("rotate", "--localsettings", str(local), "--password-stdin", "--ca-file",
                 str(certs.ca_file), "--no-keyring", stdin=NEW)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WIKI_SMTP_PW" in result.stdout and local.read_bytes() == before


async def test_keyring_holds_the_new_password(tmp_path: Path, certs: Certs,
                                              smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls", users={USER: NEW})
    config = read_localsettings(wiki(tmp_path, server.port, f"'password' => '{OLD}',"))
    found = to_settings(config)
    assert found is not None and found[1] == OLD
    settings = found[0].replace(ca_file=str(certs.ca_file))
    ring = cryptfile_backend(tmp_path / "ring.cfg", "master-pw")
    result = await rotate_password(config, settings, NEW, backend=ring)
    assert result.tested and result.stored is not None and result.stored.encrypted
    assert load_password(settings, backend=ring) == NEW
    failed = await rotate_password(read_localsettings(config.path), settings, "bad",
                                   backend=ring)
    assert not failed.tested and load_password(settings, backend=ring) == NEW


def test_wiki_without_smtp_is_told_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "LocalSettings.php").write_text("<?php\n$wgSMTP = false;\n")
    result = cli("rotate", "--localsettings", str(tmp_path), "--password-stdin", stdin="x")
    assert result.returncode == 2 and "run smtp-wizard to set it up" in result.stderr


def test_the_written_file_is_tested_again_and_undo_puts_it_back(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls", users={USER: NEW})
    local = wiki(tmp_path, server.port, f"'password' => '{OLD}',")
    before = local.read_bytes()
    nothing = cli("rotate", "--localsettings", str(local), "--undo")
    assert nothing.returncode == 1 and "There is no backup of" in nothing.stderr
    result = cli("rotate", "--localsettings", str(local), "--password-stdin", "--ca-file",
                 str(certs.ca_file), "--no-keyring", stdin=NEW)
    assert result.returncode == 0, result.stdout + result.stderr
    # Without MediaWiki here, the file is read back and its password logs in.
    assert "Tested again after writing: read back from the file, it logs in" in result.stdout
    assert [login[2] for login in server.recorder.logins] == [True, True]
    rotated = local.read_bytes()

    undone = cli("rotate", "--localsettings", str(local), "--undo")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert local.read_bytes() == before
    first, second = backups_of(local)
    assert first.read_bytes() == before and second.read_bytes() == rotated
    assert f"the version it replaced is in {second}" in undone.stdout
