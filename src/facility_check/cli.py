"""The ``facility-check`` command line.

Exit codes: 0 compliant / ok, 1 findings, 2 usage or input errors. Every ``--format`` choice
comes from a renderer registry. Output is deterministic: same input, same bytes.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn, TypeAlias

import typer

from . import __version__, pipeline
from .catalogue import Catalogue
from .collector import paused
from .engine import Options
from .pipeline import InputError
from .problems import Problem, Severity, Text
from .record import Facility
from .render.base import dump_json, neutralise
from .render.catalogue import CATALOGUE_REPORTERS
from .render.district import DISTRICT_REPORTERS, csv_text, tables
from .render.facility import FACILITY_REPORTERS, SELFCHECK_REPORTERS
from .render.rubric import RUBRIC_REPORTERS
from .render.siting import SITING_REPORTERS
from .render.validation import VALIDATION_REPORTERS, problem_line
from .report import FacilityReport
from .siting import HazardError, SitingIndex, load_layers
from .validate import ValidatedRecord

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
EXIT_INTERNAL = 70  # a bug (EX_SOFTWARE): never Python's own 1, which would read as "findings"

DIR_HELP = (
    "目录只读取其中的 .json/.jsonl/.ndjson 文件，不递归读取子目录；子目录、失效或循环的符号链接均作为无法读取的输入列出 / "
    "a directory is read for its .json/.jsonl/.ndjson files, not recursively; subdirectories and broken or "
    "looping links are listed as inputs that could not be read"
)

SCHEMAS = {
    "facility": "facility.schema.json",
    "hazards": "hazards.schema.json",
    "overlay": "overlay.schema.json",
    "catalogue": "catalogue.schema.json",
    "rubric": "rubric.schema.json",
    "profile": "profile.schema.json",
    "notice": "notice.schema.json",
    "deadlines": "deadlines.schema.json",
    "check-report": "check-report.schema.json",
    "district-report": "district-report.schema.json",
}

app = typer.Typer(
    name="facility-check",
    help="检查托育机构是否符合《托育机构设置标准（试行）》《托育机构管理规范（试行）》及建筑设计规范，并计算服务质量得分。\n\n"
    "Checks childcare facilities against the national standards and computes the district 服务质量 score.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _choices(names: Iterable[str]) -> Any:
    """A Literal of a registry's names: --format choices come from the registry itself."""
    return Literal[tuple(sorted(names))]


if TYPE_CHECKING:
    FacilityFormat: TypeAlias = str
    ValidationFormat: TypeAlias = str
    SelfCheckFormat: TypeAlias = str
    CatalogueFormat: TypeAlias = str
    SchemaName: TypeAlias = str
    DistrictFormat: TypeAlias = str
    SitingFormat: TypeAlias = str
    RubricFormat: TypeAlias = str
else:
    FacilityFormat = _choices(FACILITY_REPORTERS)
    ValidationFormat = _choices(VALIDATION_REPORTERS)
    SelfCheckFormat = _choices(SELFCHECK_REPORTERS)
    CatalogueFormat = _choices(CATALOGUE_REPORTERS)
    DistrictFormat = _choices(DISTRICT_REPORTERS)
    SitingFormat = _choices(SITING_REPORTERS)
    RubricFormat = _choices(RUBRIC_REPORTERS)
    SchemaName = _choices(SCHEMAS)

LangOpt = Annotated[Literal["zh", "en"], typer.Option("--lang", help="输出语言 / output language")]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="参考日期 YYYY-MM-DD（默认取记录的检查日期）/ reference date (default: the inspection date)",
    ),
]
OverlayOpt = Annotated[
    str | None, typer.Option("--overlay", help="省/区地方规则 YAML / province or district overlay (YAML)")
]
HazardsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--hazards",
        help="危险源图层 GeoJSON 或预处理图层（可多次指定）/ hazard layer, GeoJSON or prepared (repeatable)",
    ),
]
OutOpt = Annotated[
    str | None, typer.Option("--out", help="写入文件而不是标准输出 / write to a file, not stdout")
]


def _fail(problems: Sequence[Problem], lang: str) -> NoReturn:
    for p in problems:
        sys.stderr.write(problem_line(p, lang) + "\n")
    raise typer.Exit(EXIT_INPUT)


def _usage(zh: str, en: str, lang: str, source: str = "<command line>") -> NoReturn:
    _fail([Problem(source=source, path="$", code="usage", message=Text(zh, en))], lang)


