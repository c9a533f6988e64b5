"""Write screenshots/zh-CN-doctor.svg: the doctor in Simplified Chinese, at 80x24.

Run from the repository root: `python scripts/screenshots_zh.py`. The same real app in
demo mode as `scripts/screenshots.py` (whose helpers it uses), with `--lang zh_CN`
applied first: the demo's throw-away wiki holds a password the demo server refuses, so
the doctor's live check ends in a failed login and its diagnosis, scrolled into view.
The demo servers use random ports, so the picture shows one. Look at it as a PNG with
`rsvg-convert -w 1000 screenshots/zh-CN-doctor.svg -o /tmp/zh.png` (a CJK font, such
as Debian's fonts-wqy-microhei, must be installed for that).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import ROOT, SIZE, demo_app, settle, shot
from wizard.model.i18n import set_language
from wizard.ui.demo import demo_session
from wizard.ui.state import Mode

NAME = "zh-CN-doctor"


async def main() -> None:
    set_language("zh_CN")
    with demo_session(Mode.DOCTOR) as (state, services):
        app = demo_app(state, services)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app)
            await pilot.press("ctrl+n")  # the live part, once asked for
            await settle(app)
            # Down to the live check: the refused login and what to do about it.
            await pilot.press("pagedown", "pagedown", "pagedown")
            await pilot.pause()
            await shot(app, NAME)
    print((ROOT / "screenshots" / f"{NAME}.svg").relative_to(ROOT))


if __name__ == "__main__":
    asyncio.run(main())
