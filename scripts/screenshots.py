"""Write screenshots/01-start.svg ... 09-rotate.svg from the real app in demo mode.

Run from the repository root: `python scripts/screenshots.py`. The demo servers use
random ports, so the pictures show them; the demo password is typed into a masked field.
The doctor and rotation pictures use a throw-away LocalSettings.php whose (old) password
the demo server refuses; nothing is written to it.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.widgets import Input  # noqa: E402

from wizard.demo.sandbox import DEMO_PASSWORD, DEMO_USER, DemoServers, demo_servers  # noqa: E402
from wizard.ui.app import WizardApp, make_app  # noqa: E402
from wizard.ui.prefill import load_localsettings  # noqa: E402
from wizard.ui.state import Mode, Services, WizardState  # noqa: E402

OUT = ROOT / "screenshots"
SIZE = (80, 24)


DEMO_WIKI = """<?php
$wgSitename = "Demo wiki";
$wgServer = "https://wiki.example.org";
$wgEmergencyContact = "{user}";
$wgSMTP = [
    'host'     => '127.0.0.1',
    'port'     => {port},
    'auth'     => true,
    'username' => '{user}',
    'password' => 'old-password',
    'timeout'  => 5,
];
"""


def demo_app(servers: DemoServers, folder: Path, mode: Mode = Mode.NEW) -> WizardApp:
    """The wizard on the demo servers; doctor and rotation start on a demo wiki."""
    state = WizardState(mode=mode)
    state.use_demo(servers)
    skip_start = mode is not Mode.NEW
    if skip_start:
        wiki = folder / mode / "LocalSettings.php"
        wiki.parent.mkdir()
        wiki.write_text(DEMO_WIKI.format(user=DEMO_USER, port=servers.starttls_port))
        load_localsettings(state, wiki, folder)
    services = Services(keyring_backend=servers.keyring_backend(),
                        cryptfile_path=folder / "keyring.cfg")
    app = make_app(state, services, cursor_blink=False, skip_start=skip_start)
    app.animation_level = "none"
    return app


async def settle(app: WizardApp) -> None:
    busy = [w for w in app.workers if w.group != "flow" and not w.is_finished]
    await asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)
    await asyncio.sleep(0.3)


async def shot(app: WizardApp, name: str) -> None:
    await settle(app)
    app.save_screenshot(f"{name}.svg", str(OUT))


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as name, demo_servers(Path(name)) as servers:
        folder = Path(name)
        await new_setup(demo_app(servers, folder))
        app = demo_app(servers, folder, Mode.DOCTOR)
        async with app.run_test(size=SIZE):
            await shot(app, "08-doctor")
        app = demo_app(servers, folder, Mode.ROTATE)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("enter")  # the demo wiki's path is filled in
            await pilot.pause()
            await pilot.press(*DEMO_PASSWORD, "enter")
            await settle(app)
            await pilot.press("ctrl+n")
            await shot(app, "09-rotate")
    print("\n".join(sorted(str(p.relative_to(ROOT)) for p in OUT.glob("*.svg"))))


async def new_setup(app: WizardApp) -> None:
    """01 to 07: the new-setup path, step by step."""
    async with app.run_test(size=SIZE) as pilot:
        await shot(app, "01-start")
        await pilot.press("enter")
        await shot(app, "02-host")
        await pilot.press("enter")
        await shot(app, "03-protocol")
        await pilot.press("ctrl+n")
        await shot(app, "04-port")
        await pilot.press("ctrl+n")
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


if __name__ == "__main__":
    asyncio.run(main())
