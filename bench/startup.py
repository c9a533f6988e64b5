"""Startup figures: time to the first interactive screen and peak memory of
`smtp-wizard --demo`, and the import cost of `smtp-wizard --help` (no Textual).

Run from the repository root: `python bench/startup.py`. Prints a small table.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter: start the demo app headless and stop the clock once the
# Start screen is mounted and waiting for keys.
_DEMO = """
import asyncio, resource, sys, tempfile, time
from pathlib import Path
started = time.perf_counter()
from wizard.demo.sandbox import demo_servers
from wizard.ui.app import make_app
from wizard.ui.state import Services, WizardState
from wizard.ui.steps import StartScreen

async def main():
    with tempfile.TemporaryDirectory() as folder, demo_servers(Path(folder)) as servers:
        state = WizardState()
        state.use_demo(servers)
        app = make_app(state, Services(keyring_backend=servers.keyring_backend()))
        async with app.run_test(size=(80, 24)) as pilot:
            while not isinstance(app.screen, StartScreen):
                await pilot.pause(0.005)
            await pilot.pause()
            ready = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{ready:.3f} {peak:.1f}")

asyncio.run(main())
"""

_HELP = """
import sys, time
started = time.perf_counter()
from wizard import cli
try:
    cli.main(["--help"])
except SystemExit:
    pass
elapsed = time.perf_counter() - started
print(f"{elapsed:.3f} {int('textual' in sys.modules)}", file=sys.stderr)
"""


def _python(code: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    # The figures are the last line the snippet printed (after any --help text).
    lines = (done.stdout + done.stderr).strip().splitlines()
    return time.perf_counter() - start, lines[-1] if lines else ""


def main() -> None:
    runs = 3
    demo = [_python(_DEMO)[1].split() for _ in range(runs)]
    ready = min(float(row[0]) for row in demo)
    peak = max(float(row[1]) for row in demo)
    helps = [_python(_HELP) for _ in range(runs)]
    help_wall = min(wall for wall, _out in helps)
    help_import = min(float(out.split()[0]) for _wall, out in helps)
    textual_loaded = any(out.split()[1] == "1" for _wall, out in helps)
    print(f"{'measure':<44} {'value':>10}")
    print(f"{'--demo: start to first interactive screen':<44} {ready * 1000:>8.0f} ms")
    print(f"{'--demo: peak RSS':<44} {peak:>7.1f} MiB")
    print(f"{'--help: import + parse (in process)':<44} {help_import * 1000:>8.0f} ms")
    print(f"{'--help: whole process (wall)':<44} {help_wall * 1000:>8.0f} ms")
    print(f"{'--help loads textual':<44} {'yes' if textual_loaded else 'no':>10}")
    if textual_loaded:
        raise SystemExit("smtp-wizard --help imported textual")


if __name__ == "__main__":
    main()
