"""Layout that fits the terminal an admin has: dialogs at 60x20, the space of 120x40,
a tracker of the steps, titles instead of raw ids, and a Review that shows the snippet
whole with the password's lines named (fake answers)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Input, Label, RadioButton, Static

from tests.support.pilot import in_view, plain_screen, screen_lines
from tests.support.ui_fakes import WALKS, fake_app
from wizard.ui.modals import KEYS_HELP, FallbackModal, HelpModal
from wizard.ui.steps.review import MASK


async def test_dialogs_fit_a_small_terminal_and_scroll() -> None:
    app = fake_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await WALKS["port"](pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        dialog = app.screen.query_one(".dialog")
        assert app.screen.region.contains_region(dialog.region)
        assert dialog.max_scroll_y > 0 and app.focused is dialog
        await pilot.press("pagedown")
        await pilot.pause()
        assert dialog.scroll_y > 0
    app = fake_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await WALKS["keyring-choice"](pilot)
        assert isinstance(app.screen, FallbackModal)
        dialog = app.screen.query_one(".dialog")
        assert app.screen.region.contains_region(dialog.region)


async def test_a_wide_terminal_is_used() -> None:
    """Fields were kept in a 76-column strip whatever the width."""
    app = fake_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await WALKS["host"](pilot)
        assert app.screen.query_one("#host", Input).region.width > 76


async def test_the_title_tracks_the_steps() -> None:
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await WALKS["port"](pilot)
        title = plain_screen(app).splitlines()[0]
        assert "4/7" in title and "✓Start › ✓Host › ✓Prefix ›" in title
        assert "<BR> Port " in title  # the current step, in reverse video
        assert "✓Port" not in title and "Write" in title


async def test_review_names_every_check_once_with_its_title() -> None:
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await WALKS["review"](pilot)
        summary = str(app.screen.query_one("#summary", Static).content)
        names = [line[2:].split("  ")[0] for line in summary.splitlines()[1:]]
        assert names == ["DNS", "Connect", "EHLO", "TLS", "Login", "MAIL FROM", "RCPT TO"]


async def test_review_marks_the_lines_that_hold_the_password() -> None:
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await WALKS["review"](pilot)
        screen = app.screen
        assert str(screen.query_one("#path", Input).placeholder)
        labels = [str(label.content) for label in screen.query(Label)]
        assert any("Write the snippet to" in label for label in labels)
        screen.query_one("#mode-inline", RadioButton).value = True
        await pilot.pause()
        note = str(screen.query_one("#secret-lines", Static).content)
        [number] = [int(word.strip(",.")) for word in note.split() if word.strip(",.").isdigit()]
        preview = screen.query_one("#preview", Static).content
        lines = str(getattr(preview, "code", "")).splitlines()
        assert MASK in lines[number - 1]


def test_the_readme_key_table_is_the_help_screen() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    table = readme[readme.index("| key | what it does |"):].split("\n\n")[0]
    rows = [tuple(cell.strip() for cell in line.strip("|").split("|"))
            for line in table.splitlines()[2:]]
    assert rows == [(key, what[0].lower() + what[1:]) for key, what in KEYS_HELP]


async def test_the_prefix_choices_are_whole_at_60_columns() -> None:
    """The choices' explanations were cut at the edge of a 60-column terminal."""
    app = fake_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await WALKS["protocol"](pilot)
        meanings = app.screen.query_one("#meanings")
        meanings.scroll_visible(animate=False)
        await pilot.pause()
        assert in_view(meanings) and in_view(app.screen.query_one("#prefix"))
        lines = screen_lines(app)[1:]  # the tracker may end in "…" at this width
        shown = " ".join(" ".join(lines).split())
        for end in ("port 587 or 25.", "(implicit TLS); port 465.", "NOT STARTTLS; port 465."):
            assert end in shown
        assert not [line for line in lines if "…" in line]


async def test_without_colour_a_failure_is_not_the_dimmest_row(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """NO_COLOR turns red into a darker grey than green: the failed row was the one the
    eye found last. It is drawn in reverse video now."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await WALKS["failed-login"](pilot)
        shown = plain_screen(app)
        assert re.search(r"<B?R>✗ Login", shown), shown
        assert not re.search(r"<[BRU]*D[BRU]*>✗ Login", shown)


@pytest.mark.parametrize("step", ["host", "port", "sender", "review"])
async def test_placeholders_do_not_look_like_values(step: str) -> None:
    """A placeholder in grey reads as a value once the grey is gone: they say "e.g."."""
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await WALKS[step](pilot)
        examples = [str(field.placeholder) for field in app.screen.query(Input)]
        assert examples and all(text.startswith("e.g. ") for text in examples), examples
