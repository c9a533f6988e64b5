"""`smtp-wizard --demo` in a real terminal (tmux, 80x24), driven with send-keys."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.common import require_program

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def tmux() -> Iterator[tuple[str, str]]:
    program = require_program("tmux")
    session = f"smtp-wizard-{uuid.uuid4().hex[:8]}"
    yield program, session
    subprocess.run([program, "kill-session", "-t", session], capture_output=True, check=False)


def _capture(program: str, session: str) -> str:
    return subprocess.run([program, "capture-pane", "-p", "-t", session], capture_output=True,
                          text=True, check=False).stdout


def _wait_for(program: str, session: str, text: str, within: float = 20.0) -> str:
    deadline = time.monotonic() + within
    screen = ""
    while time.monotonic() < deadline:
        screen = _capture(program, session)
        if text in screen:
            # Drawn is not yet handled: give the app a moment, as a person would.
            time.sleep(0.3)
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} did not appear; the screen was:\n{screen}")


def _keys(program: str, session: str, *keys: str) -> None:
    subprocess.run([program, "send-keys", "-t", session, *keys], check=True)


def test_demo_reaches_review_in_a_real_terminal(tmux: tuple[str, str], tmp_path: Path) -> None:
    program, session = tmux
    command = f"cd {tmp_path} && PYTHONPATH={REPO} {sys.executable} -m wizard --demo"
    subprocess.run([program, "new-session", "-d", "-x", "80", "-y", "24", "-s", session,
                    command], check=True)
    _wait_for(program, session, "step 1 of 7")
    _keys(program, session, "Enter")                    # new setup
    _wait_for(program, session, "step 2 of 7")
    _keys(program, session, "Enter")                    # host prefilled: 127.0.0.1
    _wait_for(program, session, "works on port")         # the probe answered
    _keys(program, session, "C-n")
    _wait_for(program, session, "Recommended: port")
    _keys(program, session, "C-n")
    _wait_for(program, session, "step 5 of 7")
    # The user name is prefilled, so the password field has the focus.
    _keys(program, session, "-l", "demo-password")
    _keys(program, session, "Enter")
    _wait_for(program, session, "Do not store")         # no keyring in the demo
    _keys(program, session, "Escape")
    _wait_for(program, session, "not stored")
    _keys(program, session, "C-n")
    _wait_for(program, session, "step 6 of 7")
    _keys(program, session, "C-n")
    _wait_for(program, session, "accepts this sender")
    _keys(program, session, "C-n")
    screen = _wait_for(program, session, "$wgSMTP", within=10)
    assert "step 7 of 7" in screen and "demo-password" not in screen
    _keys(program, session, "C-q")
    _wait_for(program, session, "Quit now?")
    _keys(program, session, "y")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "step 7" in _capture(program, session):
        time.sleep(0.1)
    assert not list(tmp_path.iterdir()), "the demo wrote a file without confirmation"
