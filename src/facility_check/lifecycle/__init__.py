"""The inspection loop: changes since an earlier check, rectification notices, filing readiness.

Library services shared by the CLI and the web workbench. Nothing here prints or exits: input
problems are raised as :class:`facility_check.pipeline.InputError`, results are returned as
plain frozen models with ``to_dict(lang)``.

For a web page: ``load_earlier_bytes(upload, name)`` then ``compare_all(reports, earlier)`` attaches
the comparison to each report (``report.since``), which every facility renderer then shows;
``build_notice(report, days_policy(30) or deadlines_from_bytes(...))`` and
``render.lifecycle.NOTICE_REPORTERS["html"]`` give the printable notice;
``filing_readiness(facility, catalogue, as_of)`` the provider's filing check.
"""

from .changes import (
    Change,
    Earlier,
    Outcome,
    Since,
    compare,
    compare_all,
    earlier_from_value,
    load_earlier,
    load_earlier_bytes,
)
from .district_changes import (
    DistrictSince,
    compare_district,
    earlier_district_from_value,
    load_earlier_district,
)
from .filing import Clock, FilingReadiness, Material, filing_readiness
from .notice import (
    DeadlinePolicy,
    Notice,
    Period,
    build_notice,
    days_policy,
    deadlines_from_bytes,
    load_deadlines,
)
from .onsite import Answer, apply_answers, parse_answers

__all__ = [
    "Answer",
    "Change",
    "Clock",
    "DeadlinePolicy",
    "DistrictSince",
    "Earlier",
    "FilingReadiness",
    "Material",
    "Notice",
    "Outcome",
    "Period",
    "Since",
    "apply_answers",
    "build_notice",
    "compare",
    "compare_all",
    "compare_district",
    "days_policy",
    "deadlines_from_bytes",
    "earlier_district_from_value",
    "earlier_from_value",
    "filing_readiness",
    "load_deadlines",
    "load_earlier",
    "load_earlier_bytes",
    "load_earlier_district",
    "parse_answers",
]
