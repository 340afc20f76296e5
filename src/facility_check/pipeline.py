"""The sequence every face runs: load, validate, measure siting, evaluate.

The CLI and the web workbench call exactly these functions. They never print and never exit:
input errors are raised as :class:`InputError` (located problems), and results are returned.
Turning them into exit codes, stderr lines or HTTP statuses is the caller's job.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from .catalogue import Catalogue, CatalogueError
from .catalogue import load as _load_catalogue
from .collector import paused
from .engine import Options, evaluate
from .loading import LoadItem, iter_sources
from .problems import Problem, Severity
from .report import FacilityReport
from .siting import HazardError, SitingIndex, load_layers
from .validate import ValidatedRecord, validate_items


class InputError(Exception):
    """Input that cannot be used at all: every problem, located."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.message.en for p in problems))
        self.problems = list(problems)


def catalogue(overlay: str | None = None) -> Catalogue:
    """The article catalogue, with an optional province or district overlay (a file path)."""
    try:
        return _load_catalogue(overlay)
    except CatalogueError as exc:
        raise InputError(exc.problems) from None


def date_limit(as_of: date | None, *, rules_date: bool = True, today: date | None = None) -> date:
    """The latest date an event in a record may carry.

    Event dates may not lie in the future: after today, or after a later ``as_of``. Where ``as_of``
    is the date the rules are applied on (`check`, `district`), an earlier one must not reject
    records (``rules_date``); for `validate` it is the reference itself.
    """
    today = today or date.today()
    if as_of is None:
        return today
    return max(today, as_of) if rules_date else as_of


def validate_loaded(
    items: Iterable[LoadItem], as_of: date | None, *, rules_date: bool = True
) -> list[ValidatedRecord]:
    """Validate already-loaded items (from files, stdin or uploaded bytes)."""
    with paused(collect=True):  # thousands of acyclic records: see collector.py
        return list(validate_items(items, date_limit(as_of, rules_date=rules_date)))


def validated(names: Iterable[str], as_of: date | None, *, rules_date: bool = True) -> list[ValidatedRecord]:
    """Load and validate the named inputs (files, directories, ``-``)."""
    return validate_loaded(iter_sources(list(names)), as_of, rules_date=rules_date)


@dataclass
class HazardLoad:
    """Loaded hazard layers: the index, and the problems to show (warnings, and rejected
    features when they were allowed)."""

    index: SitingIndex
    notices: list[Problem] = field(default_factory=list)


def hazard_index(
    hazards: Sequence[str] | None, catalogue: Catalogue, *, allow_rejected: bool = False
) -> HazardLoad | None:
    """Load hazard layers; a feature that cannot be used is an input error unless allowed."""
    if not hazards:
        return None
    try:
        layers = load_layers(list(hazards))
        index = SitingIndex(layers, catalogue)
    except HazardError as exc:
        raise InputError(exc.problems) from None
    if layers.rejected and not allow_rejected:
        raise InputError(layers.rejected)
    notices = [p for p in layers.problems if p.severity == Severity.warning or allow_rejected]
    return HazardLoad(index, notices)


def usable(records: Iterable[ValidatedRecord]) -> list[ValidatedRecord]:
    return [v for v in records if v.ok and v.facility is not None]


def evaluate_records(
    records: Sequence[ValidatedRecord],
    catalogue: Catalogue,
    options: Options,
    siting_index: SitingIndex | None = None,
) -> list[FacilityReport]:
    """A report for every usable record, in input order; rejected records are skipped (the
    caller reports them)."""
    good = usable(records)
    facilities = [v.facility for v in good if v.facility is not None]
    sitings = iter(siting_index.evaluate_many(facilities)) if siting_index is not None else None
    reports = []
    with paused(collect=True):
        for v in good:
            assert v.facility is not None
            warnings = tuple(p for p in v.problems if p.severity == Severity.warning)
            siting = next(sitings) if sitings is not None else None
            reports.append(
                evaluate(v.facility, catalogue, options, source=v.source, siting=siting, warnings=warnings)
            )
    return reports


__all__ = [
    "HazardLoad",
    "InputError",
    "catalogue",
    "date_limit",
    "evaluate_records",
    "hazard_index",
    "usable",
    "validate_loaded",
    "validated",
]