def _as_of(value: str | None, lang: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _usage(
            f"--as-of 不是有效日期：{value!r}（应为 YYYY-MM-DD）",
            f"--as-of is not a valid date: {value!r} (expected YYYY-MM-DD)",
            lang,
        )


def _catalogue(overlay: str | None, lang: str) -> Catalogue:
    try:
        return pipeline.catalogue(overlay)
    except InputError as exc:
        _fail(exc.problems, lang)


def _emit(text: str | bytes, out: str | None, lang: str = "zh") -> None:
    if isinstance(text, str):
        text = neutralise(text)  # no control character of an input reaches a terminal or file raw
    if out is not None:
        path = Path(out)
        try:
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(text, encoding="utf-8")
        except OSError as exc:
            _usage(f"无法写入 {out}：{exc.strerror}", f"cannot write {out}: {exc.strerror}", lang, source=out)
        return
    if isinstance(text, bytes):
        sys.stdout.buffer.write(text)
        sys.stdout.buffer.flush()
        return
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:
        sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()


def _reports(
    records: Sequence[ValidatedRecord],
    catalogue: Catalogue,
    options: Options,
    hazards: list[str] | None,
    lang: str,
) -> list[FacilityReport]:
    return pipeline.evaluate_records(records, catalogue, options, _hazard_index(hazards, catalogue, lang))


def _hazard_index(
    hazards: list[str] | None, catalogue: Catalogue, lang: str, *, allow_rejected: bool = False
) -> SitingIndex | None:
    """Load hazard layers, printing their warnings; unusable features end the run unless allowed."""
    try:
        loaded = pipeline.hazard_index(hazards, catalogue, allow_rejected=allow_rejected)
    except InputError as exc:
        _fail(exc.problems, lang)
    if loaded is None:
        return None
    for p in loaded.notices:
        sys.stderr.write(problem_line(p, lang) + "\n")
    return loaded.index


Render = Callable[[Sequence[FacilityReport], Sequence[ValidatedRecord], str], str]


def _run_facilities(
    files: list[str],
    overlay: str | None,
    as_of: str | None,
    hazards: list[str] | None,
    fmt: str,
    lang: str,
    out: str | None,
    render: Render,
    assume_unknown_met: bool = False,
    since: str | None = None,
) -> NoReturn:
    """What `check` and `self-check` share: validate, evaluate, render, exit 0 / 1 / 2."""
    when = _as_of(as_of, lang)
    catalogue = _catalogue(overlay, lang)
    earlier = _earlier(since, lang)
    records = pipeline.validated(files, when)
    rejected = [v for v in records if not v.ok]
    reports = _reports(
        records, catalogue, Options(as_of=when, assume_unknown_met=assume_unknown_met), hazards, lang
    )
    if earlier is not None and reports:
        reports = _compare(reports, earlier, lang)
    if not reports:
        _emit(VALIDATION_REPORTERS["json" if fmt == "json" else "text"]().render(rejected, lang), out)
        raise typer.Exit(EXIT_INPUT)
    _emit(render(reports, rejected, lang), out)
    if rejected:
        raise typer.Exit(EXIT_INPUT)
    raise typer.Exit(EXIT_FINDINGS if any(r.exit_findings() for r in reports) else EXIT_OK)


SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="较早的检查报告（check --format json）或整改通知书（notice --format json），报告变化 / "
        "an earlier check report or rectification notice (JSON) of the same facility: report what changed",
    ),
]


def _earlier(since: str | None, lang: str) -> list[Any] | None:
    """Read the --since document before any work, so a wrong file fails fast (exit 2)."""
    if since is None:
        return None
    from .lifecycle.changes import load_earlier

    try:
        return load_earlier(since)
    except InputError as exc:
        _fail(exc.problems, lang)


def _compare(reports: list[FacilityReport], earlier: list[Any], lang: str) -> list[FacilityReport]:
    from .lifecycle.changes import compare_all

    try:
        return compare_all(reports, earlier)
    except InputError as exc:
        _fail(exc.problems, lang)


@app.command()
def validate(
    files: Annotated[
        list[str], typer.Argument(help="JSON / JSON Lines 文件、目录，或 - 表示标准输入。" + DIR_HELP)
    ],
    fmt: Annotated[ValidationFormat, typer.Option("--format")] = "text",
    lang: LangOpt = "zh",
    as_of: AsOfOpt = None,
    out: OutOpt = None,
) -> None:
    """校验记录格式 / Validate facility records: every problem, located by file and JSON path."""
    records = pipeline.validated(files, _as_of(as_of, lang), rules_date=False)
    _emit(VALIDATION_REPORTERS[fmt]().render(records, lang), out)
    raise typer.Exit(EXIT_OK if all(v.ok for v in records) else EXIT_INPUT)


@app.command()
def check(
    files: Annotated[list[str], typer.Argument(help="机构记录（JSON / JSON Lines / 目录 / -）。" + DIR_HELP)],
    overlay: OverlayOpt = None,
    as_of: AsOfOpt = None,
    hazards: HazardsOpt = None,
    fmt: Annotated[FacilityFormat, typer.Option("--format")] = "text",
    lang: LangOpt = "zh",
    assume_unknown_met: Annotated[
        bool,
        typer.Option(
            "--assume-unknown-met", help="按未知项均符合计分（仅供自查参考）/ best case: unknowns as met"
        ),
    ] = False,
    out: OutOpt = None,
    since: SinceOpt = None,
) -> None:
    """逐条检查 / Check facilities article by article; exit 0 compliant, 1 findings, 2 input errors."""
    render = FACILITY_REPORTERS[fmt]().render
    _run_facilities(files, overlay, as_of, hazards, fmt, lang, out, render, assume_unknown_met, since)


@app.command("self-check")
def self_check(
    files: Annotated[list[str], typer.Argument(help="机构记录 / facility record(s)")],
    overlay: OverlayOpt = None,
    as_of: AsOfOpt = None,
    hazards: HazardsOpt = None,
    fmt: Annotated[SelfCheckFormat, typer.Option("--format")] = "text",
    lang: LangOpt = "zh",
    out: OutOpt = None,
    filing: Annotated[
        bool,
        typer.Option(
            "--filing",
            help="备案材料与到期提醒；缺少或过期时退出码 1 / filing materials and expiry clocks; exit 1 when anything is missing or expired",
        ),
    ] = False,
) -> None:
    """机构自查 / The provider's view: what to fix or supply, first things first."""
    if filing:
        _run_filing(files, overlay, as_of, fmt, lang, out)
    _run_facilities(files, overlay, as_of, hazards, fmt, lang, out, SELFCHECK_REPORTERS[fmt]().render)


