"""Reading LocalSettings.php as PHP would, and patching one block of it byte-exactly.

Fixture wikis live in tests/fixtures/wikis/. Where PHP is installed, PHP itself runs each
fixture and must agree with what the reader found; patched files must pass `php -l`.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import stat
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.common import backups_of, read_only, require_program, run_php
from wizard.mediawiki.localsettings import (
    BEGIN_MARKER,
    END_MARKER,
    DamagedBlockError,
    FileChangedError,
    LintOutcome,
    LocalSettingsError,
    NotFoundError,
    NotWritableError,
    ParseError,
    PasswordKind,
    PatchAction,
    PhpLintError,
    SmtpState,
    SymlinkError,
    WikiConfig,
    find_localsettings,
    managed_block,
    patch_localsettings,
    pear_mail_version,
    read_localsettings,
    system_pear_mail_version,
    to_settings,
)
from wizard.mediawiki.php import Unparsed, Value, unserialize
from wizard.model.settings import Security
from wizard.store.files import backup_name

FIXTURES = Path(__file__).parents[1] / "fixtures" / "wikis"
WIKIS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
PASSWORD = "s3cret"
NOW = datetime(2025, 1, 2, 3, 4, 5)
BLOCK = """$wgSMTP = [
\t'host' => 'ssl://smtp.new.example',
\t'port' => 465,
\t'auth' => true,
\t'username' => 'wiki@example.org',
\t'password' => 'n3w-pass',
];"""


def read(name: str) -> WikiConfig:
    return read_localsettings(FIXTURES / name / "LocalSettings.php")


def copy_wiki(tmp_path: Path, name: str) -> Path:
    shutil.copytree(FIXTURES / name, tmp_path / name)
    return tmp_path / name / "LocalSettings.php"


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


# --- Finding -----------------------------------------------------------------------------

def test_find_given_file_or_folder(tmp_path: Path) -> None:
    settings_file = copy_wiki(tmp_path, "modern")
    assert find_localsettings(settings_file, tmp_path, roots=()) == settings_file
    assert find_localsettings(settings_file.parent, tmp_path, roots=()) == settings_file
    with pytest.raises(NotFoundError) as caught:
        find_localsettings(tmp_path, tmp_path, roots=())
    assert str(tmp_path) in str(caught.value)


def test_find_in_cwd_then_usual_roots(tmp_path: Path) -> None:
    first, second = copy_wiki(tmp_path, "modern"), copy_wiki(tmp_path, "legacy")
    empty = tmp_path / "empty"
    empty.mkdir()
    roots = (empty, second.parent, first.parent)
    assert find_localsettings(None, first.parent, roots=roots) == first
    assert find_localsettings(None, empty, roots=roots) == second
    assert find_localsettings(None, empty, roots=(empty,)) is None


# --- Reading -----------------------------------------------------------------------------

def test_modern_wiki() -> None:
    config = read("modern")
    assert config.smtp_state is SmtpState.ARRAY
    smtp = config.smtp
    assert smtp is not None
    assert (smtp.host, smtp.host_name, smtp.security, smtp.port, smtp.auth) == (
        "ssl://smtp.example.org", "smtp.example.org", Security.TLS, 465, True)
    assert (smtp.username, smtp.id_host, smtp.localhost, smtp.timeout) == (
        "wiki@example.org", "wiki.example.org", "wiki.example.org", 20.0)
    assert smtp.line == 35
    assert smtp.password is not None
    assert (smtp.password.kind, smtp.password.line) == (PasswordKind.INLINE, 35)
    assert config.server == "https://wiki.example.org"
    assert config.server_name == "wiki.example.org"
    assert config.enable_email is True
    assert config.user_email_use_reply_to is True
    assert config.password_sender == "wiki@example.org"
    assert not config.password_sender_is_default
    assert not config.emergency_contact_is_default
    assert config.value("wgGroupPermissions") == {"*": {"edit": False}}
    assert config.pear_mail_version == "2.0.0"
    assert config.problems == ()
    assert config.include_path_lines == ()
    assert config.newline == "\n"


def test_legacy_array_syntax_and_include_path() -> None:
    config = read("legacy")
    smtp = config.smtp
    assert smtp is not None
    assert (smtp.host, smtp.security, smtp.port, smtp.auth, smtp.id_host) == (
        "mail.example.net", None, 587, True, "example.net")
    assert config.enable_email is True
    assert config.include_path_lines == (14, 37)
    assert config.pear_mail_version is None
    assert config.problems == ()
    # MediaWiki's own code and extensions are not read: they never hold mail settings.
    assert "wgExtensionFunctions" not in config.values


def test_include_cycles_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "LocalSettings.php"
    path.write_text("<?php\n$wgServerName = 'a.example';\nrequire_once __DIR__ . '/b.php';\n"
                    "include 'missing-but-optional.php';\n")
    (tmp_path / "b.php").write_text("<?php\nrequire 'LocalSettings.php';\n"
                                    "$wgServerName = 'b.example';\nrequire 'gone.php';\n")
    config = read_localsettings(path)
    assert config.server_name == "b.example"
    assert [(p.path.name, p.line) for p in config.problems] == [("b.php", 4)]


def test_smtp_false_and_absent() -> None:
    disabled, absent = read("smtp-false"), read("no-smtp")
    assert (disabled.smtp_state, disabled.smtp) == (SmtpState.DISABLED, None)
    assert (absent.smtp_state, absent.smtp) == (SmtpState.ABSENT, None)
    assert to_settings(disabled) is None
    assert to_settings(absent) is None
    assert absent.password_sender_is_default
    assert absent.emergency_contact_is_default


def test_mediawiki_default_sender_is_recognised() -> None:
    config = read("default-sender")
    assert isinstance(config.password_sender, Unparsed)
    assert config.password_sender.source == '"apache@$wgServerName"'
    assert config.password_sender_is_default
    assert config.emergency_contact_is_default  # 'wikiadmin@' . $wgServerName
    loaded = to_settings(config)
    assert loaded is not None
    assert loaded[0].sender == ""


def test_crlf_file() -> None:
    config = read("crlf")
    assert config.newline == "\r\n"
    assert config.smtp is not None
    assert (config.smtp.host, config.smtp.port, config.smtp.line) == ("smtp.example.org",
                                                                      587, 9)


def test_password_from_the_environment() -> None:
    config = read("getenv")
    assert config.smtp is not None
    source = config.smtp.password
    assert source is not None
    assert (source.kind, source.name, source.line) == (PasswordKind.ENV, "SMTP_PASSWORD", 7)
    loaded = to_settings(config)
    assert loaded is not None
    settings_, password = loaded
    assert password is None
    assert (settings_.security, settings_.port) == (Security.TLS, 465)


@pytest.mark.parametrize(("wiki", "file", "line", "name"), [
    ("secrets-var", "PrivateSettings.php", 3, "wgSMTPPassword"),
    ("secrets-key", "private/smtp.php", 2, None),
])
def test_password_from_a_required_file(wiki: str, file: str, line: int,
                                       name: str | None) -> None:
    config = read(wiki)
    assert config.smtp is not None
    source = config.smtp.password
    assert source is not None
    assert (source.kind, source.path, source.line, source.name) == (
        PasswordKind.FILE, (FIXTURES / wiki / file).resolve(), line, name)
    loaded = to_settings(config)
    assert loaded is not None
    assert loaded[1] == PASSWORD
    assert PASSWORD not in repr(config) + repr(source)


def test_tricky_file_is_not_confused_by_strings_comments_and_conditions() -> None:
    config = read("tricky")
    smtp = config.smtp
    assert smtp is not None
    assert (smtp.host, smtp.port, smtp.auth, smtp.localhost) == (
        "smtp.example.org", 587, True, "wiki.example.org")
    assert smtp.password is not None
    assert (smtp.password.kind, smtp.password.line) == (PasswordKind.UNKNOWN, 25)
    assert config.password_sender == "wiki@example.org"
    assert config.value("wgSitename") == "Tricky {$wgSMTP = 1;} Wiki"
    assert config.value("after") == "$wgSMTP = false;"
    assert [p.line for p in config.problems] == [18, 21]
    assert config.managed_block is None
    loaded = to_settings(config)
    assert loaded is not None
    assert loaded[1] is None


def test_managed_block_is_found() -> None:
    config = read("managed")
    block = config.managed_block
    assert block is not None
    assert (block.line, block.end_line) == (8, 17)
    assert config.raw[block.start:block.end].startswith(BEGIN_MARKER.encode())
    assert config.raw[block.start:block.end].endswith(END_MARKER.encode())
    assert config.smtp is not None
    assert config.smtp.host == "smtp.example.org"


def test_unreadable_parts_are_problems_without_the_password(tmp_path: Path) -> None:
    path = tmp_path / "LocalSettings.php"
    path.write_text("<?php\n$wgSMTP = [ 'host' => SMTP_HOST, 'port' => 'x', 'password' => "
                    f"'{PASSWORD}', ];\n$wgSMTP['auth'] .= 'x';\nif (1) $wgPasswordSender = 'a';\n"
                    f"require __DIR__ . '/missing.php';\n$wgSMTP = strrev('{PASSWORD}');\n")
    config = read_localsettings(path)
    assert config.smtp_state is SmtpState.UNPARSED
    messages = [(p.line, p.message) for p in config.problems]
    assert [line for line, _ in messages] == [4, 5, 6]
    assert all(PASSWORD not in message for _, message in messages)
    path.write_text("<?php\n$wgSMTP = [ 'host' => SMTP_HOST, 'port' => 'x', "
                    "'auth' => true ];\n")
    config = read_localsettings(path)
    assert config.smtp is not None
    assert config.smtp.unreadable == ("host",)
    assert [p.line for p in config.problems] == [2, 2]
    assert to_settings(config) is None


def test_bad_values_become_clear_errors(tmp_path: Path) -> None:
    path = tmp_path / "LocalSettings.php"
    path.write_text("<?php\n$wgSMTP = [ 'host' => 'smtp.example.org', 'auth' => true ];\n")
    with pytest.raises(LocalSettingsError) as caught:
        to_settings(read_localsettings(path))
    assert "line 2" in str(caught.value)
    path.write_text("<?php\n$a = 'never closed;\n")
    with pytest.raises(ParseError) as parse_error:
        read_localsettings(path)
    assert parse_error.value.line == 2
    path.write_text("just text\n")
    with pytest.raises(ParseError):
        read_localsettings(path)
    with pytest.raises(NotFoundError):
        read_localsettings(tmp_path / "missing.php")


_RUNNER = r"""
    define('MEDIAWIKI', true);
    const NS_MAIN = 0;
    function wfLoadSkin(...$a) {}
    function wfLoadExtension(...$a) {}
    $__wanted = json_decode(file_get_contents('php://stdin'), true);
    $IP = dirname($__wanted['file']);
    ob_start();
    require $__wanted['file'];
    ob_end_clean();
    $__out = [];
    foreach ($__wanted['names'] as $__name) {
        $__out[$__name] = array_key_exists($__name, $GLOBALS) ? [$GLOBALS[$__name]] : [];
    }
    echo base64_encode(serialize($__out));
