"""Translations: every message translated, placeholders kept, the shipped .mo current,
the language chosen as gettext programs choose it, and text measured in terminal cells.

The catalogue checks extract the messages from the source with Babel, as
`scripts/i18n.py` does: a new English sentence without its translation fails here.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.catalog import Catalog

from tests.support.common import cli
from wizard.cli import main
from wizard.cli.output import report_text
from wizard.model.cells import cell_width, wrap_cells
from wizard.model.diagnosis import diagnose
from wizard.model.i18n import (
    N_,
    _,
    available_languages,
    current_language,
    language_from_env,
    ngettext,
    set_language,
)
from wizard.model.report import Report, Status, Step

ROOT = Path(__file__).parents[2]
PO = ROOT / "wizard" / "locale" / "zh_CN" / "LC_MESSAGES" / "smtp-wizard.po"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


script = _load_script()


@pytest.fixture
def chinese() -> Iterator[None]:
    set_language("zh_CN")
    yield
    set_language("en")


@pytest.fixture(scope="module")
def template() -> Catalog:
    catalog: Catalog = script.extract()
    return catalog


# -- the catalogue ------------------------------------------------------------------------


def test_every_message_of_the_source_is_translated(template: Catalog) -> None:
    """Fails on a new or changed English text without its translation, a translation
    whose placeholders differ from the English, and one that lost a `code` span: run
    `python3 scripts/i18n.py update`, translate, `compile`."""
    assert len(template) > 1000
    problems = list(script.problems(script.read(PO), template))
    assert not problems, "\n".join(problems)


def test_the_shipped_mo_is_compiled_from_the_po() -> None:
    assert PO.with_suffix(".mo").read_bytes() == script.mo_bytes(script.read(PO)), \
        "run python3 scripts/i18n.py compile"


def test_the_check_catches_a_missing_a_wrong_and_a_stale_translation() -> None:
    template = Catalog()
    template.add("Connected to port {port}.")
    template.add("Run `smtp-wizard doctor`.")
    template.add("New sentence.")
    catalog = Catalog(locale="zh_CN")
    catalog.add("Connected to port {port}.", "已连接到端口 {prot}。")
    catalog.add("Run `smtp-wizard doctor`.", "运行 `smtp-wizard 诊断`。")
    catalog.add("Gone sentence.", "已删除。")
    found = "\n".join(script.problems(catalog, template))
    assert "placeholders differ: 'Connected to port {port}.'" in found
    assert "code changed: 'Run `smtp-wizard doctor`.'" in found
    assert "not in the catalogue (run update): 'New sentence.'" in found
    assert "no longer in the source (run update): 'Gone sentence.'" in found


def test_placeholders_are_compared_with_their_format() -> None:
    assert script.fields("{port:d} and {0} and {{literal}} {name!r}") == \
        {"{port:d}", "{0}", "{name!r}"}
    assert script.fields("a lone { brace") == set()


def test_the_catalogue_is_a_babel_catalogue_of_simplified_chinese() -> None:
    catalog = script.read(PO)
    assert str(catalog.locale) == "zh_Hans_CN"
    assert catalog.plural_forms == "nplurals=1; plural=0;"
    # Written by the script in its canonical form: `update` leaves it as it is.
    assert script.po_bytes(catalog) == PO.read_bytes()


def _import_time_calls(path: Path) -> Iterator[str]:
    """`_()` or `ngettext()` evaluated when the module is imported: in a module or class
    body, a default value or a decorator."""

    def visit(node: ast.AST, in_function: bool) -> Iterator[str]:
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "ngettext") and not in_function):
            yield f"{path.relative_to(ROOT)}:{node.lineno}"
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            for default in [*arguments.defaults, *filter(None, arguments.kw_defaults)]:
                yield from visit(default, in_function)
            for decorator in getattr(node, "decorator_list", []):
                yield from visit(decorator, in_function)
            body = node.body if isinstance(node.body, list) else [node.body]
            for statement in body:
                yield from visit(statement, True)
            return
        for child in ast.iter_child_nodes(node):
            yield from visit(child, in_function)

    yield from visit(ast.parse(path.read_text()), False)


def test_no_text_is_translated_when_its_module_is_imported() -> None:
    """A module-level `_()` runs before `--lang` is applied (and the tests switch
    languages): mark it with `N_()` and call `_()` where it is shown."""
    found = [call for path in sorted((ROOT / "wizard").rglob("*.py"))
             for call in _import_time_calls(path)]
    assert not found, "use N_() here and _() where shown: " + ", ".join(found)


# -- choosing the language -----------------------------------------------------------------


@pytest.mark.parametrize("environ, language", [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
    ({"LANG": "zh_CN.GB18030"}, "zh_CN"),
    ({"LANG": "zh_SG.UTF-8"}, "zh_CN"),
    ({"LANG": "zh"}, "zh_CN"),
    ({"LANG": "zh_TW.UTF-8"}, "en"),  # Traditional Chinese: no catalogue
    ({"LANG": "de_DE.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "C"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh_CN"),
    ({"LC_MESSAGES": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh_CN"),
    ({"LC_ALL": "POSIX", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LANGUAGE": "zh_CN", "LANG": "en_US.UTF-8"}, "zh_CN"),
    ({"LANGUAGE": "fr:zh_CN:en", "LANG": "C"}, "zh_CN"),
    ({"LANGUAGE": "en:zh_CN", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LANGUAGE": "", "LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh_CN"),
])
def test_the_language_comes_from_the_first_variable_set(environ: dict[str, str],
                                                        language: str) -> None:
    assert language_from_env(environ) == language


def test_a_text_is_translated_in_the_language_of_the_moment() -> None:
    """`_` is looked up at each call: a name imported before the choice follows it."""
    marked = N_("Next")
    set_language("zh_CN")
    try:
        assert current_language() == "zh_CN"
        assert _(marked) == "下一步"
        assert ngettext("{n} thing to fix so far. ", "{n} things to fix so far. ", 3
                        ).format(n=3).startswith("目前有 3 个")
    finally:
        set_language("en")
    assert _(marked) == "Next"
    assert available_languages() == ["en", "zh_CN"]
    with pytest.raises(LookupError):
        set_language("fr_FR")


# -- the command line ----------------------------------------------------------------------


def test_lang_option_translates_help_and_output(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--lang", "zh_CN", "explain", "--help"])
    out = capsys.readouterr().out
    # argparse's own headings too.
    assert out.startswith("用法：smtp-wizard explain")
    assert "位置参数:" in out and "选项:" in out and "显示本帮助信息并退出" in out
    assert "这条错误消息是什么意思" not in out  # that is the list's line, not this page's
    assert "说明 wiki 邮件的错误信息是什么意思" in out
    try:
        assert main(["explain", "--lang", "zh_CN", "Error sending mail: Failed to connect "
                     "to ssl://smtp.example.org:587 [SMTP: Failed to connect socket: "
                     "Connection refused (code: -1, response: )]"]) == 0
    finally:
        set_language("en")
    out = capsys.readouterr().out
    assert "原因：" in out and "解决：" in out and "[tcp-refused]" in out
    # The third-party text is quoted as it was, never translated.
    assert "匹配：Connection refused" in out
    assert all(cell_width(line) <= 78 for line in out.splitlines()), out


def test_lang_option_overrides_the_environment(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LANGUAGE", "zh_CN")
    try:
        assert main(["--lang", "en", "providers", "qq.com"]) == 0
        english = capsys.readouterr().out
        assert main(["providers", "qq.com"]) == 0
        chinese = capsys.readouterr().out
    finally:
        set_language("en")
    assert "  Preset “QQ Mail (QQ邮箱)” (qq)" in english
    assert "16-character authorisation code (授权码)" in english
    # The provider's notes are data (providers.toml), translated too.
    assert "  预设“QQ Mail (QQ邮箱)”（qq）" in chinese
    assert "    说明：     密码是 16 位的授权码，而不是 QQ 密码" in chinese
    assert "    SMTP：     ssl://smtp.qq.com 端口 465" in chinese


def test_lang_option_after_a_nested_command(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "oauth.toml"
    try:
        assert main(["token", "status", "--lang", "zh_CN", "--config", str(missing)]) != 0
    finally:
        set_language("en")
    assert f"令牌配置 {missing} 不存在" in capsys.readouterr().err


def test_an_unknown_language_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "xx\x1b[31m", "providers"]) == 2
    err = capsys.readouterr().err
    assert "en, zh_CN" in err and "\x1b" not in err


def test_the_environment_chooses_the_language_of_a_run() -> None:
    """As a user runs it: LANG=zh_CN.UTF-8 and the installed catalogue; JSON keeps its
    codes and keys and translates its sentences."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "zh_CN.UTF-8"}
    shown = cli("check", "--help", env=env)
    assert shown.returncode == 0
    assert shown.stdout.startswith("用法：") and "按目标软件的使用方式实时测试 SMTP 设置" \
        in shown.stdout
    explained = cli("explain", "--json", "535 5.7.8 Authentication credentials invalid",
                    env=env)
    finding = json.loads(explained.stdout)["findings"][0]
    assert finding["code"] == "auth-failed" and finding["topic"] == "auth"
    assert finding["says"] == "服务器拒绝了用户名或密码。"
    assert finding["diagnosis"]["fix"] == "请检查用户名（通常是完整的邮件地址）和密码。"
    # The server's own words stay as they were.
    assert finding["diagnosis"]["cause"].endswith("535 5.7.8 Authentication credentials invalid")
    english = cli("explain", "--json", "535 5.7.8 Authentication credentials invalid",
                  env={**env, "LANGUAGE": "en"})
    assert json.loads(english.stdout)["findings"][0]["diagnosis"]["fix"].startswith(
        "Check the user name")