def _run_filing(
    files: list[str], overlay: str | None, as_of: str | None, fmt: str, lang: str, out: str | None
) -> NoReturn:
    """`self-check --filing`: the 备案 materials and the clocks, per facility."""
    from .engine import reference_date
    from .lifecycle.filing import filing_readiness
    from .render.lifecycle import FILING_REPORTERS

    when = _as_of(as_of, lang)
    catalogue = _catalogue(overlay, lang)
    records = pipeline.validated(files, when)
    rejected = [v for v in records if not v.ok]
    results = []
    for v in pipeline.usable(records):
        assert v.facility is not None
        ref, _source = reference_date(v.facility, Options(as_of=when))
        if ref is None:
            _usage(
                "没有参考日期：请在记录中填写 inspection.inspection_date，或用 --as-of 指定（到期判断不使用今天的日期）",
                "no reference date: fill inspection.inspection_date or give --as-of (expiry is never judged against today)",
                lang,
                source=v.source,
            )
        results.append(filing_readiness(v.facility, catalogue, ref))
    for v in rejected:
        for p in v.problems:
            sys.stderr.write(problem_line(p, lang) + "\n")
    if not results:
        raise typer.Exit(EXIT_INPUT)
    _emit(FILING_REPORTERS["json" if fmt == "json" else "text"]().render(results, lang), out)
    if rejected:
        raise typer.Exit(EXIT_INPUT)
    raise typer.Exit(EXIT_OK if all(r.ready for r in results) else EXIT_FINDINGS)


if TYPE_CHECKING:
    NoticeFormat: TypeAlias = str
else:
    from .render.lifecycle import NOTICE_REPORTERS

    NoticeFormat = _choices(NOTICE_REPORTERS)


@app.command()
def notice(
    files: Annotated[list[str], typer.Argument(help="机构记录 / facility record(s)")],
    deadline_days: Annotated[
        int | None,
        typer.Option(
            "--deadline-days",
            min=0,
            max=3650,
            help="整改期限：检查日期起 N 日（默认 30）/ deadline: N days from the reference date (default 30)",
        ),
    ] = None,
    deadlines: Annotated[
        str | None,
        typer.Option(
            "--deadlines",
            help="按条款的整改期限 YAML（schemas/deadlines.schema.json）/ per-article deadlines, YAML",
        ),
    ] = None,
    fmt: Annotated[NoticeFormat, typer.Option("--format")] = "html",
    since: SinceOpt = None,
    overlay: OverlayOpt = None,
    as_of: AsOfOpt = None,
    hazards: HazardsOpt = None,
    lang: LangOpt = "zh",
    out: OutOpt = None,
) -> None:
    """限期整改通知书 / Rectification notice: every unmet or unknown item, what to do, the basis and the deadline."""
    from .lifecycle.notice import build_notice, days_policy, load_deadlines
    from .render.lifecycle import NOTICE_REPORTERS

    if deadline_days is not None and deadlines is not None:
        _usage(
            "--deadline-days 与 --deadlines 只能选一个",
            "give either --deadline-days or --deadlines, not both",
            lang,
        )
    when = _as_of(as_of, lang)
    catalogue = _catalogue(overlay, lang)
    try:
        policy = load_deadlines(deadlines, catalogue) if deadlines else days_policy(deadline_days or 30)
    except InputError as exc:
        _fail(exc.problems, lang)
    earlier = _earlier(since, lang)
    records = pipeline.validated(files, when)
    rejected = [v for v in records if not v.ok]
    for v in rejected:
        for p in v.problems:
            sys.stderr.write(problem_line(p, lang) + "\n")
    reports = _reports(records, catalogue, Options(as_of=when), hazards, lang)
    if not reports:
        raise typer.Exit(EXIT_INPUT)
    if earlier is not None:
        reports = _compare(reports, earlier, lang)
    try:
        notices = [build_notice(r, policy) for r in reports]
    except InputError as exc:
        _fail(exc.problems, lang)
    _emit(NOTICE_REPORTERS[fmt]().render(notices, lang), out)
    if rejected:
        raise typer.Exit(EXIT_INPUT)
    raise typer.Exit(EXIT_FINDINGS if any(n.items for n in notices) else EXIT_OK)


@app.command()
def siting(
    files: Annotated[list[str], typer.Argument(help="机构记录 / facility record(s)")],
    hazards: Annotated[
        list[str],
        typer.Option(
            "--hazards",
            help="危险源图层 GeoJSON 或预处理图层（可多次指定）/ hazard layer, GeoJSON or prepared (repeatable)",
        ),
    ],
    overlay: OverlayOpt = None,
    fmt: Annotated[SitingFormat, typer.Option("--format")] = "text",
    lang: LangOpt = "zh",
    out: OutOpt = None,
) -> None:
    """选址测距 / Distances from hazards in true metres; geojson and svg show them on a map."""
    catalogue = _catalogue(overlay, lang)
    index = _hazard_index(hazards, catalogue, lang)
    assert index is not None
    records = pipeline.validated(files, None)
    rejected = [v for v in records if not v.ok]
    usable = [v.facility for v in records if v.ok and v.facility is not None]
    for v in records:  # errors of rejected records, and warnings (swapped coordinates …) of all
        for p in v.problems:
            if not v.ok or p.severity == Severity.warning:
                sys.stderr.write(problem_line(p, lang) + "\n")
    if not usable:
        raise typer.Exit(EXIT_INPUT)
    results = index.evaluate_many(usable)
    drawings = [index.drawing(f, r) for f, r in zip(usable, results, strict=True)]
    _emit(SITING_REPORTERS[fmt]().render(drawings, lang), out)
    if rejected:
        raise typer.Exit(EXIT_INPUT)
    raise typer.Exit(EXIT_OK if all(r.verdict == "compliant" for r in results) else EXIT_FINDINGS)


