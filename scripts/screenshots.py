"""Write screenshots/01-start.svg ... 07-review.svg from the real app in demo mode.

Run from the repository root: `python scripts/screenshots.py`. The demo servers use
random ports, so the pictures show them; the demo password is typed into a masked field.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.widgets import Input  # noqa: E402

from wizard.demo import DEMO_PASSWORD, demo_servers  # noqa: E402
from wizard.ui.app import make_app  # noqa: E402
from wizard.ui.state import Services, WizardState  # noqa: E402

OUT = ROOT / "screenshots"
SIZE = (80, 24)


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, demo_servers(Path(folder)) as servers:
        state = WizardState()
        servers.configure(state)
        services = Services(keyring_backend=servers.keyring_backend(),
                            cryptfile_path=Path(folder) / "keyring.cfg")
        app = make_app(state, services, cursor_blink=False)
        app.animation_level = "none"
        async with app.run_test(size=SIZE) as pilot:
            async def settle() -> None:
                busy = [w for w in app.workers if w.group != "flow" and not w.is_finished]
                await asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)
                await pilot.pause(0.3)

            async def shot(name: str) -> None:
                await settle()
                app.save_screenshot(f"{name}.svg", str(OUT))

            await shot("01-start")
            await pilot.press("enter")
            await shot("02-host")
            await pilot.press("enter")
            await shot("03-protocol")
            await pilot.press("ctrl+n")
            await shot("04-port")
            await pilot.press("ctrl+n")
            await pilot.pause()
            app.screen.query_one("#password", Input).focus()
            await pilot.press(*DEMO_PASSWORD, "enter")
            await settle()
            await pilot.press("escape")  # the demo has no keyring: do not store
            await shot("05-credentials")
            await pilot.press("ctrl+n")
            await pilot.pause()
            await pilot.press("ctrl+n")
            await shot("06-sender")
            await pilot.press("ctrl+n")
            await pilot.pause()
            app.screen.query_one("#path", Input).value = "/srv/wiki/smtp_settings.php"
            await shot("07-review")
    print("\n".join(sorted(str(p.relative_to(ROOT)) for p in OUT.glob("*.svg"))))


if __name__ == "__main__":
    asyncio.run(main())