# -- terminal cells ------------------------------------------------------------------------


def test_cells_count_two_for_a_chinese_character() -> None:
    assert cell_width("端口 587") == 8
    assert cell_width("ＳＭＴＰ") == 8
    assert cell_width("e\u0301") == 1  # a combining accent takes none


def test_chinese_is_wrapped_in_cells_between_characters() -> None:
    text = ("服务器拒绝了 wiki@example.org 的登录（535 5.7.8 Authentication credentials "
            "invalid）。请检查用户名和密码；QQ 邮箱和 163 邮箱需要使用授权码，而不是账户密码。")
    lines = wrap_cells(text, 40, initial_indent="  原因：", subsequent_indent="        ")
    assert all(cell_width(line) <= 40 for line in lines)
    assert "".join(line.strip() for line in lines).replace(" ", "") == \
        ("原因：" + text).replace(" ", "")
    # Closing punctuation never starts a line, nor does an opening one end it.
    assert not any(line.strip()[0] in "，。；）" for line in lines)
    assert not any(line.rstrip().endswith("（") for line in lines)
    assert "wiki@example.org" in "\n".join(lines)  # a word is not cut


def test_english_is_wrapped_as_textwrap_wraps_it() -> None:
    text = ("The server refused the login of wiki@example.org: check the user name and "
            "the password, and whether the account may send over SMTP at all.")
    for width in (30, 50, 78):
        assert wrap_cells(text, width, initial_indent="    ", subsequent_indent="  ") == \
            textwrap.wrap(text, width, initial_indent="    ", subsequent_indent="  ")