"""


def _known(value: Value) -> Value:
    """The parts of a value the reader could read (dict items that are Unparsed dropped)."""
    if isinstance(value, dict):
        return {k: _known(v) for k, v in value.items() if not isinstance(v, Unparsed)}
    return value


def _restrict(php_value: Value, ours: Value) -> Value:
    if isinstance(php_value, dict) and isinstance(ours, dict):
        return {k: _restrict(v, ours[k]) for k, v in php_value.items() if k in ours}
    return php_value


@pytest.mark.parametrize("wiki", WIKIS)
def test_php_runs_the_file_to_the_same_values(wiki: str) -> None:
    """PHP includes the fixture; every value the reader claims to know must match."""
    config = read(wiki)
    names = [n for n, v in config.values.items() if not isinstance(v, Unparsed)]
    payload = {"file": str((FIXTURES / wiki / "LocalSettings.php").resolve()), "names": names}
    out = unserialize(base64.b64decode(run_php(_RUNNER, json.dumps(payload).encode())))
    assert isinstance(out, dict)
    for name in names:
        ours = _known(config.values[name])
        found = out[name]
        assert found != {}, name
        assert isinstance(found, dict)
        assert _restrict(found[0], ours) == ours, name


# --- pear/mail version -------------------------------------------------------------------

def test_pear_mail_version_from_composer_or_package_xml(tmp_path: Path) -> None:
    assert pear_mail_version(tmp_path) is None
    mail = tmp_path / "vendor" / "pear" / "mail"
    mail.mkdir(parents=True)
    assert pear_mail_version(tmp_path) is None
    (mail / "package.xml").write_text(
        "<package><version>\n  <release>1.5.0</release>\n  <api>1.3.0</api>\n</version>"
        "</package>")
    assert pear_mail_version(tmp_path) == "1.5.0"
    composer = tmp_path / "vendor" / "composer"
    composer.mkdir()
    (composer / "installed.json").write_text(json.dumps(
        [{"name": "pear/net_smtp", "version": "1.10.0"}, {"name": "pear/mail",
                                                          "version": "v1.6.0"}]))
    assert pear_mail_version(tmp_path) == "1.6.0"  # Composer 1 layout: a plain list


def test_bundled_pear_without_a_version_is_a_problem(tmp_path: Path) -> None:
    path = copy_wiki(tmp_path, "modern")
    (path.parent / "vendor" / "composer" / "installed.json").unlink()
    config = read_localsettings(path)
    assert config.pear_mail_version is None
    assert len(config.problems) == 1


def test_system_pear_mail_version_from_the_registry(tmp_path: Path) -> None:
    new, old, broken = (tmp_path / name / ".registry" for name in ("new", "old", "broken"))
    for folder in (new, old, broken):
        folder.mkdir(parents=True)
    (new / "mail.reg").write_bytes(
        b'a:3:{s:4:"name";s:4:"Mail";s:7:"version";a:2:{s:7:"release";s:5:"1.4.1";'
        b's:3:"api";s:5:"1.3.0";}s:9:"changelog";a:1:{i:0;a:1:{s:7:"version";'
        b'a:1:{s:7:"release";s:3:"1.0";}}}}')
    (old / "mail.reg").write_bytes(b'a:1:{s:7:"version";s:5:"1.1.3";}')
    (broken / "mail.reg").write_bytes(b"a:1:{")
    assert system_pear_mail_version((tmp_path / "none", new.parent)) == "1.4.1"
    assert system_pear_mail_version((broken.parent, old.parent)) == "1.1.3"
    assert system_pear_mail_version((broken.parent,)) is None


def test_system_pear_mail_version_agrees_with_pear() -> None:
    found = system_pear_mail_version()
    pear_registry = Path("/usr/share/php/PEAR/Registry.php")
    if found is None or not pear_registry.exists():
        pytest.skip("no PEAR Mail installed in /usr/share/php")
    script = ('require_once "PEAR/Registry.php"; $r = new PEAR_Registry("/usr/share/php"); '
              'echo $r->getPackage("Mail")->getVersion();')
    assert run_php(script, b"").decode() == found


# --- Patching ----------------------------------------------------------------------------

EXPECTED_ACTION = {
    "crlf": PatchAction.REPLACED_STATEMENT, "default-sender": PatchAction.REPLACED_STATEMENT,
    "getenv": PatchAction.REPLACED_STATEMENT, "legacy": PatchAction.REPLACED_STATEMENT,
    "managed": PatchAction.REPLACED_BLOCK, "modern": PatchAction.REPLACED_STATEMENT,
    "no-smtp": PatchAction.APPENDED, "secrets-key": PatchAction.REPLACED_STATEMENT,
    "secrets-var": PatchAction.REPLACED_STATEMENT, "smtp-false": PatchAction.REPLACED_STATEMENT,
    "tricky": PatchAction.APPENDED,
}


def expected_region(old: bytes, action: PatchAction) -> tuple[int, int]:
    """The bytes the patch may change, found independently of the patcher."""
    if action is PatchAction.REPLACED_BLOCK:
        start = old.index(BEGIN_MARKER.encode())
        return start, old.index(END_MARKER.encode()) + len(END_MARKER)
    if action is PatchAction.REPLACED_STATEMENT:
        matches = list(re.finditer(rb"^\$wgSMTP = (?:\[.*?\];|array\(.*?\);|false;)", old,
                                   re.MULTILINE | re.DOTALL))
        return matches[-1].start(), matches[-1].end()
    end = old.rstrip().rfind(b"?>") if old.rstrip().endswith(b"?>") else len(old)
    return end, end


def test_every_fixture_wiki_has_an_expected_action() -> None:
    assert sorted(EXPECTED_ACTION) == WIKIS


@pytest.mark.parametrize("wiki", WIKIS)
def test_patch_changes_only_the_region(tmp_path: Path, wiki: str) -> None:
    path = copy_wiki(tmp_path, wiki)
    old = path.read_bytes()
    newline = b"\r\n" if b"\r\n" in old else b"\n"
    action = EXPECTED_ACTION[wiki]
    start, end = expected_region(old, action)

    result = patch_localsettings(path, BLOCK, expected=old, now=NOW)
    new = path.read_bytes()
    assert (result.action, result.changed) == (action, True)
    assert new.startswith(old[:start])
    assert new.endswith(old[end:])
    inserted = new[start:len(new) - (len(old) - end)]
    block = managed_block(BLOCK).encode().replace(b"\n", newline)
    assert inserted.strip(b"\r\n") == block
    assert new[:new.index(BEGIN_MARKER.encode())].count(b"\n") + 1 == result.line
    if newline == b"\r\n":
        assert new.count(b"\n") == new.count(b"\r\n")
    assert result.backup is not None
    assert result.backup.read_bytes() == old
    if shutil.which("php"):
        assert result.lint is LintOutcome.OK

    again = read_localsettings(path)
    assert again.managed_block is not None
    assert again.smtp is not None
    assert (again.smtp.host, again.smtp.port) == ("ssl://smtp.new.example", 465)

    rerun = patch_localsettings(path, BLOCK, expected=new, now=NOW)
    assert (rerun.action, rerun.changed, rerun.backup) == (PatchAction.REPLACED_BLOCK, False,
                                                           None)
    assert path.read_bytes() == new
    assert backups_of(path) == [result.backup]
    assert not [n for n in siblings(path) if ".bak-" in n]  # never beside the wiki

    patch_localsettings(path, BLOCK.replace("465", "587"), now=NOW)
    third = path.read_bytes()
    assert third == new.replace(b"'port' => 465", b"'port' => 587")
    assert third.count(BEGIN_MARKER.encode()) == 1


comment_text = st.text(st.sampled_from("ab $wgSMTP=[];'\"\\#/*?>\t{}é"), max_size=30)
php_comment = st.one_of(
    comment_text.filter(lambda t: "?>" not in t).map(lambda t: f"# {t}\n"),
    comment_text.filter(lambda t: "?>" not in t).map(lambda t: f"// {t}\n"),
    comment_text.filter(lambda t: "*/" not in t).map(lambda t: f"/* {t} */\n"),
    comment_text.map(lambda t: "$x = '" + t.replace("\\", "\\\\").replace("'", "\\'") + "';\n"),
).filter(lambda c: "smtp-wizard" not in c)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(php_comment, max_size=4).map("".join),
       st.lists(php_comment, max_size=4).map("".join),
       st.sampled_from(["$wgSMTP = false;", "$wgSMTP = [ 'host' => 'x' ];",
                        "$wgSMTP = array(\n 'host' => 'y',\n);"]))
def test_patch_keeps_random_surroundings_byte_for_byte(before: str, after: str,
                                                       statement: str) -> None:
    head, tail = "<?php\n" + before, "\n" + after
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "LocalSettings.php"
        path.write_text(head + statement + tail)
        result = patch_localsettings(path, BLOCK, now=NOW)
        assert result.action is PatchAction.REPLACED_STATEMENT
        assert path.read_text() == head + managed_block(BLOCK) + tail
        patch_localsettings(path, "$wgSMTP = false;", now=NOW)
        assert path.read_text() == head + managed_block("$wgSMTP = false;") + tail


@pytest.mark.parametrize(("content", "expected"), [
    ("<?php\n$a = 1;\n", "<?php\n$a = 1;\n\n{block}\n"),
    ("<?php\n$a = 1;\n\n", "<?php\n$a = 1;\n\n{block}\n"),
    ("<?php\n$a = 1; // end", "<?php\n$a = 1; // end\n\n{block}\n"),
    ("<?php\n$a = 1;\n?>\n", "<?php\n$a = 1;\n\n{block}\n?>\n"),
    ("<?php\n$a = 1; # c ?><p>html</p>\n", "<?php\n$a = 1; # c \n\n{block}\n?><p>html</p>\n"),
    ("<?php\n$wgSMTP['host'] = 'x';\n", "<?php\n$wgSMTP['host'] = 'x';\n\n{block}\n"),
    ("<?php\nif ($a) { $wgSMTP = false; }\n", "<?php\nif ($a) { $wgSMTP = false; }\n\n{block}\n"),
])
def test_append_places(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "LocalSettings.php"
    path.write_text(content)
    result = patch_localsettings(path, BLOCK, now=NOW)
    assert result.action is PatchAction.APPENDED
    assert path.read_text() == expected.replace("{block}", managed_block(BLOCK))


def test_later_changes_to_wgsmtp_are_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "LocalSettings.php"
    path.write_text(f"<?php\n{BEGIN_MARKER}\n$wgSMTP = false;\n{END_MARKER}\n"
                    "$wgSMTP['port'] = 25;\n")
    result = patch_localsettings(path, BLOCK, now=NOW)
    assert result.action is PatchAction.REPLACED_BLOCK
    line = path.read_text().splitlines().index("$wgSMTP['port'] = 25;") + 1
    assert len(result.warnings) == 1
    assert f"Line {line} " in result.warnings[0]


def test_mode_and_owner_are_kept(tmp_path: Path) -> None:
    path = copy_wiki(tmp_path, "modern")
    path.chmod(0o640)
    owner = (65534, 65534) if os.geteuid() == 0 else (os.geteuid(), os.getegid())
    os.chown(path, *owner)
    result = patch_localsettings(path, BLOCK, now=NOW)
    info = path.stat()
    assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o640, *owner)
    # The backup is private to whoever ran the tool: it holds the database password.
    assert result.backup is not None
    info = result.backup.stat()
    assert (stat.S_IMODE(info.st_mode), info.st_uid) == (0o600, os.geteuid())


def test_symlink_is_refused_with_the_real_path(tmp_path: Path) -> None:
    real = copy_wiki(tmp_path, "modern")
    link = tmp_path / "LocalSettings.php"
    link.symlink_to(real)
    before = real.read_bytes()
    with pytest.raises(SymlinkError) as caught:
        patch_localsettings(link, BLOCK, now=NOW)
    assert caught.value.real_path == real.resolve()
    assert str(real.resolve()) in str(caught.value)
    assert real.read_bytes() == before
    assert link.is_symlink()


def test_changed_file_is_refused(tmp_path: Path) -> None:
    path = copy_wiki(tmp_path, "modern")
    config = read_localsettings(path)
    path.write_bytes(config.raw + b"$wgSitename = 'edited';\n")
    edited = path.read_bytes()
    with pytest.raises(FileChangedError):
        patch_localsettings(path, BLOCK, expected=config.raw, now=NOW)
    assert path.read_bytes() == edited
    assert siblings(path) == ["vendor"]


def test_expected_text_with_translated_line_endings_is_accepted(tmp_path: Path) -> None:
    path = copy_wiki(tmp_path, "crlf")
    result = patch_localsettings(path, BLOCK, expected=path.read_text(), now=NOW)
    assert result.changed


def test_read_only_folder_changes_nothing(tmp_path: Path) -> None:
    path = copy_wiki(tmp_path, "modern")
    before = path.read_bytes()
    with read_only(path.parent), pytest.raises(NotWritableError) as caught:
        patch_localsettings(path, BLOCK, now=NOW)
    assert str(path.parent) in str(caught.value)
    assert path.read_bytes() == before
    assert siblings(path) == ["vendor"]


def test_read_only_file_changes_nothing(tmp_path: Path) -> None:
    path = copy_wiki(tmp_path, "modern")
    before = path.read_bytes()
    with read_only(path), pytest.raises(NotWritableError):
        patch_localsettings(path, BLOCK, now=NOW)
    assert path.read_bytes() == before
    assert siblings(path) == ["vendor"]


def test_backup_failure_changes_nothing(tmp_path: Path) -> None:
    path = copy_wiki(tmp_path, "modern")
    before = path.read_bytes()
    # Every backup name for this second is taken, so no backup can be made.
    base = backup_name(path, NOW)
    base.mkdir(parents=True)
    for suffix in range(1, 1000):
        base.with_name(f"{base.name}-{suffix}").mkdir()
    with pytest.raises(NotWritableError) as caught:
        patch_localsettings(path, BLOCK, now=NOW)
    assert "backup" in str(caught.value)
    assert path.read_bytes() == before


def test_php_syntax_error_in_block_is_refused(tmp_path: Path) -> None:
    require_program("php")
    path = copy_wiki(tmp_path, "modern")
    before = path.read_bytes()
    broken = f"$wgSMTP = [ 'host' => 'x' '{PASSWORD}' => 1 ];"
    with pytest.raises(PhpLintError) as caught:
        patch_localsettings(path, broken, now=NOW)
    assert "line 36" in caught.value.php_message
    assert str(path) in caught.value.php_message
    assert PASSWORD not in str(caught.value)
    assert path.read_bytes() == before
    assert siblings(path) == ["vendor"]


def test_file_that_php_already_rejects(tmp_path: Path) -> None:
    require_program("php")
    path = tmp_path / "LocalSettings.php"
    path.write_text("<?php\n$a = ;\n")
    with pytest.raises(PhpLintError) as caught:
        patch_localsettings(path, BLOCK, now=NOW)
    assert "already" in str(caught.value)
    assert path.read_text() == "<?php\n$a = ;\n"


def test_without_php_the_check_is_skipped(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = copy_wiki(tmp_path, "modern")
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))
    result = patch_localsettings(path, BLOCK, now=NOW)
    assert (result.changed, result.lint) == (True, LintOutcome.SKIPPED)


@pytest.mark.parametrize("block", [
    "$wgSMTP = [ 'host' => 'never closed ];",
    "$wgSMTP = false; /* open comment",
    "$wgSMTP = false; ?> html <?php",
    "$wgSMTP = [ 'host' => 'x' ;",
    f"{BEGIN_MARKER}\n$wgSMTP = false;\n",
    f"$wgSMTP = false;\n{END_MARKER}\n$a = 1;\n{END_MARKER}",
])
def test_block_that_would_break_the_file_is_refused(tmp_path: Path, block: str) -> None:
    path = copy_wiki(tmp_path, "modern")
    before = path.read_bytes()
    with pytest.raises(LocalSettingsError) as caught:
        patch_localsettings(path, block, now=NOW)
    assert "not valid" in str(caught.value)
    assert path.read_bytes() == before


def test_damaged_markers_are_refused_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "LocalSettings.php"
    path.write_text(f"<?php\n$a = 1;\n{BEGIN_MARKER}\n$wgSMTP = false;\n")
    with pytest.raises(DamagedBlockError):
        patch_localsettings(path, BLOCK, now=NOW)
    config = read_localsettings(path)
    assert [p.line for p in config.problems] == [3]
    assert config.managed_block is None
    path.write_text(f"<?php\n{END_MARKER}\n{BEGIN_MARKER}\n")
    with pytest.raises(DamagedBlockError):
        patch_localsettings(path, BLOCK, now=NOW)


def test_managed_block_wrapping() -> None:
    wrapped = managed_block("\n$wgSMTP = false;\r\n")
    assert wrapped == f"{BEGIN_MARKER}\n$wgSMTP = false;\n{END_MARKER}"
    assert managed_block(wrapped) == wrapped


def test_keyed_assignments_are_read_with_linear_work(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Farm configurations set thousands of `$wgGroupPermissions[..][..]` keys. Reading
    used to copy the whole array for each one (minutes for a 1 MB file); now each value is
    copied once. Counted in copies made, not in seconds, so the test is exact."""
    import copy

    lines = [f"$wgGroupPermissions['group{i % 40}']['right{i}'] = {i % 2 == 0};".replace(
        "True", "true").replace("False", "false") for i in range(3000)]
    local = tmp_path / "LocalSettings.php"
    local.write_text("<?php\n" + "\n".join(lines) + "\n$wgSMTP = false;\n")
    calls = 0
    real_deepcopy = copy.deepcopy

    def counting(value: object, memo: dict[int, object] | None = None) -> object:
        nonlocal calls
        calls += 1
        return real_deepcopy(value, memo)

    monkeypatch.setattr(copy, "deepcopy", counting)
    config = read_localsettings(local)
    permissions = config.values["wgGroupPermissions"]
    assert isinstance(permissions, dict) and len(permissions) == 40
    assert permissions["group0"] == {f"right{i}": i % 2 == 0 for i in range(0, 3000, 40)}
    assert calls < 3 * len(lines), calls  # it was millions


