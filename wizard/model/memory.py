"""The cyclic garbage collector kept out of the way while many lasting objects are made.

Reading a megabyte of settings makes some 300,000 tokens and 20,000 statements; starting
the wizard makes the modules of Textual and of the wizard and the first screen's widgets.
All of them live on, and none forms a cycle that only the collector could free, but it
walks the young ones every few hundred allocations: nearly half the time of reading such
a file, and about a tenth of the time to the wizard's first screen.

`collector_paused()` holds it back for a block of code; `pause()` and `resume()` for a
span that is not one block (the wizard's start: from the command line, which pauses, to
the first step screen drawn, which resumes).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused", "pause", "resume"]

_paused = False


def _restart(enable: bool) -> None:
    # Everything made meanwhile would be the youngest generation, walked at the next
    # collection and again when promoted: move it straight to the oldest instead
    # (`freeze` then `unfreeze` does that without walking anything), where a cycle among
    # it is still found by the next full collection.
    gc.freeze()
    gc.unfreeze()
    if enable:
        gc.enable()


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off inside the block and as it was after it (so a pause nested in
    another leaves it off)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        _restart(was_enabled)


def pause() -> None:
    """Hold the collector back until `resume()`, unless something else already has."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Collect again, if `pause()` stopped it."""
    global _paused
    if _paused:
        _restart(True)
        _paused = False
