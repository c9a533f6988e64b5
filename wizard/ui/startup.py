"""The cyclic garbage collector held back while the wizard starts.

Starting makes a few hundred thousand objects that all live on: the modules of Textual
and of the wizard, the first screen's widgets and styles. The collector walks the young
ones every few hundred allocations, and walking these, which it can never free, is about
a tenth of the time to the first screen. `pause()` stops it (the command line calls it
before it imports the app); the first step screen calls `resume()` once it is drawn.
"""

from __future__ import annotations

import gc

__all__ = ["pause", "resume"]

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Collect again, if `pause()` stopped it; what was made meanwhile goes straight to
    the oldest generation (`freeze` then `unfreeze` moves it without walking it), where a
    cycle among it is still found by the next full collection."""
    global _paused
    if _paused:
        gc.freeze()
        gc.unfreeze()
        gc.enable()
        _paused = False
