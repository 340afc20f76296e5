"""Renderers of validation results (``validate``) and of problem lists in general."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from ..problems import Problem, Severity
from ..validate import ValidatedRecord
from .base import dump_json, label, neutralise


def problem_line(p: Problem, lang: str) -> str:
    sev = {"error": "错误" if lang == "zh" else "error", "warning": "警告" if lang == "zh" else "warning"}[
        str(p.severity)
    ]
    line = f"{p.location(lang)}: {sev}: {p.message(lang)}"
    # add expected / found only where the sentence does not already say them
    message = p.message(lang)
    says_expected = ("应" in message) if lang == "zh" else ("expected" in message)
    says_found = ("实际" in message) if lang == "zh" else ("found" in message)
    extra = []
    if p.expected is not None and p.expected not in message and not says_expected:
        extra.append(f"{label(lang, 'expected')} {p.expected}")
    if p.found is not None and p.found not in message and not says_found:
        extra.append(f"{label(lang, 'found')} {p.found}")
    if extra:
        line += "（" + "；".join(extra) + "）" if lang == "zh" else " (" + "; ".join(extra) + ")"
    return neutralise(line, newlines=False)  # a file name or found value cannot act on the terminal


def problems_as_text(problems: Sequence[Problem], lang: str) -> list[str]:
    return [problem_line(p, lang) for p in problems]


def problems_as_dicts(problems: Sequence[Problem], lang: str) -> list[dict[str, Any]]:
    return [p.to_dict(lang) for p in problems]


class ValidationReporter(ABC):
    name: ClassVar[str]

    @abstractmethod
    def render(self, records: Sequence[ValidatedRecord], lang: str) -> str: ...


class ValidationText(ValidationReporter):
    name = "text"

    def render(self, records: Sequence[ValidatedRecord], lang: str) -> str:
        lines: list[str] = []
        for v in records:
            errors = [p for p in v.problems if p.severity == Severity.error]
            status = label(lang, "valid") if v.ok else label(lang, "invalid")
            ident = f" ({v.facility_id})" if v.facility_id else ""
            if lang == "zh":
                lines.append(
                    f"{v.source}{ident}: {status}，{len(errors)} 个错误，{len(v.problems) - len(errors)} 个警告"
                )
            else:
                warnings = len(v.problems) - len(errors)
                lines.append(
                    f"{v.source}{ident}: {status}, {len(errors)} error{'s' * (len(errors) != 1)}, "
                    f"{warnings} warning{'s' * (warnings != 1)}"
                )
            lines.extend("  " + problem_line(p, lang) for p in v.problems)
        ok = sum(1 for v in records if v.ok)
        if lang == "zh":
            lines.append(f"共 {len(records)} 条记录：{ok} 条有效，{len(records) - ok} 条无效")
        else:
            lines.append(f"{len(records)} records: {ok} valid, {len(records) - ok} invalid")
        return "\n".join(lines) + "\n"


class ValidationJson(ValidationReporter):
    name = "json"

    def render(self, records: Sequence[ValidatedRecord], lang: str) -> str:
        return dump_json(
            {
                "records": [
                    {
                        "source": v.source,
                        "facility_id": v.facility_id,
                        "valid": v.ok,
                        "problems": problems_as_dicts(v.problems, lang),
                    }
                    for v in records
                ],
                "valid": sum(1 for v in records if v.ok),
                "invalid": sum(1 for v in records if not v.ok),
            }
        )


VALIDATION_REPORTERS: dict[str, type[ValidationReporter]] = {
    cls.name: cls for cls in (ValidationText, ValidationJson)
}
