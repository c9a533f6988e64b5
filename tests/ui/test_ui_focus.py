"""Focus you can see, and keys that do what they say, on every step (fake answers).

Each Tab stop must change what a terminal without colour shows (NO_COLOR, a 16-colour
console over SSH): a heavy outline, reverse video, a cursor. The scrolling body of a
step is never a Tab stop: it showed nothing and swallowed what was typed.
"""

from __future__ import annotations

import pytest
from textual.containers import ScrollableContainer, VerticalScroll
from textual.widgets import Checkbox, Input, Static

from tests.support.pilot import plain_screen
from tests.support.ui_fakes import WALKS, fake_app
from wizard.ui.modals import ConfirmModal
from wizard.ui.steps import CredentialsScreen, PortScreen, ReviewScreen, SenderScreen


@pytest.mark.parametrize("step", ["start", "host", "protocol", "port", "credentials",
                                  "sender", "review", "keyring-choice"])
async def test_every_tab_stop_is_visible_without_colour(step: str) -> None:
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await WALKS[step](pilot)
        screen = app.screen
        screen.set_focus(None)
        await pilot.pause()
        unfocused = plain_screen(app)
        seen: list[object] = []
        for _stop in range(20):
            await pilot.press("tab")
            await pilot.pause()
            focused = app.focused
            if focused is None or focused in seen:
                break
            seen.append(focused)
            assert type(focused) not in (VerticalScroll, ScrollableContainer), (
                f"{focused} took the focus")
            assert plain_screen(app) != unfocused, f"focus on {focused} cannot be seen"
        assert seen, "no control can be reached with Tab"


async def test_the_start_menu_has_no_back_and_says_how_to_choose() -> None:
    """The Start step is a menu: a choice goes on by itself, so it has no Back/Next
    buttons (nor a check list or transcript), and Esc says it is the first step."""
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.screen.query("Button")
        assert not app.screen.query("#checks") and not app.screen.query("#transcript")
        assert "arrow keys and Enter" in str(app.screen.query_one("#hint", Static).content)
        await pilot.press("escape")
        await pilot.pause()
        assert "first step" in str(app.screen.query_one("#hint", Static).content)


async def test_checkbox_and_radio_states_are_text() -> None:
    """On and off differ in their characters, not only in colour."""
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await WALKS["sender"](pilot)
        box = app.screen.query_one("#send-test", Checkbox)
        assert "[ ]" in plain_screen(app)
        box.value = True
        await pilot.pause()
        assert "[x]" in plain_screen(app)
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await WALKS["protocol"](pilot)
        shown = plain_screen(app)
        assert "(•)" in shown and "( )" in shown


async def test_enter_walks_the_fields_and_never_skips_one() -> None:
    """Enter in a field goes to the next control; only on the last one it means Next.
    On Sender the test-message checkbox comes after HELO: Enter there must not start
    the check before the user has seen it."""
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await WALKS["sender"](pilot)
        screen = app.screen
        assert isinstance(screen, SenderScreen)
        order = []
        for _field in range(4):
            order.append(app.focused.id if app.focused else None)
            await pilot.press("enter")
            await pilot.pause()
        assert order == ["sender", "contact", "id-host", "helo"]
        assert app.focused is screen.query_one("#send-test", Checkbox)
        assert "sender" not in app.state.results, "Enter in HELO skipped the checkbox"
        await pilot.press("space")  # Space toggles, Enter does not
        await pilot.pause()
        assert screen.query_one("#send-test", Checkbox).value
        await pilot.press("enter")  # the last control: Next, which runs the check
        await pilot.pause()
        await pilot.pause()
        assert "sender" in app.state.results


async def test_enter_takes_the_choice_on_protocol_and_port() -> None:
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await WALKS["protocol"](pilot)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, PortScreen)
        await pilot.pause(0.2)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CredentialsScreen)
        # Enter in the user name goes to the password, not to the server.
        app.screen.query_one("#username", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is app.screen.query_one("#password", Input)


async def test_enter_in_the_review_path_leads_to_the_write_button() -> None:
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await WALKS["review"](pilot)
        assert isinstance(app.screen, ReviewScreen)
        app.screen.query_one("#path", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is app.screen.query_one("#write")
        assert not isinstance(app.screen, ConfirmModal)
