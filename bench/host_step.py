"""The wizard's Host step: seconds from an address typed to the first suggestion shown.

Run by `bench/answers.py` against its loopback zone (the wizard itself has no option for
another DNS server, so this drives the real screens headless, at 80x24, with discovery
asking that server): `python bench/host_step.py DNS_PORT DEADLINE`. Prints the seconds.
The step starts a look-up once typing has paused for half a second, so that much of the
figure is the wait for the pause; the rest is discovery, until its answer is known.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.widgets import Input, OptionList

from tests.support.dns_server import make_resolver
from wizard.smtp.discover import discover
from wizard.ui.app import make_app
from wizard.ui.state import Services, WizardState
from wizard.ui.steps import HostScreen


async def main(port: int, deadline: float) -> None:
    services = Services(discover=functools.partial(discover, resolver=make_resolver(port),
                                                   hosts_path="/nonexistent/hosts"))
    app = make_app(WizardState(timeout=deadline), services, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")  # Start: a new setup
        while not isinstance(app.screen, HostScreen):
            await pilot.pause(0.01)
        app.screen.query_one("#host", Input).focus()
        await pilot.press(*"alice@example.test")
        typed = time.perf_counter()
        suggestions = app.screen.query_one("#suggestions", OptionList)
        while suggestions.option_count == 0:
            if time.perf_counter() - typed > 3 * deadline:
                raise SystemExit("the Host step showed no suggestion")
            await pilot.pause(0.005)
        print(f"{time.perf_counter() - typed:.3f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), float(sys.argv[2])))
