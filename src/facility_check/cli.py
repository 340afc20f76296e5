"""The ``facility-check`` command line.

Exit codes: 0 compliant / ok, 1 findings, 2 usage or input errors. Every ``--format`` choice
comes from a renderer registry. Output is deterministic: same input, same bytes.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn, TypeAlias

import typer

from . import __version__
from .catalogue import Catalogue, CatalogueError
from .catalogue import load as load_catalogue
from .engine import Options, evaluate
from .loading import iter_sources
from .problems import Problem, Severity, Text
from .record import Facility
from .render.base import dump_json
from .render.catalogue import CATALOGUE_REPORTERS
from .render.district import DISTRICT_REPORTERS, csv_text, tables
from .render.facility import FACILITY_REPORTERS, SELFCHECK_REPORTERS
from .render.siting import SITING_REPORTERS
from .render.validation import VALIDATION_REPORTERS, problem_line
from .report import FacilityReport
from .siting import HazardError, SitingIndex, load_layers
from .validate import ValidatedRecord, validate_items

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2

SCHEMAS = {
    "facility": "facility.schema.json",
    "hazards": "hazards.schema.json",
    "overlay": "overlay.schema.json",
    "catalogue": "catalogue.schema.json",
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
else:
    FacilityFormat = _choices(FACILITY_REPORTERS)
    ValidationFormat = _choices(VALIDATION_REPORTERS)
    SelfCheckFormat = _choices(SELFCHECK_REPORTERS)
    CatalogueFormat = _choices(CATALOGUE_REPORTERS)
    DistrictFormat = _choices(DISTRICT_REPORTERS)
    SitingFormat = _choices(SITING_REPORTERS)
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
        return load_catalogue(overlay)
    except CatalogueError as exc:
        _fail(exc.problems, lang)


def _emit(text: str | bytes, out: str | None, lang: str = "zh") -> None:
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


def _validated(files: Iterable[str], as_of: date | None, *, rules_date: bool = True) -> list[ValidatedRecord]:
    """Validate the inputs. Event dates may not lie in the future: after today, or after a later
    --as-of. For `check` and `district`, --as-of is the date the rules are applied on and an
    earlier one must not reject records (``rules_date``); for `validate` it is the reference itself.
    """
    today = date.today()
    limit = (max(today, as_of) if as_of else today) if rules_date else (as_of or today)
    return list(validate_items(iter_sources(list(files)), limit))


def _reports(
    records: Sequence[ValidatedRecord],
    catalogue: Catalogue,
    options: Options,
    hazards: list[str] | None,
    lang: str,
) -> list[FacilityReport]:
    siting_index = _hazard_index(hazards, catalogue, lang)
    usable = [v.facility for v in records if v.ok and v.facility is not None]
    sitings = iter(siting_index.evaluate_many(usable)) if siting_index is not None else None
    reports = []
    for v in records:
        if not v.ok or v.facility is None:
            continue
        warnings = tuple(p for p in v.problems if p.severity == Severity.warning)
        siting = next(sitings) if sitings is not None else None
        reports.append(
            evaluate(v.facility, catalogue, options, source=v.source, siting=siting, warnings=warnings)
        )
    return reports


def _hazard_index(
    hazards: list[str] | None, catalogue: Catalogue, lang: str, *, allow_rejected: bool = False
) -> SitingIndex | None:
    """Load hazard layers; a feature that cannot be used is an input error unless allowed."""
    if not hazards:
        return None
    try:
        layers = load_layers(hazards)
        index = SitingIndex(layers, catalogue)
    except HazardError as exc:
        _fail(exc.problems, lang)
    for p in layers.problems:
        if p.severity == Severity.warning or allow_rejected:
            sys.stderr.write(problem_line(p, lang) + "\n")
    if layers.rejected and not allow_rejected:
        _fail(layers.rejected, lang)
    return index


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
) -> NoReturn:
    """What `check` and `self-check` share: validate, evaluate, render, exit 0 / 1 / 2."""
    when = _as_of(as_of, lang)
    catalogue = _catalogue(overlay, lang)
    records = _validated(files, when)
    rejected = [v for v in records if not v.ok]
    reports = _reports(
        records, catalogue, Options(as_of=when, assume_unknown_met=assume_unknown_met), hazards, lang
    )
    if not reports:
        _emit(VALIDATION_REPORTERS["json" if fmt == "json" else "text"]().render(rejected, lang), out)
        raise typer.Exit(EXIT_INPUT)
    _emit(render(reports, rejected, lang), out)
    if rejected:
        raise typer.Exit(EXIT_INPUT)
    raise typer.Exit(EXIT_FINDINGS if any(r.exit_findings() for r in reports) else EXIT_OK)


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(help="JSON / JSON Lines 文件、目录，或 - 表示标准输入")],
    fmt: Annotated[ValidationFormat, typer.Option("--format")] = "text",
    lang: LangOpt = "zh",
    as_of: AsOfOpt = None,
    out: OutOpt = None,
) -> None:
    """校验记录格式 / Validate facility records: every problem, located by file and JSON path."""
    records = _validated(files, _as_of(as_of, lang), rules_date=False)
    _emit(VALIDATION_REPORTERS[fmt]().render(records, lang), out)
    raise typer.Exit(EXIT_OK if all(v.ok for v in records) else EXIT_INPUT)


@app.command()
def check(
    files: Annotated[list[str], typer.Argument(help="机构记录（JSON / JSON Lines / 目录 / -）")],
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
) -> None:
    """逐条检查 / Check facilities article by article; exit 0 compliant, 1 findings, 2 input errors."""
    render = FACILITY_REPORTERS[fmt]().render
    _run_facilities(files, overlay, as_of, hazards, fmt, lang, out, render, assume_unknown_met)


@app.command("self-check")
def self_check(
    files: Annotated[list[str], typer.Argument(help="机构记录 / facility record(s)")],
    overlay: OverlayOpt = None,
    as_of: AsOfOpt = None,
    hazards: HazardsOpt = None,
    fmt: Annotated[SelfCheckFormat, typer.Option("--format")] = "text",
    lang: LangOpt = "zh",
    out: OutOpt = None,
) -> None:
    """机构自查 / The provider's view: what to fix or supply, first things first."""
    _run_facilities(files, overlay, as_of, hazards, fmt, lang, out, SELFCHECK_REPORTERS[fmt]().render)


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
    records = _validated(files, None)
    rejected = [v for v in records if not v.ok]
    usable = [v.facility for v in records if v.ok and v.facility is not None]
    for v in rejected:
        for p in v.problems:
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
        typer.Argument(help="目录、JSON Lines、JSON 数组（可多个）/ directories, JSON Lines, JSON arrays"),
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
) -> None:
    """辖区服务质量得分 / The district's 15-point 服务质量 section, with everything a reviewer needs."""
    from .district import compute_inputs

    when = _as_of(as_of, lang)
    catalogue = _catalogue(overlay, lang)
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
    _emit(reporter.render(result, lang), out)
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
    raise typer.Exit(result.exit_code())


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


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"facility-check {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="show the version and exit")
    ] = False,
) -> None:
    """facility-check"""


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


def main() -> None:
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
            raise
        ctx = getattr(exc, "ctx", None)
        command = getattr(ctx, "command_path", None) or "facility-check"
        sys.stderr.write(_usage_message(str(format_message()), lang, command) + "\n")
        sys.exit(EXIT_INPUT)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


__all__ = ["Facility", "app", "main"]
