"""The predicate registry: stable predicate names → functions.

Catalogue entries name their predicate (``predicate: carer_ratio``); codes and article numbers
are data, so renumbering an article never touches this registry.
"""

from __future__ import annotations

from . import design, management, setup
from .base import Predicate

REGISTRY: dict[str, Predicate] = {}
for _module in (setup, management, design):
    for _name, _fn in _module.PREDICATES.items():
        if _name in REGISTRY:
            raise RuntimeError(f"predicate {_name!r} registered twice")
        REGISTRY[_name] = _fn

__all__ = ["REGISTRY"]