@app.command()
def district(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="目录、JSON Lines、JSON 数组（可多个）/ directories, JSON Lines, JSON arrays. " + DIR_HELP
        ),
    ],
    hazards: HazardsOpt = None,
    overlay: OverlayOpt = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[DistrictFormat, typer.Option("--format")] = "text",
    out: OutOpt = None,
    lang: LangOpt = "zh",
    allow_incomplete: Annotated[
        bool,
        typer.Option(
            "--allow-incomplete",
            help="接受不完整结果（有无法评估的记录时仍以 0/1 退出）/ accept an incomplete result",
        ),
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="并行进程数（默认 CPU 核数；小输入不并行）/ processes (default: CPU count)",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="较早的辖区报告（district --format json）：逐机构报告变化 / an earlier district JSON report: what changed per facility",
        ),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            help="辖区档案 YAML：报告附辖区概览（按镇街统计、普惠托位、千人口托位数、备案率）/ district profile: adds the dashboard",
        ),
    ] = None,
    with_dashboard: Annotated[
        bool,
        typer.Option(
            "--dashboard",
            help="无档案时也附辖区概览（仅记录可得的数字）/ add the dashboard without a profile (record figures only)",
        ),
    ] = False,
) -> None:
    """辖区服务质量得分 / The district's 15-point 服务质量 section, with everything a reviewer needs."""
    from .district import compute_inputs

    district_profile = None
    if profile is not None:
        from .rubrics import ProfileError, load_profile

        try:
            district_profile = load_profile(profile)
        except ProfileError as exc:
            _fail(exc.problems, lang)
    when = _as_of(as_of, lang)
    catalogue = _catalogue(overlay, lang)
    earlier_district = _earlier_district(since, lang)
    with _spinner("读取危险源图层…" if lang == "zh" else "reading hazard layers…"):
        index = _hazard_index(hazards, catalogue, lang, allow_rejected=True)
    reporter = DISTRICT_REPORTERS[fmt]()
    if reporter.binary and out is None and sys.stdout.isatty():
        _usage(
            "xlsx 为二进制格式，请用 --out 指定输出文件",
            "xlsx is binary: give an output file with --out",
            lang,
        )
    with _progress(lang) as advance:
        result = compute_inputs(
            list(inputs),
            catalogue,
            Options(as_of=when),
            siting_index=index,
            hazard_problems=list(index.layers.problems) if index is not None else [],
            allow_incomplete=allow_incomplete,
            today=max(date.today(), when) if when else date.today(),
            progress=advance,
            workers=workers,
        )
    for p in result.record_warnings:
        sys.stderr.write(problem_line(p, lang) + "\n")
    if earlier_district is not None:
        from .lifecycle.district_changes import compare_district

        result.since = compare_district(result, earlier_district)
    if profile is not None or with_dashboard:
        from .rubrics.evaluate import district_dashboard

        result.dashboard = district_dashboard(list(inputs), result, district_profile, when, lang)
        result.dashboard_profile = profile
    # the report is thousands of acyclic dicts and lists; the collector, back on after the
    # workers, would rescan the million hazard geometries each time they grow (0.2 s of 0.4)
    with paused():
        report = reporter.render(result, lang)
    _emit(report, out)
    if out is not None and fmt == "csv":
        stem = Path(out).with_suffix("")
        for name, rows in tables(result, lang).items():
            if name != "facilities":
                Path(f"{stem}-{name}.csv").write_text(csv_text(rows), encoding="utf-8")
    if result.evaluated == 0:
        sys.stderr.write(
            "辖区没有可评估的机构：没有得分\n"
            if lang == "zh"
            else "no facility could be evaluated: the district has no score\n"
        )
    elif not result.complete and not allow_incomplete:
        sys.stderr.write(
            "结果不完整：有记录或危险源要素无法使用（见报告）；如确认接受，请加 --allow-incomplete\n"
            if lang == "zh"
            else "incomplete result: some records or hazard features could not be used (see the report); "
            "add --allow-incomplete to accept it\n"
        )
    _keep_until_exit(index, result, catalogue)
    raise typer.Exit(result.exit_code())


def _earlier_district(since: str | None, lang: str) -> Any:
    if since is None:
        return None
    from .lifecycle.district_changes import load_earlier_district

    try:
        return load_earlier_district(since)
    except InputError as exc:
        _fail(exc.problems, lang)


@contextlib.contextmanager
def _spinner(text: str) -> Iterator[None]:
    """A spinner on stderr while something long runs, when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(text):
        yield


class _progress:
    """A progress bar on stderr when it is a terminal; silent otherwise (deterministic output)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not sys.stderr.isatty():
            return None
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.completed}"),
            TimeElapsedColumn(),
            transient=True,
        )
        self.bar.__enter__()
        task = self.bar.add_task("评估机构" if self.lang == "zh" else "facilities", total=None)
        return lambda n: self.bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@app.command("map")
