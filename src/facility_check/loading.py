"""Reading facility records from files without ever trusting them.

Accepted inputs: a JSON file holding one record or an array of records, a JSON Lines file
(``.jsonl``/``.ndjson``, one record a line), an Excel workbook (``.xlsx``, one facility or a
roster; read by :mod:`facility_check.workbook`), a directory (its ``*.json``, ``*.jsonl`` and
``*.xlsx`` files, sorted by name), or ``-`` for standard input.

Limits (documented in README, "Input limits"):

* ``MAX_DOCUMENT_BYTES`` — a JSON document (file, or stdin) larger than this is refused;
  JSON Lines files are streamed, and each line is limited to ``MAX_RECORD_BYTES``.
* ``MAX_DEPTH`` — objects/arrays nested deeper than this are refused.
* ``MAX_RECORDS_PER_DOCUMENT`` — an array document with more records is refused (use JSON Lines).

Encodings: UTF-8 (with or without BOM), UTF-16/32 with BOM; a file that is not UTF-8 but decodes
as GB 18030 (a superset of GBK) is read, with a warning that names the encoding.
"""

from __future__ import annotations

import codecs
import errno
import json
import math
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .problems import Problem, Severity, Text

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
MAX_RECORD_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 32
MAX_RECORDS_PER_DOCUMENT = 100_000

JSONL_SUFFIXES = (".jsonl", ".ndjson")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")  # read by facility_check.workbook
RECORD_SUFFIXES = (".json", *JSONL_SUFFIXES, *WORKBOOK_SUFFIXES)  # what a directory contributes


@dataclass
class RawRecord:
    """One record as parsed from its source, not yet validated."""

    source: str  # file name, with "#n" (1-based) for the n-th record of an array or JSON Lines file
    data: Any
    line: int | None = None
    warnings: list[Problem] = field(default_factory=list)
    text: str | None = None  # the record's own JSON text, when it has one (a file, a line)
    # a workbook record: gives the validator's problems their sheet and cell
    locate: Callable[[list[Problem]], list[Problem]] | None = None
    utf8: bytes | None = None  # ``text`` as UTF-8, when it was read so (what the models validate)


@dataclass
class LoadFailure:
    """A source, or a part of it, that yielded no record."""

    source: str
    problems: list[Problem]


LoadItem = RawRecord | LoadFailure


class _Reject(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message.en)
        self.problem = problem


def _problem(source: str, code: str, zh: str, en: str, **kw: Any) -> Problem:
    return Problem(source=source, path=kw.pop("path", "$"), code=code, message=Text(zh, en), **kw)


# ----------------------------------------------------------------------------------------------
# Decoding
# ----------------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes, source: str) -> tuple[str, list[Problem]]:
    """Decode bytes to text; returns the text and warnings about the encoding."""
    warnings: list[Problem] = []
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise _Reject(
                    _problem(
                        source,
                        "encoding.invalid",
                        f"文件以 {encoding} 字节序标记开头，但第 {exc.start} 字节处不是有效的 {encoding} 编码",
                        f"file starts with a {encoding} byte-order mark but byte {exc.start} is not valid {encoding}",
                    )
                ) from None
            if encoding != "utf-8":
                warnings.append(
                    _problem(
                        source,
                        "encoding.utf16",
                        f"文件编码为 {encoding}，已按该编码读取；请改存为 UTF-8",
                        f"file is encoded as {encoding}; read as such — please save it as UTF-8",
                        severity=Severity.warning,
                    )
                )
            return text, warnings
    try:
        return data.decode("utf-8"), warnings
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise _Reject(
                _problem(
                    source,
                    "encoding.invalid",
                    f"文件不是 UTF-8 编码（第 {utf8_error.start} 字节无效），也不是 GBK/GB 18030 编码",
                    f"file is not UTF-8 (invalid byte at offset {utf8_error.start}) nor GBK/GB 18030",
                    expected="UTF-8",
                )
            ) from None
        warnings.append(
            _problem(
                source,
                "encoding.gbk",
                "文件编码为 GBK/GB 18030（不是 UTF-8），已按 GBK 读取；请改存为 UTF-8",
                "file is encoded as GBK/GB 18030, not UTF-8; read as GBK — please save it as UTF-8",
                severity=Severity.warning,
                expected="UTF-8",
                found="GBK",
            )
        )
        return text, warnings


