"""Results the workbench computes from stored records, kept until what they depend on changes.

The district section and the list of facilities to inspect evaluate every stored facility: a
second or more per page for a district's thousand facilities, though nothing changed between two
requests. A stored version is never edited (a save adds a version), so a result is identified by
the versions it was computed from, the catalogue and hazard index it used (the objects the app
holds; a new layer set gives a new index) and the day (records are validated against today's
date). A change of catalogue, index or day empties the cache; it holds at most ``limit`` results.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import date
from typing import Generic, TypeVar

V = TypeVar("V")


def _today() -> date:
    return date.today()


class Memo(Generic[V]):
    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._uses: tuple[object, ...] = ()
        self._day: date | None = None
        self._values: dict[Hashable, V] = {}

    def get(self, uses: tuple[object, ...], key: Hashable, compute: Callable[[], V]) -> V:
        """The value for ``key`` computed with the objects ``uses`` (compared by identity) today;
        ``compute`` runs when there is none. Values are shared between requests: never changed."""
        today = _today()
        with self._lock:
            if not self._current(uses, today):
                self._values.clear()
                self._uses, self._day = uses, today
            if key in self._values:
                return self._values[key]
        value = compute()  # outside the lock: a long computation does not block other pages
        with self._lock:
            if self._current(uses, today):  # not if the layers changed meanwhile
                if len(self._values) >= self._limit:
                    self._values.clear()
                self._values[key] = value
        return value

    def _current(self, uses: tuple[object, ...], today: date) -> bool:
        return (
            today == self._day
            and len(uses) == len(self._uses)
            and all(a is b for a, b in zip(uses, self._uses, strict=True))
        )

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


__all__ = ["Memo"]
