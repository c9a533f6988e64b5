"""Each screen at 60x20, 80x24 and 120x40 (pytest-textual-snapshot), with fixed answers.

Update on purpose with `pytest tests/ui/test_ui_snapshots.py --snapshot-update` after a
UI change, and look at the new SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.common import PASSWORD
from tests.support.ui_fakes import WALKS, WRONG_PASSWORD, fake_app

SNAPSHOTS = Path(__file__).parent / "__snapshots__"
SIZES = [(60, 20), (80, 24), (120, 40)]


@pytest.fixture(autouse=True)
def not_under_sudo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run through sudo, the keyring steps add a line; the snapshots show them without."""
    monkeypatch.delenv("SUDO_USER", raising=False)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("step", list(WALKS))
def test_screen(step: str, size: tuple[int, int], snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(fake_app(), run_before=WALKS[step], terminal_size=size)


def test_no_snapshot_or_screenshot_holds_the_password() -> None:
    """The masked input, the preview and the transcript never show the password."""
    svgs = [*SNAPSHOTS.rglob("*.svg"), *(Path(__file__).parents[2] / "screenshots"
                                           ).glob("*.svg")]
    assert svgs, "no snapshots yet: run with --snapshot-update once"
    for svg in svgs:
        text = svg.read_text()
        assert PASSWORD not in text, svg
        assert WRONG_PASSWORD not in text, svg