def _utf8(data: bytes, warnings: list[Problem]) -> bytes | None:
    """``data`` itself when :func:`decode` read it as UTF-8 without a byte-order mark."""
    return None if warnings or data.startswith(codecs.BOM_UTF8) else data


# ----------------------------------------------------------------------------------------------
# Parsing
# ----------------------------------------------------------------------------------------------


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _BadConstant(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise _BadConstant(name)


# Python refuses to convert integer literals longer than this (CVE-2020-10735); found as a
# located input error instead of a ValueError from deep inside the JSON decoder.
MAX_INT_DIGITS = 4300


class _BadNumber(ValueError):
    def __init__(self, literal: str, kind: str) -> None:
        super().__init__(literal)
        self.literal = literal
        self.kind = kind  # "digits" (too long an integer) or "infinite" (a float that overflows)


def _parse_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise _BadNumber(literal, "digits")
    return int(literal)


def _parse_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):  # 1e400 overflows to infinity: no measurement is that large
        raise _BadNumber(literal, "infinite")
    return value


def _number_position(text: str, literal: str) -> tuple[int | None, int | None]:
    pos = text.find(literal)
    return _line_col(text, pos) if pos >= 0 else (None, None)


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, col


def _find_key(text: str, key: str) -> tuple[int | None, int | None]:
    """Best-effort position of the second occurrence of a duplicated key."""
    needle = json.dumps(key, ensure_ascii=False) + ":"
    compact = text.replace('" :', '":')
    first = compact.find(needle)
    second = compact.find(needle, first + 1) if first >= 0 else -1
    if second < 0:
        return None, None
    return _line_col(compact, second)


def depth_exceeded(value: Any, limit: int = MAX_DEPTH) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in node)
    return False


def parse_json(
    text: str, source: str, line_offset: int = 0, *, check_depth: bool = True, utf8: bytes | None = None
) -> Any:
    """Parse one JSON text strictly; raise _Reject with a located problem.

    ``check_depth=False`` leaves the nesting limit to the caller (records: a record the models
    accept cannot be deep, so only rejected records are walked). ``utf8``: the text's UTF-8
    encoding, when the caller holds it.
    """
    if not text.strip():
        raise _Reject(
            _problem(source, "json.empty", "文件为空（没有 JSON 内容）", "file is empty (no JSON content)")
        )
    value = _fast_parse(text, utf8)
    if value is _UNSURE:
        value = _exact_parse(text, source, line_offset)
    if check_depth and depth_exceeded(value, MAX_DEPTH):
        raise _Reject(too_deep(source))
    return value


# orjson reads a valid record about three times faster than the standard library with the hooks
# above. Its reading is used when it is certainly the same as the exact one's; otherwise (and for
# every input the hooks reject) the exact reading runs and locates the problem.
_UNSURE = object()
# every digit as "0", everything else as a space: a run of 19 zeros is a 19-digit number
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_NUMBER = b"0" * 19


def _orjson_refuses_what_the_hooks_refuse() -> bool:
    """The reading below relies on orjson refusing these (as the versions tested do)."""
    for probe in (b"1e400", b"-1e400", b"NaN", b"-Infinity", b'"\\ud800"'):
        try:
            orjson.loads(probe)
        except ValueError:
            continue
        return False
    return True


_ORJSON_USABLE = _orjson_refuses_what_the_hooks_refuse()


def _fast_parse(text: str, utf8: bytes | None = None) -> Any:
    """orjson's reading of ``text``, or ``_UNSURE`` when it might differ from the exact reading.

    orjson refuses NaN, Infinity, numbers that overflow to infinity, invalid escapes and too deep
    nesting (the exact reading then reports them); it differs from the exact reading in two ways,
    both detected here:

    * an integer beyond 64 bits becomes a float: such an integer has at least 19 digits, and any
      text with a run of 19 digits is read exactly;
    * a key given twice keeps its last value. orjson's own compact writing of the result has one
      colon per key plus the colons inside strings; the text has one colon per key it holds plus the
      same colons inside strings (unless a colon is written as an escape, ``\\u003a``: such text is
      read exactly). A key given twice loses a colon: the counts differ.
    """
    if not _ORJSON_USABLE:
        return _UNSURE
    try:
        data = text.encode("utf-8") if utf8 is None else utf8
        value = orjson.loads(data)
        if (
            _LONG_NUMBER in data.translate(_DIGITS_AS_ZEROS)
            or b"\\u003" in data
            or data.count(b":") != orjson.dumps(value).count(b":")
        ):
            return _UNSURE
    except (ValueError, TypeError):  # orjson.JSONDecodeError, JSONEncodeError, UnicodeEncodeError
        return _UNSURE
    return value