def map_(
    files: Annotated[list[str], typer.Argument(help="机构记录（JSON / JSON Lines / 目录 / -）")],
    hazards: HazardsOpt = None,
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help="公开电子地图：仅已备案机构、仅公开信息，不含检查结论 / public map: filed facilities, public facts only",
        ),
    ] = False,
    tiles: Annotated[
        str | None,
        typer.Option(
            "--tiles",
            help="内网瓦片服务地址模板，如 https://tiles.example/{z}/{x}/{y}.png（默认无底图，不联网）/ tile URL template of an internal tile server",
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="工作台地址；机构弹窗链接到 {base-url}/facilities/{id} / workbench address for facility links",
        ),
    ] = None,
    outline: Annotated[
        str | None,
        typer.Option(
            "--outline",
            help="辖区边界 GeoJSON（Polygon/MultiPolygon，可带 coordinate_system）/ district outline (GeoJSON)",
        ),
    ] = None,
    fmt: Annotated[Literal["html", "geojson"], typer.Option("--format")] = "html",
    overlay: OverlayOpt = None,
    as_of: AsOfOpt = None,
    lang: LangOpt = "zh",
    out: OutOpt = None,
) -> None:
    """示意图 / A map of facilities (and hazards with their required distances) as one offline HTML file."""
    from .render.map import (
        SAFE_LINK_BASE,
        facility_map,
        is_publicly_filed,
        map_geojson,
        map_html,
        public_map,
        read_outline,
    )

    if public and (hazards or base_url is not None or overlay is not None):
        _usage(
            "--public 公开地图不显示危险源和检查结论，也不链接到工作台：请去掉 --hazards / --overlay / --base-url",
            "--public maps show no hazards or verdicts and no workbench links: drop --hazards / --overlay / --base-url",
            lang,
        )
    if base_url is not None and base_url != "" and not SAFE_LINK_BASE.match(base_url):
        _usage(
            f"--base-url 应为 http(s):// 地址或以 / 开头的路径：{base_url!r}",
            f"--base-url must be an http(s):// address or a path starting with /: {base_url!r}",
            lang,
        )
    if tiles is not None and (
        not SAFE_LINK_BASE.match(tiles) or not all(k in tiles for k in ("{z}", "{x}", "{y}"))
    ):
        _usage(
            f"--tiles 应为含 {{z}}、{{x}}、{{y}} 的瓦片地址模板：{tiles!r}",
            f"--tiles must be a tile URL template with {{z}}, {{x}} and {{y}}: {tiles!r}",
            lang,
        )
    when = _as_of(as_of, lang)
    boundary: list[dict[str, Any]] = []
    if outline is not None:
        try:
            boundary = read_outline(Path(outline).read_bytes(), outline)
        except OSError as exc:
            _usage(
                f"无法读取 {outline}：{exc.strerror}", f"cannot read {outline}: {exc.strerror}", lang, outline
            )
        except InputError as exc:
            _fail(exc.problems, lang)
    catalogue = None if public else _catalogue(overlay, lang)
    index = _hazard_index(hazards, catalogue, lang) if catalogue is not None else None
    records = pipeline.validated(files, when)
    rejected = [v for v in records if not v.ok]
    for v in rejected:
        for p in v.problems:
            sys.stderr.write(problem_line(p, lang) + "\n")
    good = pipeline.usable(records)
    if not good:
        raise typer.Exit(EXIT_INPUT)
    facilities = [v.facility for v in good if v.facility is not None]
    if public:
        collection = public_map(facilities, lang=lang, as_of=when, outline=boundary)
        hidden = sum(1 for f in facilities if not is_publicly_filed(f))
        if hidden:
            sys.stderr.write(
                f"公开地图只显示已备案且在营的机构：{hidden} 个机构未显示\n"
                if lang == "zh"
                else f"the public map shows only filed, operating facilities: {hidden} not shown\n"
            )
    else:
        assert catalogue is not None
        reports = pipeline.evaluate_records(records, catalogue, Options(as_of=when), index)
        collection = facility_map(
            facilities, reports, index, lang=lang, link_base=base_url, as_of=when, outline=boundary
        )
    for item in collection["unplaced"]:
        sys.stderr.write(
            f"{item['name']}：记录没有坐标，未标注在地图上\n"
            if lang == "zh"
            else f"{item['name']}: no coordinates in the record, not on the map\n"
        )
    _emit(map_html(collection, tiles=tiles) if fmt == "html" else map_geojson(collection), out, lang)
    raise typer.Exit(EXIT_INPUT if rejected else EXIT_OK)


@app.command()
def explain(
    code: Annotated[str, typer.Argument(help="条款代码，如 SET-19、MGT-32、DES-JGJ39-4.1.9")],
    fmt: Annotated[CatalogueFormat, typer.Option("--format")] = "text",
    lang: LangOpt = "zh",
    overlay: OverlayOpt = None,
) -> None:
    """解释条款 / What an article requires, why, its parameters and examples."""
    catalogue = _catalogue(overlay, lang)
    article = catalogue.get(code.strip())
    if article is None:
        import difflib

        close = difflib.get_close_matches(code.upper(), [a.code for a in catalogue.articles], n=3, cutoff=0.6)
        hint_zh = (
            f"；是否应为 {', '.join(close)}？" if close else "；用 facility-check standards 查看全部代码"
        )
        hint_en = (
            f"; did you mean {', '.join(close)}?"
            if close
            else "; see facility-check standards for every code"
        )
        _usage(f"未知的条款代码 {code!r}{hint_zh}", f"unknown article code {code!r}{hint_en}", lang)
    _emit(CATALOGUE_REPORTERS[fmt]().explain(article, catalogue, lang), None)


@app.command()
def standards(
    fmt: Annotated[CatalogueFormat, typer.Option("--format")] = "text",
    lang: LangOpt = "zh",
    overlay: OverlayOpt = None,
) -> None:
    """列出条款目录 / List the article catalogue (both standards and the design rules)."""
    catalogue = _catalogue(overlay, lang)
    _emit(CATALOGUE_REPORTERS[fmt]().listing(catalogue.articles, catalogue, lang), None)


