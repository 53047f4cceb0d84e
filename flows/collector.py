"""The cyclic garbage collector paused while thousands of rows become objects.

Reading a cycle's ten thousand examinees (a review board, an archive's batch) makes hundreds of
thousands of objects and no reference cycles: reference counting frees them. Each collection that
making them sets off would scan them all again, and at times the whole process; so the collector waits.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector left as it was found."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
