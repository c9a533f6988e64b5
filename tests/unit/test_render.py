"""The renderers: every target renders, and every value reads back exactly.

PHP output is evaluated by real PHP (one process per batch, values compared as hex so
no byte can hide); Python output is executed or parsed with `ast`.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import subprocess
import tempfile
import types
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.support.common import require_program
from wizard.model.fields import SettingsError
from wizard.model.settings import Security, Settings
from wizard.render import (
    PasswordMode,
    Rendered,
    RenderError,
    RenderOptions,
    Target,
    php_file,
    render,
)
from wizard.render.literals import php_comment, php_string, python_comment, python_string
from wizard.store.keyring import service_name

HOSTILE = [
    "'; system('x'); '",
    "\\",
    "ends with a backslash\\",
    "\\'",
    "'",
    '"',
    "$wgSecret ${x} {$y} \\$z",
    "?>",
    "<?php echo 'owned'; ?>",
    "// not a comment */ /* # nor this",
    "pässwörd ☃ 𝄞 中文",
    "\\n is not a newline, \\x41 is not A, \\u{41} either",
    "%s {0} %(x)s",
    '"""',
    "'''",
    "\ttab and  spaces ",
    "\u2028 line separator, \x0b vertical tab, \x85 next line",
]
ASCII_HOSTILE = [value for value in HOSTILE if value.isascii() and "\x0b" not in value]

# Reads each snippet in its own function scope and prints every variable it defined,
# strings as hex so that the comparison is byte-exact.
PHP_DUMP = r"""<?php
function hexify($value) {
    if (is_string($value)) {
        return ['hex' => bin2hex($value)];
    }
    if (is_array($value)) {
        return array_map('hexify', $value);
    }
    return $value;
}
$out = [];
foreach (array_slice($argv, 1) as $file) {
    $out[] = (function () use ($file) {
        require $file;
        unset($file);
        return hexify(get_defined_vars());
    })();
}
echo json_encode($out);
"""


