"""Pausing Python's cyclic garbage collector around bulk work.

Loading and evaluating thousands of records allocates millions of small, acyclic containers
(dicts, lists, pydantic models, frozen result objects). CPython's collector is triggered by
allocation counts, so it rescans the young objects, and now and then the whole heap (with a
million hazard geometries and their index in it), over and over: measured, it more than doubled
the time of `district`. Nothing in these bulk steps creates reference cycles, so the collector is
paused while they run and asked for one young-generation pass afterwards, which bounds memory the
same way the automatic passes would.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused(collect: bool = False) -> Iterator[None]:
    """Run the block with the automatic collector off (restored as it was); with ``collect``,
    reclaim any cyclic garbage the block left, the youngest generation only."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        if collect:
            gc.collect(0)


__all__ = ["paused"]
