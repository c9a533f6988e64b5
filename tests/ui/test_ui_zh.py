"""The wizard in Simplified Chinese at 80x24: each step, a failed login, the help and
the doctor (pytest-textual-snapshot, fixed answers).

A Chinese character takes two cells: these pictures show that labels, tables, dialogs
and the footer still fit, and that a sentence breaks between characters rather than
leaving a gap before the first one that does not fit. Update on purpose with
`pytest tests/ui/test_ui_zh.py --snapshot-update`, and look at the new SVGs (convert
them with rsvg-convert; a CJK font must be installed) before committing them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests.support.ui_fakes import FAKE_HOST, WALKS, WRONG_PASSWORD, fake_services
from wizard.model.diagnosis import diagnose
from wizard.model.i18n import _, set_language
from wizard.model.report import Report, Status, Step
from wizard.model.settings import Settings
from wizard.smtp.check import CheckOptions
from wizard.ui.app import WizardApp, make_app
from wizard.ui.state import Mode, Services, WizardState

SIZE = (80, 24)
_ADDRESS = "192.0.2.10"


@pytest.fixture(autouse=True)
def chinese() -> Iterator[None]:
    set_language("zh_CN")
    yield
    set_language("en")


def _summary(step_id: str, settings: Settings) -> str:
    """What the real check says for each step, in the language of the moment."""
    return {
        "dns": lambda: _("{host} has the address {addresses}.").format(
            host=FAKE_HOST, addresses=_ADDRESS),
        "connect": lambda: _("Connected to port {port}; the server greets.").format(
            port=settings.port),
        "tls": lambda: _("{how}: {version}, certificate verified.").format(
            how="STARTTLS", version="TLSv1.3"),
        "ehlo": lambda: _("EHLO {helo} accepted.").format(helo="localhost"),
        "auth": lambda: _("Logged in as {user} with {mechanism}.").format(
            user=settings.username, mechanism="LOGIN"),
        "sender": lambda: _("The server accepts {sender} as sender.").format(
            sender=settings.sender or settings.username),
        "recipient": lambda: _("The server accepts mail for {rcpt}.").format(
            rcpt=settings.username),
    }.get(step_id, lambda: step_id)()


async def _check_in_chinese(settings: Settings, password: str | None, options: CheckOptions,
                            *, on_progress: Callable[[str, Step | None], None] | None = None,
                            on_line: object = None) -> Report:
    """The UI fakes' check, its English sentences replaced by the real ones."""
    report = await fake_services().check(settings, password, options, on_line=on_line)
    steps = []
    for step in report.steps:
        if password == WRONG_PASSWORD and step.id == "auth":
            step = dataclasses.replace(step, summary=_(
                "The server rejected the login of {user}.").format(user=settings.username))
        else:
            step = dataclasses.replace(step, summary=_summary(step.id, settings))
        steps.append(step)
        if on_progress is not None:
            on_progress(step.id, step)
    return dataclasses.replace(report, steps=tuple(steps))


def _services() -> Services:
    return dataclasses.replace(fake_services(), check=_check_in_chinese)


def _app(state: WizardState, *, skip_start: bool = False) -> WizardApp:
    app = make_app(state, _services(), cursor_blink=False, skip_start=skip_start)
    app.animation_level = "none"
    return app


@pytest.mark.parametrize("step", list(WALKS))
def test_step(step: str, snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(_app(WizardState()), run_before=WALKS[step], terminal_size=SIZE)


WIKI = Path("/var/www/wiki/LocalSettings.php")


def doctor_report() -> Report:
    """The doctor's findings on a wiki that logs in to QQ Mail with its account password:
    fixed, so the picture does not depend on this machine's PHP or accounts."""
    refused = diagnose("auth-authorization-code", provider="QQ 邮箱",
                       reply="535 Login Fail. Please enter your authorization code to login.")
    no_timeout = diagnose("smtp-timeout-unset")
    steps = (
        Step("wiki.localsettings", Status.OK, _("Read {path}.").format(path=WIKI)),
        Step("wiki.email", Status.OK, _("E-mail is switched on ($wgEnableEmail).")),
        Step("wiki.smtp", Status.OK, _(
            "$wgSMTP (line {line}) sends through {host} port {port}, {auth}.").format(
            line=31, host="ssl://smtp.qq.com", port=465,
            auth=_("login as {user}").format(user="wiki@qq.com"))),
        Step("wiki.timeout", Status.WARN, _("$wgSMTP has no 'timeout'."),
             diagnosis=no_timeout),
        Step("wiki.sender", Status.OK, _("$wgPasswordSender is {address}.").format(
            address="wiki@qq.com")),
        Step("php.binary", Status.OK, _("PHP {version} ({php}).").format(
            version="8.2.29", php="/usr/bin/php")),
        Step("php.openssl", Status.OK, _("The openssl extension is loaded ({version}).")
             .format(version="OpenSSL 3.0.17")),
        Step("system.selinux", Status.OK, _("SELinux is not in use.")),
        Step("smtp.dns", Status.OK, _("{host} has the address {addresses}.").format(
            host="smtp.qq.com", addresses="203.0.113.25")),
        Step("smtp.connect", Status.OK, _("Connected to port {port}.").format(port=465)),
        Step("smtp.auth", Status.FAIL, _("The server rejected the login of {user}.").format(
            user="wiki@qq.com"), diagnosis=refused),
    )
    return Report("doctor", {}, steps)


async def _doctor_top(pilot: Pilot[int]) -> None:
    await pilot.pause()
    await pilot.pause()


async def _doctor_failure(pilot: Pilot[int]) -> None:
    """Scrolled down to the failed login and its diagnosis, as PgDn does."""
    await _doctor_top(pilot)
    await pilot.press("pagedown", "pagedown")
    await pilot.pause()


@pytest.mark.parametrize("walk", [_doctor_top, _doctor_failure], ids=["top", "failure"])
def test_doctor(walk: Callable[[Pilot[int]], Awaitable[None]],
                snap_compare: Callable[..., bool]) -> None:
    state = WizardState(mode=Mode.DOCTOR)
    state.localsettings = WIKI
    state.doctor = doctor_report()
    assert snap_compare(_app(state, skip_start=True), run_before=walk, terminal_size=SIZE)


async def test_the_footer_and_the_steps_follow_the_language_chosen_after_import() -> None:
    """Key bindings are made when the UI's modules are imported (in English here, long
    before this test chose Chinese): the footer translates them when it draws them."""
    app = _app(WizardState())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        footer = " ".join(str(key.render()) for key in app.screen.query("FooterKey"))
        assert "下一步" in footer and "退出" in footer and "Quit" not in footer
        title = str(app.screen.query_one("#step-title", Static).render())
        assert "开始" in title and "主机" in title


def test_chinese_lines_break_between_characters_and_english_as_before() -> None:
    from rich._wrap import divide_line as rich_divide

    from wizard.model.cells import cell_width
    from wizard.ui.linebreak import divide_line

    text = "本向导帮助您让 wiki 的外发邮件正常工作。每一项输入都会针对真实服务器进行实时测试。"
    breaks = divide_line(text, 30)
    lines = [text[start:end] for start, end in zip([0, *breaks], [*breaks, len(text)],
                                                     strict=True)]
    assert all(cell_width(line.rstrip()) <= 30 for line in lines)
    # No gap after "wiki ": the first line is full, not cut before the long Chinese run.
    assert cell_width(lines[0].rstrip()) >= 28, lines
    assert not any(line[0] in "，。" for line in lines[1:])
    english = "Every answer is tested live against the real server; nothing is written."
    assert divide_line(english, 30) == rich_divide(english, 30)