@app.command()
def schema(
    name: Annotated[SchemaName, typer.Argument(help="which schema")] = "facility",
) -> None:
    """打印 JSON Schema / Print a published JSON Schema (default: the facility record)."""
    from .resources import load_schema

    _emit(dump_json(load_schema(SCHEMAS[name])), None)


@app.command()
def rubric(
    name: Annotated[
        str | None, typer.Argument(help="评分细则：liaoning / guangxi / beijing / mentougou（--list 列出）")
    ] = None,
    records: Annotated[
        list[str] | None, typer.Argument(help="机构记录（目录、JSON Lines、JSON）/ facility records")
    ] = None,
    list_packs: Annotated[bool, typer.Option("--list", help="列出评分细则 / list the rubric packs")] = False,
    profile: Annotated[
        str | None, typer.Option("--profile", help="辖区档案 YAML / district profile (YAML)")
    ] = None,
    hazards: HazardsOpt = None,
    overlay: OverlayOpt = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[RubricFormat, typer.Option("--format")] = "text",
    out: OutOpt = None,
    lang: LangOpt = "zh",
    allow_incomplete: Annotated[
        bool,
        typer.Option("--allow-incomplete", help="有无法使用的记录时仍以 0/1 退出 / accept unusable records"),
    ] = False,
) -> None:
    """评分细则逐项自评 / Score a district against a rubric pack, item by item, with the evidence."""
    from .rubrics import ProfileError, RubricError, load_profile, packs

    try:
        available = packs()
    except RubricError as exc:
        _fail(exc.problems, lang)
    if list_packs:
        _emit(_rubric_listing(available, fmt, lang), out, lang)
        raise typer.Exit(EXIT_OK)
    if name is None or name not in available:
        known = ", ".join(available)
        given = "" if name is None else f"{name!r}"
        _usage(
            f"未知的评分细则 {given}；可用：{known}" if name else f"请指定评分细则：{known}",
            f"unknown rubric {given}; available: {known}" if name else f"name a rubric: {known}",
            lang,
        )
    if not records:
        _usage("请提供机构记录", "give the facility records", lang)
    if profile is None:
        _usage("请用 --profile 指定辖区档案", "give the district profile with --profile", lang)
    reporter = RUBRIC_REPORTERS[fmt]()
    if reporter.binary and out is None and sys.stdout.isatty():
        _usage(
            "xlsx 为二进制格式，请用 --out 指定输出文件",
            "xlsx is binary: give an output file with --out",
            lang,
        )
    try:
        district_profile = load_profile(profile)
    except ProfileError as exc:
        _fail(exc.problems, lang)
    when = _as_of(as_of, lang)
    catalogue = _catalogue(overlay, lang)
    result = _rubric_result(
        available[name], list(records), district_profile, profile, catalogue, when, hazards, lang
    )
    _emit(reporter.render(result, lang), out, lang)
    if result.rejected and not allow_incomplete:
        sys.stderr.write(
            "结果不完整：有记录无法使用（见报告）；如确认接受，请加 --allow-incomplete\n"
            if lang == "zh"
            else "incomplete result: some records could not be used (see the report); add --allow-incomplete\n"
        )
        raise typer.Exit(EXIT_INPUT)
    if result.evaluated == 0:
        raise typer.Exit(EXIT_INPUT)
    raise typer.Exit(EXIT_FINDINGS if result.findings() else EXIT_OK)


def _rubric_listing(available: Any, fmt: str, lang: str) -> str:
    rows = [
        {
            "id": p.id,
            "title": p.title if lang == "zh" else p.title_en,
            "kind": p.kind,
            "items": len(p.items),
            "computed_items": sum(1 for i in p.items if i.computed),
            "source": p.source["file"],
        }
        for p in available.values()
    ]
    if fmt == "json":
        return dump_json(rows)
    if lang == "zh":
        return "".join(
            f"{r['id']:<10} {r['title']}（{r['items']} 项，可计算 {r['computed_items']} 项）\n" for r in rows
        )
    return "".join(
        f"{r['id']:<10} {r['title']} ({r['items']} items, {r['computed_items']} computed)\n" for r in rows
    )


def _rubric_result(
    pack: Any,
    names: list[str],
    district_profile: Any,
    profile_source: str,
    catalogue: Catalogue,
    when: date | None,
    hazards: list[str] | None,
    lang: str,
) -> Any:
    from .rubrics import evaluate_district

    index = _hazard_index(hazards, catalogue, lang, allow_rejected=True)
    result = evaluate_district(pack, names, district_profile, profile_source, catalogue, when, index, lang)
    for line in result.rejected:
        sys.stderr.write(line + "\n")
    return result


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="监听地址 / address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="端口 / port")] = 8765,
    data: Annotated[
        str | None,
        typer.Option("--data", help="数据目录（默认：用户数据目录）/ data directory (default: the user's)"),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            help="访问令牌（也可用环境变量 FACILITY_CHECK_TOKEN）/ access token (or FACILITY_CHECK_TOKEN)",
        ),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="载入示例辖区（须为新的数据目录）/ load the sample district")
    ] = False,
    upload_mb: Annotated[
        int | None, typer.Option("--upload-mb", min=1, help="上传大小上限 MB（默认 50）/ upload limit")
    ] = None,
    lang: LangOpt = "zh",
) -> None:
    """本地工作台 / Start the local web workbench (browser form, self-check, JSON API)."""
    try:
        from .web.serve import ServeError, run
    except ImportError as exc:
        _usage(
            f"工作台所需的软件包缺失（{exc.name}）：请重新安装 facility-check（pip install facility-check）",
            f"a package the workbench needs is missing ({exc.name}): reinstall facility-check",
            lang,
        )
    try:
        run(host=host, port=port, data=data, token=token, demo=demo, upload_mb=upload_mb, lang=lang)
    except ServeError as exc:
        _usage(exc.zh, exc.en, lang)


