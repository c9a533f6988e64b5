"""Reading a big file without the cyclic garbage collector walking it again and again.

A megabyte of settings is some 300,000 tokens and 20,000 statements, all alive until
the file has been read. Python's collector runs every few hundred allocations and, as
the heap grows, walks everything alive: nearly half the time of reading such a file.
None of these objects form reference cycles, so pausing the collector while they are
made frees nothing late; it only stops the walks.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off inside the block and as it was after it (so a pause
    nested in another leaves it off)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Everything made meanwhile would be the youngest generation, walked at the next
        # collection and again when promoted: move it straight to the oldest instead
        # (`freeze` then `unfreeze` does that without walking anything).
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()
