"""The core never loads Textual: scripts using `check` do not pay for the UI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CORE = sorted(
    "wizard." + str(path.relative_to("wizard").with_suffix("")).replace("/", ".")
    for path in Path("wizard").rglob("*.py")
    if "ui" not in path.parts and path.name not in ("__main__.py", "__init__.py")
)


def test_core_modules_do_not_import_textual() -> None:
    assert "wizard.smtp.check" in CORE and "wizard.smtp.connect" in CORE
    code = (
        "import importlib, sys\n"
        f"for name in {CORE!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')"
        " or m.startswith('wizard.ui'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).parents[2])
    assert result.stdout.strip() == ""


def test_help_does_not_import_textual() -> None:
    code = ("import sys\nfrom wizard.cli.main import main\n"
            "try:\n    main(['check', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('textual' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).parents[2])
    assert result.stdout.strip().endswith("False")
