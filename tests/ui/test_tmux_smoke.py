"""`smtp-wizard --demo` in a real terminal (tmux, 80x24), driven with send-keys.

Each run gets a TMPDIR of its own, so the tests can say that the demo left nothing in
it however it ended (quit, or the terminal closed under it), and a working folder that
holds a real wiki's LocalSettings.php, which the demo must never read, show or write.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.common import require_program

REPO = Path(__file__).resolve().parents[2]
REAL_WIKI = """<?php
$wgSMTP = [ 'host' => 'smtp.real-wiki.example', 'port' => 2525, 'auth' => true,
    'username' => 'admin@real-wiki.example', 'password' => 'the-real-secret' ];
"""


@pytest.fixture
def tmux() -> Iterator[tuple[str, str]]:
    program = require_program("tmux")
    session = f"smtp-wizard-{uuid.uuid4().hex[:8]}"
    yield program, session
    subprocess.run([program, "kill-session", "-t", session], capture_output=True, check=False)


def _capture(program: str, session: str, *options: str) -> str:
    return subprocess.run([program, "capture-pane", "-p", *options, "-t", session],
                          capture_output=True, text=True, check=False).stdout


def _wait_for(program: str, session: str, text: str, within: float = 20.0) -> str:
    deadline = time.monotonic() + within
    screen = ""
    while time.monotonic() < deadline:
        screen = _capture(program, session)
        assert "real-wiki" not in screen and "the-real-secret" not in screen, screen
        if text in screen:
            # Drawn is not yet handled: give the app a moment, as a person would.
            time.sleep(0.3)
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} did not appear; the screen was:\n{screen}")


def _keys(program: str, session: str, *keys: str) -> None:
    subprocess.run([program, "send-keys", "-t", session, *keys], check=True)


def _start_demo(program: str, session: str, tmp_path: Path, env: str = ""
                ) -> tuple[Path, Path, Path]:
    """The demo in its own TMPDIR, in a folder holding a real wiki; the shell stays
    after the wizard so its last words and exit status can be read. `env` adds
    variables (TERM=linux)."""
    temp, work = tmp_path / "tmp", tmp_path / "work"
    temp.mkdir()
    work.mkdir()
    (work / "LocalSettings.php").write_text(REAL_WIKI)
    pid = tmp_path / "pid"
    # The inner shell writes its pid and becomes the wizard (exec), in the foreground.
    wizard = shlex.quote(f"echo $$ > {shlex.quote(str(pid))}; exec "
                         f"{shlex.quote(sys.executable)} -m wizard --demo")
    command = (f"cd {shlex.quote(str(work))} && export TMPDIR={shlex.quote(str(temp))} "
               f"PYTHONPATH={shlex.quote(str(REPO))} {env} && sh -c {wizard}; "
               f"echo \"[exit $?]\"; sleep 60")
    subprocess.run([program, "new-session", "-d", "-x", "80", "-y", "24", "-s", session,
                    "sh", "-c", command], check=True)
    return temp, work, pid


def _gone(pid_file: Path, within: float = 15.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if pid_file.exists() and pid_file.read_text().strip():
            try:
                os.kill(int(pid_file.read_text()), 0)
            except ProcessLookupError:
                return True
        time.sleep(0.1)
    return False


def test_demo_reaches_review_and_leaves_a_trail(tmux: tuple[str, str],
                                                tmp_path: Path) -> None:
    program, session = tmux
    temp, work, pid = _start_demo(program, session, tmp_path)
    _wait_for(program, session, "1/7")
    assert list(temp.iterdir()), "the demo keeps its servers' files in TMPDIR"
    _keys(program, session, "Enter")                    # new setup
    screen = _wait_for(program, session, "2/7")
    assert "127.0.0.1" in screen                         # the demo server, not the wiki
    _keys(program, session, "Enter")                    # host prefilled: 127.0.0.1
    _wait_for(program, session, "works on port")         # the probe answered
    _keys(program, session, "Enter")                    # Enter takes the prefix
    _wait_for(program, session, "Recommended: port")
    _keys(program, session, "Enter")                    # ... and the port
    _wait_for(program, session, "5/7")
    # The user name is prefilled, so the password field has the focus.
    _keys(program, session, "-l", "demo-password")
    _keys(program, session, "Enter")
    _wait_for(program, session, "Do not store")         # no keyring in the demo
    _keys(program, session, "Escape")
    _wait_for(program, session, "not stored")
    _keys(program, session, "C-n")
    _wait_for(program, session, "6/7")
    _keys(program, session, "C-n")
    _wait_for(program, session, "accepts this sender")
    _keys(program, session, "C-n")
    screen = _wait_for(program, session, "$wgSMTP", within=10)
    assert "7/7" in screen and "demo-password" not in screen
    _keys(program, session, "C-q")
    _wait_for(program, session, "Quit now?")
    _keys(program, session, "Enter")                    # Quit has the focus
    screen = _wait_for(program, session, "[exit 1]")
    assert "quit before finishing; nothing was written" in screen
    assert "smtp-wizard check 127.0.0.1" in screen
    assert _gone(pid)
    assert list(temp.iterdir()) == [], "the demo left files in TMPDIR"
    assert [p.name for p in work.iterdir()] == ["LocalSettings.php"]
    assert (work / "LocalSettings.php").read_text() == REAL_WIKI


def test_closing_the_terminal_mid_demo_leaves_nothing(tmux: tuple[str, str],
                                                     tmp_path: Path) -> None:
    """SIGHUP (an SSH session dropped) ends the wizard the way ctrl+q does: the demo's
    CA, keys and wiki go with it."""
    program, session = tmux
    temp, _work, pid = _start_demo(program, session, tmp_path)
    _wait_for(program, session, "1/7")
    _keys(program, session, "Enter")
    _wait_for(program, session, "2/7")
    assert list(temp.iterdir())
    subprocess.run([program, "kill-session", "-t", session], check=True)
    assert _gone(pid), "the wizard outlived its terminal"
    assert list(temp.iterdir()) == [], "a hang-up left the demo's files behind"


RED = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:31|91|38;5;(?:1|9))m")
"""An SGR sequence that turns the text red (normal or bright) in a 16-colour terminal."""


def test_sixteen_colours_keep_red_for_errors(tmux: tuple[str, str], tmp_path: Path) -> None:
    """TERM=linux: the demo note and the footer's keys are not drawn in the red of an
    error (the accent colour used to fall to bright red); an error still is."""
    program, session = tmux
    _start_demo(program, session, tmp_path, env="TERM=linux")
    _wait_for(program, session, "1/7")
    screen = _capture(program, session, "-e")
    note = [line for line in screen.splitlines() if "Demo mode" in line]
    footer = [line for line in screen.splitlines() if "Quit" in line]
    assert note and footer
    assert not RED.search(note[0]) and not RED.search(footer[-1]), screen
    _keys(program, session, "Enter")
    _wait_for(program, session, "2/7")
    _keys(program, session, "C-u")
    _keys(program, session, "-l", "bad host!")
    # The reason, written under the field, echoes the value; the field itself is the
    # line inside the box (┃).
    deadline = time.monotonic() + 10
    error: list[str] = []
    while not error and time.monotonic() < deadline:
        error = [line for line in _capture(program, session, "-e").splitlines()
                 if "bad host!" in line and "┃" not in line]
        time.sleep(0.1)
    assert error and RED.search(error[0]), error