def test_a_chinese_report_fits_78_columns(chinese: None) -> None:
    failed = diagnose("auth-failed", reply="535 5.7.8 Authentication credentials invalid")
    report = Report("check", {}, (
        Step("dns", Status.OK, _("{host} has the address {addresses}.").format(
            host="smtp.qq.com", addresses="203.0.113.5")),
        Step("auth", Status.FAIL, _("The server rejected the login of {user}.").format(
            user="wiki@qq.com"), diagnosis=failed)))
    text = report_text(report)
    assert "原因：" in text and "[auth-failed]" in text
    assert all(cell_width(line) <= 78 for line in text.splitlines()), text
    # The cause's continuation lines line up under its first word, in cells.
    lines = text.splitlines()
    cause = next(index for index, line in enumerate(lines) if "原因：" in line)
    first = lines[cause].index("原因：") + len("原因：")
    assert lines[cause + 1].startswith(" " * cell_width(lines[cause][:first]))


def test_json_keeps_its_codes_and_translates_its_sentences(chinese: None) -> None:
    failed = diagnose("tls-expired", subject="smtp.qq.com", not_after="2024-01-01",
                      seen_as="")
    step = Step("tls", Status.FAIL, _("The TLS handshake failed."), diagnosis=failed)
    shown = json.loads(json.dumps(Report("check", {}, (step,)).to_dict()))["steps"][0]
    assert shown["id"] == "tls" and shown["status"] == "fail"
    assert shown["summary"] == "TLS 握手失败。"
    assert shown["diagnosis"] == {
        "code": "tls-expired", "cause": "服务器为 smtp.qq.com 提供的证书已于 2024-01-01 过期。",
        "fix": "服务器管理员必须为证书续期。"}


# -- the Chinese README --------------------------------------------------------------------


def _command_after(readme: str, title: str) -> str:
    """The one command in the ```sh block after "**<title>**"."""
    rest = readme[readme.index(f"**{title}**"):]
    return rest.split("```sh\n", 1)[1].split("\n```", 1)[0]


def test_the_chinese_readme_has_the_same_two_commands_and_is_linked() -> None:
    english = (ROOT / "README.md").read_text()
    chinese = (ROOT / "README.zh-CN.md").read_text()
    assert _command_after(chinese, "试用") == _command_after(english, "Try it")
    assert _command_after(chinese, "测试") == _command_after(english, "Test it")
    assert "[简体中文](README.zh-CN.md)" in english.split("\n\n")[1]
    for picture in ("screenshots/zh-CN-doctor.svg",):
        assert picture in chinese and (ROOT / picture).is_file()


def test_a_chinese_comment_in_a_snippet_is_wrapped_in_cells(chinese: None) -> None:
    from wizard.render.literals import COMMENT_WIDTH, php_comment

    text = _("SMTP password for $wgSMTP, written by smtp-wizard. Only the accounts that run "
             "the wiki's PHP (the web server, the job runner) may read this file.")
    lines = php_comment(text)
    assert len(lines) > 1 and all(line.startswith("// ") for line in lines)
    assert all(cell_width(line) <= COMMENT_WIDTH for line in lines), lines