def unhex(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"hex"}:
            return bytes.fromhex(value["hex"]).decode("utf-8")
        return {key: unhex(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unhex(item) for item in value]
    return value


def php_eval(php: str, directory: Path, rendered: list[Rendered]) -> list[dict[str, Any]]:
    """The variables each MediaWiki snippet defines, as PHP itself sees them."""
    files = []
    for index, item in enumerate(rendered):
        if item.secrets_file is not None:
            path, content = item.secrets_file
            Path(path).write_text(content, encoding="utf-8")
        file = directory / f"snippet{index}.php"
        file.write_text(php_file(item.snippet), encoding="utf-8")
        files.append(str(file))
    dump = directory / "dump.php"
    dump.write_text(PHP_DUMP, encoding="utf-8")
    result = subprocess.run([php, str(dump), *files], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr + result.stdout
    return unhex(json.loads(result.stdout))


def php_lint(php: str, file: Path) -> None:
    result = subprocess.run([php, "-l", str(file)], capture_output=True, text=True,
                            timeout=30, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def php() -> str:
    return require_program("php")


def user_name(value: str) -> str:
    """The hostile value as a user name, without the control characters Settings refuses."""
    return "".join(ch for ch in value if ch.isprintable() or ch == " ")


def base(**changes: Any) -> Settings:
    fields: dict[str, Any] = {"host": "smtp.example.org", "port": 587,
                              "username": "wiki@example.org", "sender": "wiki@example.org"}
    fields.update(changes)
    return Settings(**fields)


def inline(password: str = "s3cret", **changes: Any) -> RenderOptions:
    return RenderOptions(password_mode=PasswordMode.INLINE, password=password, **changes)


# --- MediaWiki through real PHP ----------------------------------------------------


def test_hostile_passwords_and_names_read_back_exactly_in_php(php: str,
                                                              tmp_path: Path) -> None:
    cases: list[tuple[Settings, str, Rendered]] = []
    for index, value in enumerate(HOSTILE):
        settings_ = base(username=user_name(value), sender="o'brien$x{y}?@example.org",
                         emergency_contact="a'$b?c@example.org")
        cases.append((settings_, value,
                      render(settings_, Target.MEDIAWIKI, inline(value))))
        secrets = str(tmp_path / f"secret{index}.php")
        cases.append((settings_, value, render(settings_, Target.MEDIAWIKI, RenderOptions(
            password_mode=PasswordMode.FILE, password=value, secrets_path=secrets))))
    results = php_eval(php, tmp_path, [rendered for _, _, rendered in cases])
    for (settings_, value, rendered), variables in zip(cases, results, strict=True):
        smtp = variables["wgSMTP"]
        assert smtp["username"] == settings_.username == user_name(value)
        assert smtp["password"] == value
        assert variables["wgPasswordSender"] == settings_.sender
        assert variables["wgEmergencyContact"] == settings_.emergency_contact
        if rendered.secrets_file is not None:
            # The block itself holds no secret; the secrets file sets it.
            assert variables["wgSMTPPassword"] == value
            assert "'password' => $wgSMTPPassword," in rendered.snippet


def test_every_mediawiki_variant_passes_php_lint(php: str, tmp_path: Path) -> None:
    variants = [
        (base(), inline()),
        (base(security=Security.TLS, port=465), inline()),
        (base(security=Security.NONE, port=25), inline()),
        (base(security=Security.NONE, port=25, auth=False), RenderOptions()),
        (base(auth=False), RenderOptions(pear_starttls=True)),
        (base(host="bücher.example", id_host="example.org", helo_name="wiki.example.org",
              emergency_contact="admin@example.org", auth_mechanism="CRAM-MD5",
              ca_file="/etc/ssl/x?>.pem"), inline(use_reply_to=True, pear_starttls=True)),
        (base(host="2001:db8::1", security=Security.TLS, port=465, timeout=2.5),
         inline(pinned_cafile="/etc/ssl/pinned ?> 'x'.pem")),
        (base(sender=""), RenderOptions(password_mode=PasswordMode.ENV, env_var="MW_SMTP")),
        (base(), RenderOptions(password_mode=PasswordMode.FILE, password="?>'",
                               secrets_path=str(tmp_path / "s.php"))),
    ]
    for index, (settings_, options) in enumerate(variants):
        rendered = render(settings_, Target.MEDIAWIKI, options)
        assert rendered.language == "php"
        # The managed block goes into LocalSettings.php as is: no opening tag of its own.
        assert "<?php" not in rendered.snippet
        file = tmp_path / f"variant{index}.php"
        file.write_text(php_file(rendered.snippet), encoding="utf-8")
        php_lint(php, file)
        if rendered.secrets_file is not None:
            secrets = tmp_path / f"variant{index}.secrets.php"
            secrets.write_text(rendered.secrets_file[1], encoding="utf-8")
            php_lint(php, secrets)


def test_mediawiki_structure_as_php_sees_it(php: str, tmp_path: Path) -> None:
    plain = render(base(), Target.MEDIAWIKI, inline())
    full = render(
        base(host="bücher.example", security=Security.TLS, port=465, id_host="example.org",
             helo_name="wiki.example.org", emergency_contact="admin@example.org",
             auth_mechanism="plain", timeout=2.5),
        Target.MEDIAWIKI,
        inline(use_reply_to=True, pinned_cafile="/etc/ssl/self.pem"))
    ipv6 = render(base(host="[2001:db8::1]", security=Security.TLS, port=465),
                  Target.MEDIAWIKI, inline())
    starttls = render(base(), Target.MEDIAWIKI, inline(pear_starttls=True))
    implicit = render(base(security=Security.TLS, port=465), Target.MEDIAWIKI,
                      inline(pear_starttls=True))
    no_auth = render(base(auth=False), Target.MEDIAWIKI, inline())
    env = render(base(), Target.MEDIAWIKI,
                 RenderOptions(password_mode=PasswordMode.ENV, env_var="MW_SMTP"))
    results = php_eval(php, tmp_path, [plain, full, ipv6, starttls, implicit, no_auth, env])
    plain_v, full_v, ipv6_v, starttls_v, implicit_v, no_auth_v, env_v = results

    assert plain_v["wgEnableEmail"] is True
    # 'starttls' whatever the pear/mail version: older ones ignore keys they do not know.
    assert plain_v["wgSMTP"] == {"host": "smtp.example.org", "port": 587, "auth": True,
                                 "username": "wiki@example.org", "password": "s3cret",
                                 "starttls": True, "timeout": 10}
    # IDHost/localhost only when set; reply-to and the emergency contact only when asked.
    assert set(plain_v) == {"wgEnableEmail", "wgPasswordSender", "wgSMTP"}

    smtp = full_v["wgSMTP"]
    assert smtp["host"] == "ssl://xn--bcher-kva.example"
    assert "bücher.example in the ASCII form" in full.snippet
    assert smtp["IDHost"] == "example.org"
    assert smtp["localhost"] == "wiki.example.org"
    assert smtp["auth"] == "PLAIN"
    assert smtp["timeout"] == 2.5
    assert smtp["socket_options"] == {"ssl": {"cafile": "/etc/ssl/self.pem"}}
    assert "verify_peer" not in full.snippet
    assert full_v["wgUserEmailUseReplyTo"] is True
    assert full_v["wgEmergencyContact"] == "admin@example.org"

    assert ipv6_v["wgSMTP"]["host"] == "ssl://[2001:db8::1]"
    assert starttls_v["wgSMTP"]["starttls"] is True
    # Only for STARTTLS: on ssl:// a newer PEAR would try STARTTLS inside TLS.
    assert "starttls" not in implicit_v["wgSMTP"]
    assert no_auth_v["wgSMTP"]["auth"] is False
    assert "password" not in no_auth_v["wgSMTP"]
    # getenv() of an unset variable is false: PHP really called getenv('MW_SMTP').
    assert env_v["wgSMTP"]["password"] is False
    assert "getenv('MW_SMTP')" in env.snippet


def test_env_password_is_read_by_php(php: str, tmp_path: Path) -> None:
    rendered = render(base(), Target.MEDIAWIKI,
                      RenderOptions(password_mode=PasswordMode.ENV))
    file = tmp_path / "env.php"
    file.write_text(php_file(rendered.snippet) + "echo bin2hex($wgSMTP['password']);\n",
                    encoding="utf-8")
    value = "é'\\$x?>"
    result = subprocess.run([php, str(file)], capture_output=True, text=True, timeout=30,
                            env={**os.environ, "SMTP_PASSWORD": value}, check=False)
    assert bytes.fromhex(result.stdout).decode() == value


PASSWORDS = st.text(st.characters(blacklist_categories=("Cs",),
                                  blacklist_characters="\r\n\x00"), min_size=1)


@settings(max_examples=12, deadline=None)
@given(st.lists(PASSWORDS, min_size=1, max_size=20))
def test_any_password_round_trips_through_php(passwords: list[str]) -> None:
    php = require_program("php")
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        rendered = [render(base(), Target.MEDIAWIKI, inline(value)) for value in passwords]
        results = php_eval(php, folder, rendered)
    assert [variables["wgSMTP"]["password"] for variables in results] == passwords


def test_file_mode_keeps_the_password_out_of_the_block(php: str, tmp_path: Path) -> None:
    path = tmp_path / "smtp-password.php"
    rendered = render(base(), Target.MEDIAWIKI, RenderOptions(
        password_mode=PasswordMode.FILE, password="x'?>y", secrets_path=str(path)))
    assert rendered.secrets_file is not None
    assert rendered.secrets_file[0] == str(path)
    assert rendered.secrets_file[1].startswith("<?php\n")
    assert f"require {php_string(str(path))};" in rendered.snippet
    assert "x'?>y" not in rendered.snippet and php_string("x'?>y") not in rendered.snippet


# --- Refusals -------------------------------------------------------------------------


@pytest.mark.parametrize(("settings_", "target", "options", "words"), [
    (base(), Target.MEDIAWIKI, RenderOptions(password_mode=PasswordMode.KEYRING), "keyring"),
    (base(), Target.MEDIAWIKI, RenderOptions(password_mode=PasswordMode.INLINE), "password"),
    (base(), Target.DJANGO, RenderOptions(password_mode=PasswordMode.FILE, password="x",
                                          secrets_path="relative/pw"), "absolute path"),
    (base(), Target.SMTPLIB, RenderOptions(password_mode=PasswordMode.ENV,
                                           env_var="SMTP-PASSWORD"), "environment variable"),
    (base(security=Security.NONE, port=25), Target.DJANGO, inline(), "clear text"),
    (base(security=Security.NONE, port=25), Target.SMTPLIB, inline(), "clear text"),
    (base(security=Security.NONE, port=25), Target.MOINMOIN, inline(), "clear text"),
    (base(), Target.DJANGO, inline("pässword"), "ASCII"),
    (base(username="wïki"), Target.SMTPLIB, RenderOptions(PasswordMode.ENV), "ASCII"),
    (base(security=Security.TLS, port=465), Target.MOINMOIN, inline(), "STARTTLS port"),
    (base(host="2001:db8::1"), Target.MOINMOIN, inline(), "IPv6"),
    (base(sender=""), Target.MOINMOIN, inline(), "mail_from"),
    (base(), Target.MOINMOIN, inline("two words", moinmoin_version="1.9"), "space"),
    (base(username="a b"), Target.MOINMOIN,
     RenderOptions(PasswordMode.ENV, moinmoin_version="1.9"), "space"),
    (base(), Target.MOINMOIN, RenderOptions(PasswordMode.KEYRING, moinmoin_version="1.9"),
     "Python 2"),
    (base(), Target.MOINMOIN, inline(moinmoin_version="3"), "version"),
    (base(), Target.MEDIAWIKI, inline("line\nbreak"), "line break"),
    (base(), Target.DJANGO, inline("carriage\rreturn"), "line break"),
    (base(), Target.MEDIAWIKI, inline("nul\x00byte"), "NUL"),
])
def test_refusals_say_why_and_never_show_the_password(
        settings_: Settings, target: Target, options: RenderOptions, words: str) -> None:
    with pytest.raises(RenderError) as caught:
        render(settings_, target, options)
    assert words in caught.value.message
    if options.password and len(options.password) > 2:
        assert options.password not in str(caught.value)


def test_no_password_mode_needed_without_auth() -> None:
    for target in (Target.MEDIAWIKI, Target.DJANGO, Target.SMTPLIB, Target.MOINMOIN):
        rendered = render(base(auth=False, username=""), target,
                          RenderOptions(password_mode=PasswordMode.FILE))
        assert rendered.secrets_file is None


def test_repr_never_holds_the_password() -> None:
    options = inline("hunter2-secret")
    rendered = render(base(), Target.MEDIAWIKI, options)
    assert "hunter2-secret" in rendered.snippet
    assert "hunter2-secret" not in repr(rendered)
    assert "hunter2-secret" not in repr(options)
    file_mode = render(base(), Target.DJANGO, RenderOptions(
        PasswordMode.FILE, password="hunter2-secret", secrets_path="/etc/pw"))
    assert "hunter2-secret" not in repr(file_mode)


# --- Python targets -------------------------------------------------------------------


def run_django(snippet: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        exec(compile(snippet, "email_settings.py", "exec"), namespace)
    finally:
        os.environ.clear()
        os.environ.update(old)
    return {key: value for key, value in namespace.items() if key.isupper()}


@pytest.mark.parametrize("value", ASCII_HOSTILE)
def test_hostile_values_round_trip_in_python_targets(value: str, tmp_path: Path) -> None:
    settings_ = base(username=user_name(value))
    user = settings_.username
    django = run_django(render(settings_, Target.DJANGO, inline(value)).snippet)
    assert (django["EMAIL_HOST_USER"], django["EMAIL_HOST_PASSWORD"]) == (user, value)

    module = render(settings_, Target.SMTPLIB, inline(value)).snippet
    namespace: dict[str, Any] = {}
    exec(compile(module, "wiki_mail.py", "exec"), namespace)
    assert (namespace["USERNAME"], namespace["PASSWORD"]) == (user, value)

    moin = moin_values(render(settings_, Target.MOINMOIN, inline(value)).snippet)
    assert (moin["mail_username"], moin["mail_password"]) == (user, value)

    secrets = str(tmp_path / "pw")
    rendered = render(settings_, Target.DJANGO, RenderOptions(
        PasswordMode.FILE, password=value, secrets_path=secrets))
    assert rendered.secrets_file is not None
    Path(secrets).write_text(rendered.secrets_file[1], encoding="utf-8")
    assert run_django(rendered.snippet)["EMAIL_HOST_PASSWORD"] == value


def test_django_settings() -> None:
    starttls = run_django(render(base(timeout=7.5), Target.DJANGO, inline()).snippet)
    assert starttls == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": 587,
        "EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False,
        "EMAIL_HOST_USER": "wiki@example.org", "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_TIMEOUT": 7.5,
        "DEFAULT_FROM_EMAIL": "wiki@example.org", "SERVER_EMAIL": "wiki@example.org",
    }
    tls = render(base(host="bücher.example", security=Security.TLS, port=465,
                      ca_file="/srv/ca.pem"), Target.DJANGO, inline())
    values = run_django(tls.snippet)
    assert (values["EMAIL_USE_TLS"], values["EMAIL_USE_SSL"]) == (False, True)
    assert values["EMAIL_HOST"] == "xn--bcher-kva.example"
    # The CA goes in through SSL_CERT_FILE, never through EMAIL_SSL_CERTFILE.
    assert "SSL_CERT_FILE=/srv/ca.pem" in tls.snippet
    assert "EMAIL_SSL_CERTFILE" not in values
    assert "client certificate" in tls.snippet
    plain = run_django(render(base(security=Security.NONE, port=25, auth=False),
                              Target.DJANGO, RenderOptions()).snippet)
    assert (plain["EMAIL_USE_TLS"], plain["EMAIL_USE_SSL"]) == (False, False)
    assert "EMAIL_HOST_PASSWORD" not in plain
    env = render(base(), Target.DJANGO, RenderOptions(PasswordMode.ENV, env_var="DJ_PW"))
    assert run_django(env.snippet, {"DJ_PW": "from-env"})["EMAIL_HOST_PASSWORD"] == "from-env"


def test_keyring_mode_names_the_wizards_entry() -> None:
    settings_ = base(host="bücher.example")
    for target in (Target.DJANGO, Target.SMTPLIB, Target.MOINMOIN):
        snippet = render(settings_, target, RenderOptions(PasswordMode.KEYRING)).snippet
        assert (f"keyring.get_password({service_name(settings_)!r}, "
                f"{settings_.username!r})") in snippet
        assert "smtp-wizard/xn--bcher-kva.example:587" in snippet


def moin_values(snippet: str) -> dict[str, Any]:
    """The literal assignments of a wikiconfig fragment, read with ast (never run)."""
    tree = ast.parse("class Config:\n" + snippet)
    body = tree.body[0]
    assert isinstance(body, ast.ClassDef)
    values = {}
    for node in body.body:
        if isinstance(node, ast.Assign):
            target = node.targets[0]
            assert isinstance(target, ast.Name)
            try:
                values[target.id] = ast.literal_eval(node.value)
            except ValueError:
                values[target.id] = ast.unparse(node.value)
    return values


def test_moinmoin_2_and_1_9() -> None:
    settings_ = base(sender="o'b@example.org")
    moin2 = render(settings_, Target.MOINMOIN, inline("p'w\\x"))
    assert moin_values(moin2.snippet) == {
        "mail_smarthost": "smtp.example.org:587", "mail_from": "o'b@example.org",
        "mail_username": "wiki@example.org", "mail_password": "p'w\\x"}
    assert "silently goes on in clear" in moin2.snippet
    # Class-body lines, ready to paste into "class Config(...)".
    assert all(line.startswith("    ") for line in moin2.snippet.splitlines() if line)

    moin19 = render(settings_, Target.MOINMOIN, inline("p'w\\x", moinmoin_version="1.9"))
    assert moin_values(moin19.snippet) == {
        "mail_smarthost": "smtp.example.org:587", "mail_from": "o'b@example.org",
        "mail_login": "wiki@example.org p'w\\x"}
    # Python 2 reads u'' literals the same way whatever the file's coding line says.
    assert moin19.snippet.isascii()
    assert "mail_login = u" in moin19.snippet
    env19 = render(settings_, Target.MOINMOIN,
                   RenderOptions(PasswordMode.ENV, moinmoin_version="1.9"))
    assert moin_values(env19.snippet)["mail_login"] == (
        "u'wiki@example.org ' + os.environ['SMTP_PASSWORD']")


def test_moinmoin_env_and_file_modes_run(tmp_path: Path) -> None:
    secrets = tmp_path / "pw"
    rendered = render(base(), Target.MOINMOIN, RenderOptions(
        PasswordMode.FILE, password="from file", secrets_path=str(secrets)))
    assert rendered.secrets_file is not None
    secrets.write_text(rendered.secrets_file[1], encoding="utf-8")
    namespace: dict[str, Any] = {}
    exec("class Config:\n" + rendered.snippet, namespace)
    assert namespace["Config"].mail_password == "from file"


@given(PASSWORDS)
def test_python_literals_are_exact_single_lines(value: str) -> None:
    for python2 in (False, True):
        literal = python_string(value, python2=python2)
        assert literal.splitlines() == [literal]
        assert ast.literal_eval(literal) == value
    assert python_string(value, python2=True).isascii()


@settings(max_examples=50)
@given(st.text(st.characters(max_codepoint=127, blacklist_characters="\r\n\x00"),
               min_size=1))
def test_any_ascii_password_round_trips_through_django_settings(value: str) -> None:
    snippet = render(base(), Target.DJANGO, inline(value)).snippet
    assert run_django(snippet)["EMAIL_HOST_PASSWORD"] == value


@given(st.text())
def test_comments_stay_comments(text: str) -> None:
    for line in php_comment(text, "\t"):
        assert line.startswith("\t//")
        assert "?>" not in line and "\n" not in line and "\r" not in line
    for line in python_comment(text):
        assert line.startswith("#")
        assert line.splitlines() == [line]


# --- User text never becomes code: zone IDs, comments, the target's encodings ---------

# PEP 263's own pattern: a comment in a file's first two lines that names its codec.
CODING_LINE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
EXPLOIT = "::1%x coding:utf-7 '+AAo-__import__('os').system('id')+AAo-#"


def import_module(snippet: str, directory: Path) -> types.ModuleType:
    """Import the snippet as Python imports a file: from bytes, coding line and all."""
    path = directory / "email_settings.py"
    path.write_bytes(snippet.encode("utf-8"))
    spec = importlib.util.spec_from_file_location("email_settings", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_zone_id_cannot_carry_code() -> None:
    with pytest.raises(SettingsError) as caught:
        base(host=EXPLOIT)
    assert "zone" in caught.value.message


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.from_regex(r"[A-Za-z0-9_.-]{1,15}", fullmatch=True),
                 st.text(min_size=1, max_size=20)))
@example("0\r")  # white space around a host is dropped, as for every field
def test_any_accepted_host_imports_as_written(zone: str) -> None:
    try:
        settings_ = base(host=f"fe80::1%{zone}")
    except SettingsError:
        return
    rendered = render(settings_, Target.DJANGO, inline())
    for line in rendered.snippet.splitlines()[:2]:
        assert not CODING_LINE.match(line), line
    with tempfile.TemporaryDirectory() as folder:
        module = import_module(rendered.snippet, Path(folder))
    assert module.EMAIL_HOST == settings_.ascii_host == f"fe80::1%{zone}".strip()


@given(st.text())
def test_python_comments_never_declare_an_encoding(text: str) -> None:
    for value in (text, EXPLOIT + text, "vim: set fileencoding=latin-1 :" + text):
        for line in python_comment(value)[:2]:
            assert not CODING_LINE.match(line), line


def test_comments_show_invisible_characters_escaped() -> None:
    [line] = python_comment("smtp.example.org\u202e gro.elpmaxe \u200b")
    assert line == "# smtp.example.org\\u202e gro.elpmaxe \\u200b"
    assert php_comment("a\u2066b") == ["// a\\u2066b"]
    assert python_comment("smtp.bücher.example", python2=True) == [
        "# smtp.b\\xfccher.example"]


@pytest.mark.parametrize("target", [Target.DJANGO, Target.SMTPLIB, Target.MOINMOIN])
def test_unknown_password_gets_the_ascii_rule_and_a_known_one_is_checked(
        target: Target) -> None:
    env = render(base(), target, RenderOptions(PasswordMode.ENV))
    assert "smtp-wizard check --client smtplib" in env.snippet
    assert "smtp-wizard check" not in render(base(), target, inline()).snippet
    with pytest.raises(RenderError, match="ASCII"):
        render(base(), target, RenderOptions(PasswordMode.ENV, password="pässwort"))


def test_international_sender_per_python_target() -> None:
    settings_ = base(sender="jörg@bücher.example")
    module = render(settings_, Target.SMTPLIB, inline()).snippet
    assert "SENDER = 'jörg@xn--bcher-kva.example'" in module and "SMTPUTF8" in module
    for target in (Target.DJANGO, Target.MOINMOIN):
        with pytest.raises(RenderError, match="SMTPUTF8"):
            render(settings_, target, inline())
    # A domain alone is no problem: it is written in its xn-- form.
    django = render(base(sender="wiki@bücher.example"), Target.DJANGO, inline()).snippet
    assert "DEFAULT_FROM_EMAIL = 'wiki@xn--bcher-kva.example'" in django