def _exact_parse(text: str, source: str, line_offset: int) -> Any:
    """The standard library's reading, with hooks that turn every refused input into a located problem."""
    try:
        value = json.loads(
            text,
            object_pairs_hook=_pairs_hook,
            parse_constant=_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except _BadNumber as exc:
        line, col = _number_position(text, exc.literal)
        shown = exc.literal if len(exc.literal) <= 20 else f"{exc.literal[:8]}…（{len(exc.literal)} 位）"
        shown_en = (
            exc.literal if len(exc.literal) <= 20 else f"{exc.literal[:8]}… ({len(exc.literal)} digits)"
        )
        if exc.kind == "digits":
            zh = f"整数位数超过 {MAX_INT_DIGITS} 位（{shown}）：不是有效的数值"
            en = f"an integer with more than {MAX_INT_DIGITS} digits ({shown_en}) is not a valid value"
        else:
            zh = f"数值 {shown} 超出可表示的范围（按无穷大读取）：请填写有限的数值"
            en = f"number {shown_en} is out of range (it reads as infinity): give a finite number"
        raise _Reject(
            _problem(
                source,
                "json.number",
                zh,
                en,
                expected=None if exc.kind == "infinite" else f"<= {MAX_INT_DIGITS}",
                found=exc.literal if len(exc.literal) <= 20 else exc.literal[:20] + "…",
                line=None if line is None else line + line_offset,
                column=col,
            )
        ) from None
    except _DuplicateKey as exc:
        line, col = _find_key(text, exc.key)
        raise _Reject(
            _problem(
                source,
                "json.duplicate_key",
                f"对象中键 {exc.key!r} 重复出现；每个键只能出现一次",
                f"key {exc.key!r} appears twice in the same object; each key must be unique",
                found=exc.key,
                line=None if line is None else line + line_offset,
                column=col,
            )
        ) from None
    except _BadConstant as exc:
        raise _Reject(
            _problem(
                source,
                "json.constant",
                f"JSON 中不允许出现 {exc.name}；请填写一个数值，或删除该字段表示未知",
                f"{exc.name} is not allowed in JSON; give a number, or leave the field out for unknown",
                found=exc.name,
            )
        ) from None
    except json.JSONDecodeError as exc:
        raise _Reject(
            _problem(
                source,
                "json.syntax",
                f"JSON 语法错误：{_zh_json_error(exc.msg)}（第 {exc.lineno + line_offset} 行第 {exc.colno} 列）",
                f"invalid JSON: {exc.msg} (line {exc.lineno + line_offset}, column {exc.colno})",
                line=exc.lineno + line_offset,
                column=exc.colno,
            )
        ) from None
    except RecursionError:
        raise _Reject(too_deep(source)) from None
    return value


def too_deep(source: str) -> Problem:
    return _problem(
        source,
        "limit.depth",
        f"嵌套层数超过上限 {MAX_DEPTH}",
        f"nesting is deeper than the limit of {MAX_DEPTH}",
        expected=f"<= {MAX_DEPTH}",
    )


_JSON_ERRORS_ZH = {
    "Expecting value": "此处应为一个值",
    "Expecting property name enclosed in double quotes": "此处应为用双引号括起的键名",
    "Expecting ',' delimiter": "此处应为逗号 ','",
    "Expecting ':' delimiter": "此处应为冒号 ':'",
    "Extra data": "JSON 值之后还有多余内容",
    "Unterminated string starting at": "字符串没有结束引号",
    "Invalid control character at": "字符串中有未转义的控制字符",
    "Invalid \\escape": "无效的转义序列",
    "Illegal trailing comma before end of object": "对象末尾多了逗号",
    "Illegal trailing comma before end of array": "数组末尾多了逗号",
}


def _zh_json_error(msg: str) -> str:
    for en, zh in _JSON_ERRORS_ZH.items():
        if msg.startswith(en):
            return zh
    return msg


# ----------------------------------------------------------------------------------------------
# Sources
# ----------------------------------------------------------------------------------------------


def _too_large(source: str) -> Problem:
    return _problem(
        source,
        "limit.size",
        f"文件超过 {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB 上限；大量记录请使用 JSON Lines (.jsonl)",
        f"file is larger than the {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB limit; "
        "use JSON Lines (.jsonl) for many records",
    )


def _read_limited(stream: BinaryIO, source: str) -> bytes:
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _Reject(_too_large(source))
    return data


def _records_from_document(
    value: Any, source: str, warnings: list[Problem], text: str | None = None, utf8: bytes | None = None
) -> Iterator[LoadItem]:
    if isinstance(value, list):
        if len(value) > MAX_RECORDS_PER_DOCUMENT:
            yield LoadFailure(
                source,
                [
                    _problem(
                        source,
                        "limit.records",
                        f"数组中记录数超过上限 {MAX_RECORDS_PER_DOCUMENT}；请使用 JSON Lines",
                        f"more than {MAX_RECORDS_PER_DOCUMENT} records in one array; use JSON Lines",
                    )
                ],
            )
            return
        if not value:
            yield LoadFailure(
                source,
                [_problem(source, "json.empty_array", "数组中没有任何记录", "the array holds no record")],
            )
            return
        for index, item in enumerate(value):
            yield RawRecord(source=f"{source}#{index + 1}", data=item, warnings=list(warnings))
    else:
        yield RawRecord(source=source, data=value, warnings=warnings, text=text, utf8=utf8)


def _iter_jsonl(
    stream: Iterable[bytes], source: str, first_line: int = 1, *, whole: bool = True
) -> Iterator[LoadItem]:
    """The records of a JSON Lines file (``whole``) or of a range of one; blank lines are skipped,
    but a whole file without any non-blank line is an empty input, as an empty ``.json`` is."""
    first = first_line == 1
    any_line = False
    for number, raw in enumerate(stream, start=first_line):
        record_source = f"{source}#{number}"
        if len(raw) > MAX_RECORD_BYTES:
            any_line = True
            yield LoadFailure(
                record_source,
                [
                    _problem(
                        record_source,
                        "limit.size",
                        f"第 {number} 行超过单条记录 {MAX_RECORD_BYTES // (1024 * 1024)} MiB 上限",
                        f"line {number} is larger than the {MAX_RECORD_BYTES // (1024 * 1024)} MiB record limit",
                        line=number,
                    )
                ],
            )
            continue
        if first and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        first = False
        try:
            text, warnings = decode(raw, record_source)
            if not text.strip():
                continue
            any_line = True
            utf8 = _utf8(raw, warnings)
            value = parse_json(text, record_source, line_offset=number - 1, check_depth=False, utf8=utf8)
        except _Reject as exc:
            yield LoadFailure(record_source, [exc.problem])
            continue
        yield RawRecord(
            source=record_source, data=value, line=number, warnings=warnings, text=text, utf8=utf8
        )
    if whole and not any_line:
        yield LoadFailure(
            source, [_problem(source, "json.empty", "文件为空（没有任何记录）", "file is empty (no record)")]
        )


# ----------------------------------------------------------------------------------------------
# Work units: independent pieces of the input, for processing in parallel
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A piece of input that can be read on its own: a whole source, or a range of a JSON Lines file."""

    name: str
    start: int = 0  # byte offset (JSON Lines ranges)
    end: int | None = None
    first_line: int = 1
    size: int = 0
    problem: Problem | None = None  # a directory entry that cannot be read, reported as rejected


def plan_units(names: list[str], chunk_bytes: int = 4 * 1024 * 1024) -> list[Unit]:
    """Split the inputs into units, in input order; JSON Lines files into line-aligned ranges."""
    units: list[Unit] = []
    for name in names:
        path = Path(name)
        if name == "-" or not path.exists():
            units.append(Unit(name))
        elif path.is_dir():
            entries = directory_entries(path)
            for entry in entries:
                if isinstance(entry, Problem):
                    units.append(Unit(entry.source, problem=entry))
                else:
                    units.extend(plan_units([str(entry)], chunk_bytes))
            if not entries:
                units.append(Unit(name))
        elif path.suffix.lower() in JSONL_SUFFIXES and path.stat().st_size > chunk_bytes:
            units.extend(_jsonl_ranges(path, chunk_bytes))
        else:
            units.append(Unit(name, size=path.stat().st_size if path.is_file() else 0))
    return units


def _jsonl_ranges(
    path: Path, chunk_bytes: int, start: int = 0, end: int | None = None, line: int = 1
) -> list[Unit]:
    """Line-aligned ranges of about ``chunk_bytes`` each (at least one line), covering the file
    or its range ``start``..``end`` (which begins and ends on a line)."""
    units: list[Unit] = []
    with path.open("rb") as stream:
        while end is None or start < end:
            stream.seek(start)
            block = stream.read(chunk_bytes if end is None else min(chunk_bytes, end - start))
            if not block:
                break
            # finish the line the block ends in, if it ends inside one (the range's end is a line's end)
            inside = not block.endswith(b"\n") and (end is None or start + len(block) < end)
            rest = stream.readline() if inside else b""
            stop = start + len(block) + len(rest)
            units.append(Unit(str(path), start, stop, line, stop - start))
            line += (block + rest).count(b"\n")
            start = stop
    return units


def split_unit(unit: Unit, parts: int) -> list[Unit]:
    """A JSON Lines range split into up to ``parts`` line-aligned ranges of about equal size, in
    order (line numbers kept); any other unit is returned whole."""
    if unit.end is None or unit.problem is not None or parts < 2:
        return [unit]
    size = -(-(unit.end - unit.start) // parts)  # rounded up: at most ``parts`` ranges
    return _jsonl_ranges(Path(unit.name), max(1, size), unit.start, unit.end, unit.first_line) or [unit]


def iter_unit(unit: Unit, stdin: BinaryIO | None = None) -> Iterator[LoadItem]:
    if unit.problem is not None:
        yield LoadFailure(unit.name, [unit.problem])
        return
    if unit.end is None:
        yield from iter_source(unit.name, stdin=stdin)
        return
    with Path(unit.name).open("rb") as stream:
        stream.seek(unit.start)
        data = stream.read(unit.end - unit.start)
    yield from _iter_jsonl(data.splitlines(keepends=True), unit.name, unit.first_line, whole=False)


def iter_source(name: str, stdin: BinaryIO | None = None) -> Iterator[LoadItem]:
    """Yield the records of one input name (file, directory or ``-``)."""
    if name == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        try:
            data = _read_limited(stream, "<stdin>")
        except _Reject as exc:
            yield LoadFailure("<stdin>", [exc.problem])
            return
        yield from iter_bytes(data, "<stdin>")
        return

    path = Path(name)
    if path.is_dir():
        entries = directory_entries(path)
        if not entries:
            yield LoadFailure(
                name,
                [
                    _problem(
                        name,
                        "input.empty_dir",
                        "目录中没有 .json、.jsonl 或 .xlsx 文件",
                        "directory has no .json, .jsonl or .xlsx file",
                    )
                ],
            )
        for entry in entries:
            if isinstance(entry, Problem):
                yield LoadFailure(entry.source, [entry])
            else:
                yield from iter_source(str(entry))
        return
    if not path.exists():
        yield LoadFailure(name, [_problem(name, "input.missing", "文件不存在", "file does not exist")])
        return
    try:
        with path.open("rb") as stream:
            if path.suffix.lower() in JSONL_SUFFIXES:
                yield from _iter_jsonl(stream, name)
                return
            data = _read_limited(stream, name)
    except OSError as exc:
        yield LoadFailure(
            name,
            [
                _problem(
                    name,
                    "input.unreadable",
                    f"无法读取文件：{exc.strerror}",
                    f"cannot read file: {exc.strerror}",
                )
            ],
        )
        return
    except _Reject as exc:
        yield LoadFailure(name, [exc.problem])
        return
    yield from iter_bytes(data, name, sniff_jsonl=False)


def iter_bytes(data: bytes, source: str, *, sniff_jsonl: bool = True) -> Iterator[LoadItem]:
    """Yield the records of a document held in memory (an upload, stdin), named by ``source``.

    A name ending in ``.jsonl``/``.ndjson`` is read as JSON Lines; otherwise, with ``sniff_jsonl``,
    a document of more than one line, each a JSON value, is recognised as JSON Lines too.
    """
    if len(data) > MAX_DOCUMENT_BYTES:
        yield LoadFailure(source, [_too_large(source)])
        return
    from . import workbook

    refused = None if source.lower().endswith(WORKBOOK_SUFFIXES) else workbook.refused_problem(source, data)
    if refused is not None:  # .xls, .csv, .ods …: a clear message, not a JSON syntax error
        yield LoadFailure(source, [refused])
        return
    if source.lower().endswith(WORKBOOK_SUFFIXES) or workbook.looks_like_workbook(data):
        yield from workbook.read_workbook(data, source)
        return
    if source.lower().endswith(JSONL_SUFFIXES):
        yield from _iter_jsonl(data.splitlines(keepends=True), source)
        return
    try:
        text, warnings = decode(data, source)
        lines = [ln for ln in text.splitlines() if ln.strip()] if sniff_jsonl else []
        if len(lines) > 1 and all(ln.lstrip()[:1] in "{[" for ln in lines) and _is_jsonl(text):
            yield from _iter_jsonl(text.encode("utf-8").splitlines(keepends=True), source)
            return
        # a single-record document is depth-checked by validation (only if the models reject it)
        utf8 = _utf8(data, warnings)
        value = parse_json(text, source, check_depth=not text.lstrip().startswith("{"), utf8=utf8)
    except _Reject as exc:
        yield LoadFailure(source, [exc.problem])
        return
    if isinstance(value, dict):
        yield from _records_from_document(value, source, warnings, text, utf8)
    else:
        yield from _records_from_document(value, source, warnings)


def directory_entries(directory: Path) -> list[Path | Problem]:
    """What a directory input holds, sorted by name: its record files, and a problem for each entry
    that looks like input but cannot be read.

    Directories are not read recursively: a subdirectory (or a link to one) is reported, so that
    nothing is skipped silently; give it as an input of its own. Files with other suffixes are not
    records and are passed over. A broken or looping link, or a directory named ``*.json``, is
    reported with the reason.
    """
    out: list[Path | Problem] = []
    try:
        children = sorted(directory.iterdir())
    except OSError as exc:
        return [
            _problem(
                str(directory),
                "input.unreadable",
                f"无法读取目录：{exc.strerror}",
                f"cannot read directory: {exc.strerror}",
            )
        ]
    for child in children:
        source = str(child)
        record_like = child.suffix.lower() in RECORD_SUFFIXES
        try:
            is_dir, is_file = child.is_dir(), child.is_file()
        except OSError:  # e.g. a link loop on some systems
            is_dir = is_file = False
        if is_file and record_like:
            out.append(child)
        elif is_dir:
            link = "（符号链接）" if child.is_symlink() else ""
            link_en = " (a symbolic link)" if child.is_symlink() else ""
            out.append(
                _problem(
                    source,
                    "input.subdirectory",
                    f"子目录{link}未读取：目录输入不递归读取子目录；如需检查，请将其作为单独的输入",
                    f"subdirectory{link_en} not read: directory inputs are not read recursively; "
                    "give it as an input of its own",
                )
            )
        elif child.is_symlink():
            reason_zh, reason_en = _link_problem(child)
            if record_like or not is_file:
                out.append(_problem(source, "input.link", reason_zh, reason_en))
        elif record_like:
            out.append(
                _problem(
                    source,
                    "input.not_a_file",
                    "不是普通文件（设备、管道或套接字），未读取",
                    "not a regular file (a device, pipe or socket); not read",
                )
            )
    return out


def _link_problem(link: Path) -> tuple[str, str]:
    try:
        link.resolve(strict=True)
    except RuntimeError:
        return "符号链接循环指向自身，未读取", "symbolic link loops back on itself; not read"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "符号链接循环指向自身，未读取", "symbolic link loops back on itself; not read"
        return (
            "符号链接指向的目标不存在，未读取",
            "symbolic link points to nothing (its target is missing); not read",
        )
    return "符号链接指向的不是普通文件，未读取", "symbolic link does not point to a regular file; not read"


def _is_jsonl(text: str) -> bool:
    try:
        json.loads(text, parse_int=_parse_int)
    except ValueError:  # a syntax error, or a number the line-by-line parse will report
        return True
    return False


def iter_sources(names: list[str], stdin: BinaryIO | None = None) -> Iterator[LoadItem]:
    for name in names:
        yield from iter_source(name, stdin=stdin)
