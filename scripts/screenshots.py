"""Write screenshots/*.svg from the real app in demo mode, at 80x24.

Run from the repository root: `python scripts/screenshots.py`. The demo servers use
random ports, so the pictures show them; the demo password is typed into a masked field.
The doctor and rotation pictures use the demo's own throw-away wiki, whose (old)
password the demo server refuses; nothing is written to it. Beside the seven steps:
a failed check with its diagnosis, the port table while it probes, and a 16-colour
terminal (TERM=linux) showing that failure.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.widgets import Input  # noqa: E402

from wizard.demo.sandbox import DEMO_PASSWORD  # noqa: E402
from wizard.ui.app import WizardApp, make_app  # noqa: E402
from wizard.ui.demo import demo_session  # noqa: E402
from wizard.ui.state import Mode, Services, WizardState  # noqa: E402

OUT = ROOT / "screenshots"
SIZE = (80, 24)


def demo_app(state: WizardState, services: Services) -> WizardApp:
    app = make_app(state, services, cursor_blink=False, skip_start=state.mode is not Mode.NEW)
    app.animation_level = "none"
    return app


async def settle(app: WizardApp) -> None:
    busy = [w for w in app.workers if w.group != "flow" and not w.is_finished]
    await asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)
    await asyncio.sleep(0.3)


async def shot(app: WizardApp, name: str, *, wait: bool = True) -> None:
    if wait:
        await settle(app)
    app.save_screenshot(f"{name}.svg", str(OUT))


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    with demo_session(Mode.NEW) as (state, services):
        await new_setup(demo_app(state, services))
    with demo_session(Mode.NEW) as (state, services):
        await failures(demo_app(state, services))
    with demo_session(Mode.DOCTOR) as (state, services):
        app = demo_app(state, services)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app)
            await pilot.press("ctrl+n")  # the live part, once asked for
            await shot(app, "08-doctor")
    with demo_session(Mode.ROTATE) as (state, services):
        app = demo_app(state, services)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("enter")  # the demo wiki's path is filled in: read it
            await shot(app, "09-wiki")
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press(*DEMO_PASSWORD, "enter")
            await settle(app)
            await pilot.press("ctrl+n")
            await shot(app, "10-rotate")
    print("\n".join(sorted(str(p.relative_to(ROOT)) for p in OUT.glob("*.svg"))))


async def new_setup(app: WizardApp) -> None:
    """01 to 07: the new-setup path, step by step, with Enter."""
    async with app.run_test(size=SIZE) as pilot:
        await shot(app, "01-start")
        await pilot.press("enter")
        await shot(app, "02-host")
        await pilot.press("enter")
        await shot(app, "03-protocol")
        await pilot.press("enter")
        await shot(app, "04-port")
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("#password", Input).focus()
        await pilot.press(*DEMO_PASSWORD, "enter")
        await settle(app)
        await pilot.press("escape")  # the demo has no keyring: do not store
        await shot(app, "05-credentials")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("ctrl+n")
        await shot(app, "06-sender")
        await pilot.press("ctrl+n")
        await pilot.pause()
        app.screen.query_one("#path", Input).value = "/srv/wiki/smtp_settings.php"
        await shot(app, "07-review")


async def failures(app: WizardApp) -> None:
    """11: the port table while a silent port keeps it waiting; 12: a wrong password
    with its diagnosis; 13: the same in a 16-colour terminal."""
    with socket.socket() as silent:
        # Accepted by the kernel, never answered: the probe waits for a greeting.
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        app.state.candidate_ports = (*app.state.candidate_ports, silent.getsockname()[1])
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("enter")
            await settle(app)
            await pilot.press("enter")
            await asyncio.sleep(0.6)
            await shot(app, "11-port-probing", wait=False)
            await settle(app)
            await pilot.press("enter")
            await pilot.pause()
            app.screen.query_one("#password", Input).focus()
            await pilot.press(*"wrong-password", "enter")
            await settle(app)
            await shot(app, "12-failed-login")
            app.theme = "ansi-dark"  # what TERM=linux gets
            await shot(app, "13-sixteen-colours")


if __name__ == "__main__":
    asyncio.run(main())