def test_reading_never_changes_the_parsed_file(tmp_path: Path) -> None:
    """The reader changes the arrays it holds in place, so it must hold copies: the parsed
    file is shared (reading and then patching parse the same bytes once)."""
    from wizard.mediawiki.localsettings.interpret import Reader
    from wizard.mediawiki.php import parse

    local = tmp_path / "LocalSettings.php"
    local.write_text("<?php\n$wgSMTP = [ 'host' => 'a', 'socket_options' => [] ];\n"
                     "$wgSMTP['port'] = 25;\n$wgSMTP['socket_options']['ssl']['verify_peer']"
                     " = false;\n$wgSMTP['socket_options']['ssl']['cafile'] = '/ca.pem';\n")
    parsed = parse(local.read_bytes())
    first, second = Reader(local), Reader(local)
    first.run(local, parsed, 0)
    second.run(local, parsed, 0)
    assert parsed.statements[0].value == {"host": "a", "socket_options": {}}
    assert first.values == second.values == {"wgSMTP": {
        "host": "a", "socket_options": {"ssl": {"verify_peer": False, "cafile": "/ca.pem"}},
        "port": 25}}


def test_include_path_with_ip_set_to_an_expression_uses_the_wiki_folder(
        tmp_path: Path) -> None:
    (tmp_path / "mail.php").write_text("<?php\n$wgPasswordSender = 'wiki@example.org';\n")
    local = tmp_path / "LocalSettings.php"
    local.write_text('<?php\n$IP = __DIR__;\nrequire "$IP/mail.php";\n')
    assert read_localsettings(local).values["wgPasswordSender"] == "wiki@example.org"


def test_a_file_changed_after_the_backup_names_the_backup(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another editor saves the file between our backup and our write: nothing is written,
    and the message says where the file as we read it is kept."""
    from wizard.mediawiki.localsettings import patch as patch_module

    path = copy_wiki(tmp_path, "modern")
    original = path.read_bytes()
    real_backup = patch_module.make_backup

    def backup_then_someone_edits(target: Path, now: datetime | None = None) -> Path:
        made = real_backup(target, now)
        target.write_bytes(original + b"$wgSitename = 'edited meanwhile';\n")
        return made

    monkeypatch.setattr(patch_module, "make_backup", backup_then_someone_edits)
    with pytest.raises(FileChangedError) as refused:
        patch_localsettings(path, BLOCK, expected=original, now=NOW)
    [backup] = backups_of(path)
    assert str(backup) in refused.value.message and backup.read_bytes() == original
    assert path.read_bytes().endswith(b"'edited meanwhile';\n")
