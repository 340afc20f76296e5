"""Uploaded files before they reach the core: size, and for workbooks (zip containers) the
zip-bomb and path checks; and the workbook export hook."""

from __future__ import annotations

import io
import zipfile

from ...problems import Problem, Text

MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
MAX_RATIO = 100
MAX_ENTRIES = 10_000
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def _problem(source: str, code: str, zh: str, en: str) -> Problem:
    return Problem(source=source, path="$", code=code, message=Text(zh, en))


def check_upload(data: bytes, filename: str, limit: int) -> list[Problem]:
    """Problems that stop an upload before it is parsed (empty list: go ahead)."""
    if len(data) > limit:
        mb = limit // (1024 * 1024)
        return [
            _problem(filename, "upload.too_large", f"文件超过 {mb} MB 的上限", f"file larger than {mb} MB")
        ]
    if filename.lower().endswith(WORKBOOK_SUFFIXES) or data[:4] == b"PK\x03\x04":
        return check_zip(data, filename)
    return []


def check_zip(data: bytes, source: str) -> list[Problem]:
    """A workbook is a zip: refuse one that would inflate beyond bounds (zip bomb) or that names
    paths outside itself."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError):
        return [
            _problem(
                source,
                "upload.bad_zip",
                "工作簿文件已损坏（不是有效的 xlsx）",
                "the workbook is damaged (not a valid xlsx)",
            )
        ]
    if len(infos) > MAX_ENTRIES:
        return [
            _problem(
                source, "upload.zip_entries", "工作簿包含的文件过多", "the workbook holds too many parts"
            )
        ]
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_RATIO:
        return [
            _problem(
                source,
                "upload.zip_bomb",
                "工作簿解压后过大（疑似压缩炸弹），已拒绝",
                "the workbook inflates beyond bounds (a zip bomb?): refused",
            )
        ]
    for i in infos:
        name = i.filename.replace("\\", "/")
        if name.startswith("/") or ".." in name.split("/"):
            return [
                _problem(
                    source,
                    "upload.zip_path",
                    "工作簿内含非法路径，已拒绝",
                    "the workbook names an unsafe path: refused",
                )
            ]
    return []


def export_workbook(record_json: str) -> bytes:
    """A stored record as a one-facility workbook (the same writer as `convert --to xlsx`)."""
    import json

    from ...workbook.writer import write

    return write([json.loads(record_json)], roster=False)
