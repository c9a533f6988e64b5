"""The README's two commands are the ones CI proves, and `--version` says what a bug
report needs without loading the UI.

CI runs install.sh for real (.ci/readme-try-it, on the system Python); these tests keep
the README, install.sh and CI from drifting apart.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def _readme_block(title: str) -> str:
    """The one command in the ```sh block after README's "**<title>**"."""
    readme = (ROOT / "README.md").read_text()
    match = re.search(rf"^\*\*{re.escape(title)}\*\*.*?```sh\n(.*?)\n```", readme,
                      re.DOTALL | re.MULTILINE)
    assert match, title
    return match.group(1)


def test_ci_runs_the_readme_try_it_command_as_written() -> None:
    script = (ROOT / ".ci" / "readme-try-it").read_text()
    assert f'try_it="{_readme_block("Try it")}"' in script
    assert "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" in script
    assert "bash .ci/readme-try-it" in (ROOT / ".ci" / "run").read_text().splitlines()


def test_ci_runs_the_readme_test_command_as_written() -> None:
    command = _readme_block("Test it")
    assert "\n" not in command
    assert command in (ROOT / ".ci" / "run").read_text().splitlines()


@pytest.mark.parametrize("shell", ["sh", "dash", "bash"])
def test_install_script_is_posix_shell(shell: str) -> None:
    # Debian's and Ubuntu's sh is dash; `sh install.sh` must parse there.
    program = shutil.which(shell)
    if program is None:
        pytest.skip(f"{shell} is not installed")
    for script in ("install.sh", ".ci/readme-try-it"):
        if shell != "bash" and script.startswith(".ci"):
            continue
        done = subprocess.run([program, "-n", str(ROOT / script)], capture_output=True,
                              text=True, check=False)
        assert done.returncode == 0, done.stderr


def test_version_names_what_a_bug_report_needs_without_loading_the_ui() -> None:
    script = ("import sys\nfrom wizard.cli.main import main\n"
              "try:\n    main(['--version'])\nexcept SystemExit as exit:\n"
              "    assert exit.code in (0, None), exit.code\n"
              "print('loaded:', *sorted(m for m in sys.modules "
              "if m.split('.')[0] in ('textual', 'rich') or m.startswith('wizard.ui')))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    lines = done.stdout.splitlines()
    assert lines[-1] == "loaded:"
    from wizard import __version__

    assert lines[0] == f"smtp-wizard {__version__}"
    assert re.fullmatch(r"Python 3\.\d+\.\d+\S* \(.+\)", lines[1])
    assert re.fullmatch(r"Textual \d+\.\d+\.\d+\S*", lines[2])
    assert re.fullmatch(r"aiosmtplib \d+\.\d+\.\d+\S*", lines[3])
    assert any(line.startswith(("OpenSSL ", "LibreSSL ")) for line in lines)


def test_the_version_has_one_source() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "wizard.__version__"}
