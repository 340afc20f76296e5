"""The district's uploads: many record files at once (JSON, JSON Lines, workbooks, or a zip of
them), each with its own result: accepted (the facilities stored) or rejected (located problems).

A zip passes the same zip-bomb and path checks as a workbook (``uploads.check_zip``) before any
member is read; members that are not record files are reported, never dropped silently."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ...pipeline import InputError
from ...problems import Problem, Text
from ...render.validation import problems_as_text
from ..db.session import Store
from . import facilities, hazards, uploads

RECORD_SUFFIXES = (".json", ".jsonl", ".ndjson", ".xlsx", ".xlsm")
MAX_MEMBERS = 2000


@dataclass
class FileResult:
    name: str
    accepted: bool
    saved: list[facilities.Saved] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _problem(source: str, zh: str, en: str) -> Problem:
    return Problem(source=source, path="$", code="upload.member", message=Text(zh, en))


def _one(store: Store, data: bytes, name: str, who: str, limit: int, lang: str) -> FileResult:
    blocked = uploads.check_upload(data, name, limit)
    if blocked:
        return FileResult(name, False, problems=problems_as_text(blocked, lang))
    try:
        saved = facilities.submit(store, data, name, who)
    except facilities.Rejected as exc:
        lines = [line for v in exc.records for line in problems_as_text(v.problems, lang)]
        return FileResult(name, False, problems=lines or [_empty(lang)])
    except facilities.Conflict as exc:
        return FileResult(name, False, problems=[f"{name}: {exc}"])
    return FileResult(name, True, saved=saved)


def _empty(lang: str) -> str:
    return "文件中没有记录" if lang == "zh" else "the file holds no record"


def accept(
    store: Store, data: bytes, filename: str | None, who: str, limit: int, lang: str
) -> list[FileResult]:
    """Store the records of one uploaded file (or of each record file in a zip)."""
    name = facilities.safe_filename(filename)
    if not name.lower().endswith(".zip"):
        return [_one(store, data, name, who, limit, lang)]
    blocked = uploads.check_upload(data, name, limit) or uploads.check_zip(data, name)
    if blocked:
        return [FileResult(name, False, problems=problems_as_text(blocked, lang))]
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = [i for i in z.infolist() if not i.is_dir()][:MAX_MEMBERS]
        for info in sorted(members, key=lambda i: i.filename):
            member = f"{name}/{info.filename}"
            if not info.filename.lower().endswith(RECORD_SUFFIXES):
                problem = _problem(
                    member, "不是记录文件（应为 .json、.jsonl 或 .xlsx），未读取", "not a record file"
                )
                out.append(FileResult(member, False, problems=problems_as_text([problem], lang)))
                continue
            if info.file_size > limit:
                problem = _problem(member, "文件过大，未读取", "file too large: not read")
                out.append(FileResult(member, False, problems=problems_as_text([problem], lang)))
                continue
            out.append(_one(store, z.read(info), member, who, limit, lang))
    return out


@dataclass
class LayerResult:
    name: str
    accepted: bool
    features: int = 0
    crs: str = ""
    problems: list[str] = field(default_factory=list)


def accept_layer(
    store: Store, hazards_dir: Path, data: bytes, filename: str | None, who: str, limit: int, lang: str
) -> LayerResult:
    """Keep one hazard layer (GeoJSON / GeoJSON Lines) if the core loader can use every feature."""
    name = facilities.safe_filename(filename, "hazards.geojson")
    blocked = uploads.check_upload(data, name, limit)
    try:
        if blocked:
            raise InputError(blocked)
        layer = hazards.add_layer(store, hazards_dir, data, filename, None, who)
    except InputError as exc:
        return LayerResult(name, False, problems=problems_as_text(exc.problems, lang))
    return LayerResult(layer.name, True, layer.features, layer.crs)