# ----------------------------------------------------------------------------------------------
# Workbooks (issue 9): blank forms, and records between JSON and Excel
# ----------------------------------------------------------------------------------------------

ColumnsOpt = Annotated[
    str | None,
    typer.Option(
        "--columns",
        help="列名映射 YAML（表头 -> 字段），用于自有花名册/台账 / header mapping for your own rosters (YAML)",
    ),
]


def _use_columns(columns: str | None, lang: str) -> None:
    from .workbook import mapping

    try:
        mapping.use(columns)
    except mapping.MappingError as exc:
        _fail(exc.problems, lang)


@app.command()
def template(
    out: Annotated[str, typer.Option("--out", help="输出的 .xlsx 文件 / the .xlsx file to write")],
    district_form: Annotated[
        bool,
        typer.Option("--district", help="多机构台账（每表以机构编号为键）/ roster form keyed by 机构编号"),
    ] = False,
    lang: LangOpt = "zh",
) -> None:
    """生成空白填报工作簿 / Write a blank workbook to fill in (one facility, or --district a roster)."""
    from .workbook.writer import template as blank

    if not out.lower().endswith(".xlsx"):
        _usage("--out 应为 .xlsx 文件", "--out must be an .xlsx file", lang, source=out)
    _emit(blank(roster=district_form), out, lang)
    raise typer.Exit(EXIT_OK)


@app.command()
def convert(
    inputs: Annotated[list[str], typer.Argument(help="JSON / JSON Lines / 目录 / .xlsx 工作簿")],
    to: Annotated[Literal["json", "xlsx"], typer.Option("--to", help="目标格式 / target format")],
    out: Annotated[
        str,
        typer.Option("--out", help="输出文件或目录（多个机构转 JSON 时）/ output file, or a directory"),
    ],
    district_form: Annotated[
        bool, typer.Option("--district", help="写成多机构台账 / write the roster form")
    ] = False,
    columns: ColumnsOpt = None,
    lang: LangOpt = "zh",
) -> None:
    """JSON 与工作簿互转 / Convert records: JSON <-> workbook, a directory <-> one roster workbook.

    Only valid records are converted; every problem is reported first (exit 2).
    """
    from .workbook.writer import WriteError, write

    if columns is not None:
        _use_columns(columns, lang)
    records = pipeline.validated(inputs, None, rules_date=False)
    rejected = [v for v in records if not v.ok]
    if rejected or not records:
        _emit(VALIDATION_REPORTERS["text"]().render(records, lang), None)
        raise typer.Exit(EXIT_INPUT)
    data = [v.data for v in records]
    if to == "xlsx":
        if not out.lower().endswith(".xlsx"):
            _usage("--out 应为 .xlsx 文件", "--out must be an .xlsx file", lang, source=out)
        try:
            content = write(data, roster=district_form or len(data) > 1)
        except WriteError as exc:
            _usage(f"无法写入工作簿：{exc}", f"cannot write the workbook: {exc}", lang, source=out)
        _emit(content, out, lang)
        raise typer.Exit(EXIT_OK)
    if len(data) == 1 and not Path(out).is_dir():
        _emit(_record_json(data[0]), out, lang)
        raise typer.Exit(EXIT_OK)
    if out.lower().endswith(".jsonl"):
        _emit("".join(_record_json(d, indent=None) for d in data), out, lang)
        raise typer.Exit(EXIT_OK)
    target = Path(out)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _usage(
            f"无法创建目录 {out}：{exc.strerror}", f"cannot create directory {out}: {exc.strerror}", lang, out
        )
    names = [_json_name(d) for d in data]
    if len(set(names)) != len(names):
        _usage(
            "机构编号重复，无法按编号命名文件", "facility ids repeat: cannot name one file per id", lang, out
        )
    for name, record in zip(names, data, strict=True):
        _emit(_record_json(record), str(target / name), lang)
    raise typer.Exit(EXIT_OK)


def _record_json(record: Any, indent: int | None = 2) -> str:
    import json

    return json.dumps(record, ensure_ascii=False, indent=indent) + "\n"


def _json_name(record: Any) -> str:
    ident = str(record.get("facility_id", "record")) if isinstance(record, dict) else "record"
    return re.sub(r"[^0-9A-Za-z._-]", "_", ident) + ".json"


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"facility-check {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="show the version and exit")
    ] = False,
    columns: ColumnsOpt = None,
) -> None:
    """facility-check"""
    # for every command: how to read the headers of users' own sheets (none given: none in force)
    argv = sys.argv[1:]
    english = "--lang=en" in argv or any(a == "--lang" and b == "en" for a, b in itertools.pairwise(argv))
    _use_columns(columns, "en" if english else "zh")


_USAGE_ZH = (
    (re.compile(r"^Missing argument '(.+)'\.?$"), "缺少参数 {0}"),
    (re.compile(r"^Missing option '(.+)'\.?$"), "缺少选项 {0}"),
    (re.compile(r"^No such option: (\S+)"), "没有这个选项：{0}"),
    (re.compile(r"^No such command '(.+)'\.?$"), "没有这个命令：{0}"),
    (re.compile(r"^Got unexpected extra arguments? \((.+)\)$"), "多余的参数：{0}"),
    (re.compile(r"^Invalid value for '(.+?)': (.+)$"), "{0} 的取值无效：{1}"),
    (re.compile(r"^Option '(.+)' requires an argument\.?$"), "选项 {0} 需要一个值"),
)


