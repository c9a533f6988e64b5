"""The core never loads Textual: scripts using `check` do not pay for the UI; and each
command line loads only what it needs: help and usage errors none of the libraries that
take time to import, a check neither dnspython nor cryptography.

import-linter checks the first rule statically (pyproject.toml); these tests import for
real, in a fresh interpreter, so a lazy import that runs at import time is caught too.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.common import PASSWORD, USER
from tests.support.servers import SmtpServer

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "wizard"
PRESENTATION = ("ui", "cli")
"""The only areas that may import Textual (the UI) or start it (the command line)."""
UI_ONLY = ("textual", "rich", "wizard.ui", "wizard.cli")


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


CORE = sorted(
    _module(path) for path in PACKAGE.rglob("*.py")
    if path.relative_to(PACKAGE).parts[0] not in PRESENTATION and path.name != "__main__.py"
)
"""Every module and package of the core, found on disk, so a new one is covered at once."""


_MARK = "--- modules ---"


def _loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code`."""
    script = f"import sys\n{code}\nprint({_MARK!r}, *sys.modules)\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, cwd=ROOT)
    # Anything the code printed (a help text) comes before the mark.
    return set(result.stdout.rpartition(_MARK)[2].split())


def _ui_only(modules: set[str]) -> list[str]:
    return sorted(name for name in modules
                  if any(name == bad or name.startswith(bad + ".") for bad in UI_ONLY))


def test_core_is_every_area_but_the_ui_and_the_cli() -> None:
    areas = {name for name in CORE if name.count(".") == 1}
    assert areas == {"wizard.model", "wizard.smtp", "wizard.mediawiki", "wizard.doctor",
                     "wizard.store", "wizard.render", "wizard.demo", "wizard.errors",
                     "wizard.explain", "wizard.oauth"}
    assert "wizard.smtp.check" in CORE and "wizard.store.keyring" in CORE
    assert not _ui_only(set(CORE))


def test_the_import_contract_names_every_core_area() -> None:
    # A new area left out of the contract would go unchecked by lint-imports.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    forbidden = next(contract for contract in config["contracts"]
                     if contract["type"] == "forbidden")
    assert set(forbidden["source_modules"]) == {name for name in CORE
                                               if name.count(".") == 1}
    assert set(forbidden["forbidden_modules"]) == set(UI_ONLY)


def test_core_modules_do_not_import_textual() -> None:
    loaded = _loaded_after(f"import importlib\nfor name in {CORE!r}:\n"
                           "    importlib.import_module(name)")
    assert set(CORE) <= loaded
    assert _ui_only(loaded) == []


HEAVY = {"asyncio", "ssl", "aiosmtplib", "dns", "cryptography", "idna", "email", "textual",
         "rich", "keyring"}
"""Libraries that take milliseconds to import and that help and usage errors never need."""


@pytest.mark.parametrize("argv", [
    ["check", "--help"],
    ["--help"],
    ["check"],  # a usage error: the host is missing
    ["check", "smtp.example.org", "--password", "x"],  # refused while parsing
])
def test_help_and_usage_errors_load_neither_textual_nor_the_core(argv: list[str]) -> None:
    loaded = _loaded_after("from wizard.cli.main import main\n"
                           f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass")
    assert "wizard.cli.main" in loaded
    assert not {"wizard.ui", "wizard.store", "wizard.smtp", "wizard.mediawiki",
                "wizard.render", "wizard.doctor", "wizard.explain",
                "wizard.model.settings", "wizard.model.fields"} & loaded
    assert sorted(HEAVY & loaded) == []


def test_a_check_loads_only_what_it_uses(smtp_server: Callable[..., SmtpServer],
                                         ca_file: Path) -> None:
    """A check resolves with the system's resolver, as its connection does (no dnspython),
    reads the verified certificate through `ssl` (no cryptography), and needs neither the
    keyring, nor the wiki's PHP, nor the UI."""
    server = smtp_server(mode="starttls")
    argv = ["check", "localhost", "--port", str(server.port), "--user", USER,
            "--password-env", "SMTP_PW", "--sender", USER, "--rcpt", "admin@example.net",
            "--ca-file", str(ca_file)]
    loaded = _loaded_after(f"import os\nos.environ['SMTP_PW'] = {PASSWORD!r}\n"
                           "from wizard.cli.main import main\n"
                           f"assert main({argv!r}) == 0")
    assert {"wizard.smtp.check", "aiosmtplib", "ssl"} <= loaded
    assert not {"wizard.ui", "wizard.store", "wizard.mediawiki", "wizard.render",
                "wizard.doctor", "wizard.explain", "wizard.smtp.discover"} & loaded
    assert sorted({"dns", "cryptography", "textual", "rich", "keyring"} & loaded) == []


ENGINES = {"wizard.smtp", "wizard.store", "wizard.mediawiki", "wizard.doctor",
           "wizard.explain", "wizard.oauth", "wizard.demo"}
"""The core areas behind the later steps: the first screen needs none of them."""
LATER_STEPS = {"wizard.ui.steps.host", "wizard.ui.steps.port", "wizard.ui.steps.credentials",
               "wizard.ui.steps.review", "wizard.ui.steps.doctor", "wizard.ui.steps.rotate",
               "wizard.ui.widgets.paste", "wizard.ui.widgets.port_table", "wizard.ui.modals"}


def test_the_first_screen_loads_no_engine_and_no_later_step() -> None:
    """The Start screen shows before the check, discovery, the keyring or the PHP reader
    is imported; each loads with the step that uses it."""
    loaded = _loaded_after(
        "import asyncio\n"
        "from wizard.ui.app import make_app\n"
        "async def first_screen():\n"
        "    app = make_app(cursor_blink=False)\n"
        "    async with app.run_test(size=(80, 24)) as pilot:\n"
        "        await pilot.pause()\n"
        "        assert type(app.screen).__name__ == 'StartScreen', app.screen\n"
        "asyncio.run(first_screen())")
    assert {"wizard.ui.app", "wizard.ui.steps.start", "textual"} <= loaded
    assert sorted(name for name in loaded
                  if any(name == area or name.startswith(area + ".")
                         for area in ENGINES | LATER_STEPS)) == []
    assert sorted({"aiosmtplib", "dns", "cryptography", "keyring", "secretstorage", "jeepney",
                   "pygments", "idna", "email"} & loaded) == []


@pytest.mark.parametrize("argv", [[], ["--demo"], ["--lang", "en", "--localsettings", "check"],
                                  ["--rotate"]])
def test_starting_the_wizard_builds_no_command_parser(argv: list[str]) -> None:
    loaded = _loaded_after("from wizard.cli.main import _parser\n"
                           f"args = _parser({argv!r}).parse_args({argv!r})\n"
                           "assert args.command is None")
    assert "wizard.cli.main" in loaded
    assert sorted(name for name in loaded if name.startswith("wizard.cli.commands.")) == []


def test_a_mistyped_command_still_lists_every_command() -> None:
    result = subprocess.run([sys.executable, "-m", "wizard", "chek"], capture_output=True,
                            text=True, cwd=ROOT, check=False)
    assert result.returncode == 2
    assert "invalid choice: 'chek' (choose from 'check', 'render'" in result.stderr