hazards_app = typer.Typer(help="危险源图层工具 / hazard layer tools", pretty_exceptions_enable=False)
app.add_typer(hazards_app, name="hazards")


@hazards_app.callback(invoke_without_command=True)
def _hazards(ctx: typer.Context) -> None:
    """危险源图层工具 / hazard layer tools."""
    if ctx.invoked_subcommand is None:  # `facility-check hazards` alone: its help, not an error
        typer.echo(ctx.get_help())
        raise typer.Exit(EXIT_OK)


@hazards_app.command("prepare")
def hazards_prepare(
    layers: Annotated[list[str], typer.Argument(help="危险源图层 GeoJSON / hazard layers, GeoJSON")],
    out: Annotated[str, typer.Option("--out", help="预处理图层（GeoParquet）/ prepared layer (GeoParquet)")],
    allow_incomplete: Annotated[
        bool,
        typer.Option(
            "--allow-incomplete",
            help="有无法使用的要素时仍写出（之后每次使用都会再次报告）/ write even if features are rejected "
            "(every later use reports them again)",
        ),
    ] = False,
    lang: LangOpt = "zh",
) -> None:
    """预处理危险源图层：校验、转换为 WGS-84，写成 GeoParquet 并记录源文件哈希；可用于任何 --hazards。

    Validate hazard layers once, convert them to WGS-84 and write GeoParquet with the source files'
    hashes; accepted by every --hazards option, refused once a source layer changes."""
    from .siting.prepared import write_prepared

    try:
        loaded = load_layers(layers)
    except HazardError as exc:
        _fail(exc.problems, lang)
    for p in loaded.problems:
        sys.stderr.write(problem_line(p, lang) + "\n")
    if loaded.rejected and not allow_incomplete:
        raise typer.Exit(EXIT_INPUT)
    try:
        write_prepared(loaded, layers, Path(out))
    except HazardError as exc:
        _fail(exc.problems, lang)
    except OSError as exc:
        _fail([Problem(out, "$", "output", Text(f"无法写入：{exc}", f"cannot write: {exc}"))], lang)
    n = len(loaded)
    sys.stderr.write(
        f"已写出 {n} 个危险源要素：{out}\n" if lang == "zh" else f"wrote {n} hazard features to {out}\n"
    )
    raise typer.Exit(EXIT_OK)


def _usage_message(message: str, lang: str, command: str) -> str:
    if lang == "en":
        return f"usage error: {message} (see {command} --help)"
    for pattern, template in _USAGE_ZH:
        match = pattern.match(message.strip())
        if match:
            message = template.format(*match.groups())
            break
    return f"用法错误：{message}（运行 {command} --help 查看用法）"


# What a run holds at its end (a district's hazard index: a million geometries) is left to the
# process's exit instead of being freed object by object when the command returns: freeing takes
# longer than writing the report (0.6 s for 1M hazards). Only when running as the program (main),
# never inside a test runner's process.
_FAST_EXIT = False
_KEPT_UNTIL_EXIT: list[object] = []


def _keep_until_exit(*objects: object) -> None:
    if _FAST_EXIT:
        _KEPT_UNTIL_EXIT.extend(objects)


def _exit_now(code: int) -> NoReturn:
    """Exit with ``code`` without tearing the heap down (what mypy's fast exit does): the output
    is flushed first, files were closed when written, and no exit hook of ours needs to run."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more can be said on it
            stream.flush()
    os._exit(code)


def _internal_error(exc: Exception, lang: str) -> NoReturn:
    """A bug, not the input: say so, with what a report needs, and exit with ``EXIT_INTERNAL``."""
    import traceback

    sys.stderr.write(
        (
            f"内部错误（程序缺陷，不是输入的问题；结果不可用）：{type(exc).__name__}: {exc}\n"
            "请将以下信息报告给开发者：\n"
            if lang == "zh"
            else f"internal error (a bug, not the input; no result): {type(exc).__name__}: {exc}\n"
            "please report the following to the developers:\n"
        )
        + "".join(traceback.format_exception(exc))
    )
    sys.stderr.flush()
    sys.exit(EXIT_INTERNAL)


def main() -> None:
    global _FAST_EXIT
    _FAST_EXIT = True
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower().replace("-", "") != "utf8":
            with contextlib.suppress(ValueError, OSError):  # exotic streams keep their encoding
                stream.reconfigure(encoding="utf-8")
    argv = sys.argv[1:]
    lang = (
        "en"
        if any(a == "--lang=en" for a in argv)
        or any(a == "--lang" and b == "en" for a, b in itertools.pairwise(argv))
        else "zh"
    )
    if not argv:
        argv = ["--help"]
    try:
        code = app(args=argv, prog_name="facility-check", standalone_mode=False)
    except KeyboardInterrupt:
        sys.stderr.write("已中断\n" if lang == "zh" else "interrupted\n")
        sys.exit(130)
    except Exception as exc:
        # usage errors of the CLI framework carry exit code 2 and a message; anything else is a bug
        format_message = getattr(exc, "format_message", None)
        if format_message is None or getattr(exc, "exit_code", None) != 2:
            _internal_error(exc, lang)
        ctx = getattr(exc, "ctx", None)
        command = getattr(ctx, "command_path", None) or "facility-check"
        sys.stderr.write(_usage_message(str(format_message()), lang, command) + "\n")
        sys.exit(EXIT_INPUT)
    code = code if isinstance(code, int) else EXIT_OK
    if _KEPT_UNTIL_EXIT:  # only a run that left something large behind skips the teardown
        _exit_now(code)
    sys.exit(code)


__all__ = ["Facility", "app", "main"]
