"""The JSON API: the CLI's documents over the stored facilities and layers.

Answers are the renderers' own JSON (``check --format json``, ``district --format json``,
``validate --format json`` for rejected records), so the API and the CLI never disagree.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ...pipeline import InputError
from ...render.validation import problems_as_dicts
from ..deps import CatalogueDep, HazardsDep, LangDep, RowId, SettingsDep, StoreDep
from ..services import checking, districts, facilities, hazards, inspections, uploads
from ..services.facilities import Rejected

JSON = "application/json"


class ErrorDetail(BaseModel):
    """An error answer: what went wrong, in Chinese and English."""

    detail: str


class LocatedProblem(BaseModel):
    """One located problem (the CLI's ``validate --format json`` problem object)."""

    model_config = ConfigDict(extra="allow")
    source: str
    path: str
    code: str
    severity: str
    message: str


class Problems(BaseModel):
    """An upload or inspection that was refused: its located problems; nothing stored."""

    errors: list[LocatedProblem]


class RejectedRecord(BaseModel):
    model_config = ConfigDict(extra="allow")
    source: str
    facility_id: str | None
    valid: bool
    problems: list[LocatedProblem]


class RejectedRecords(BaseModel):
    """Records that failed validation (``facility-check validate --format json``); nothing stored."""

    records: list[RejectedRecord]
    valid: int
    invalid: int


# The error answers the API gives, published in the OpenAPI document (FastAPI's default 422 schema,
# a list of validation errors, is not what the workbench answers; found by tests/web/test_api_fuzz.py).
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorDetail, "description": "token required"},
    404: {"model": ErrorDetail, "description": "no such facility, inspection or layer"},
    413: {"model": ErrorDetail, "description": "upload too large"},
    422: {"model": ErrorDetail, "description": "invalid request parameters"},
}
router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS)

# The request bodies the POST operations read themselves (raw bytes or multipart), published so
# that a client (and the fuzzer) knows them; the server still validates every byte itself.
_FILE = {"type": "string", "format": "binary"}


def _multipart(description: str, **fields: dict[str, Any]) -> dict[str, Any]:
    properties = {"file": _FILE, **fields}
    schema = {"type": "object", "required": ["file"], "properties": properties}
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }


FACILITY_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A facility record (`facility-check schema facility`), or a file of records "
        "(.json, .jsonl, .xlsx) as the multipart field `file`",
        "content": {
            JSON: {"schema": {"type": "object"}},
            "multipart/form-data": _multipart("")["requestBody"]["content"]["multipart/form-data"],
        },
    }
}
INSPECTION_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            JSON: {
                "schema": {
                    "type": "object",
                    "required": ["date", "inspector"],
                    "properties": {
                        "date": {"type": "string", "format": "date"},
                        "inspector": {"type": "string", "minLength": 1, "maxLength": 200},
                        "answers": {
                            "type": ["object", "null"],
                            "description": "article code -> on-site answer (none: null or absent)",
                            "additionalProperties": {
                                "type": "object",
                                "required": ["status"],
                                "additionalProperties": False,
                                "properties": {
                                    "status": {"enum": ["met", "unmet", "not_applicable"]},
                                    "note": {"type": "string", "maxLength": 2000},
                                },
                            },
                        },
                    },
                }
            }
        },
    }
}
USER_HEADER = "X-Facility-Check-User"  # who saves (percent-encoded UTF-8); "api" when absent


def _json(text: str | bytes, status: int = 200) -> Response:
    return Response(content=text, status_code=status, media_type=JSON)


def _problems(problems: list[Any], lang: str, status: int = 422) -> Response:
    body = json.dumps(
        {"errors": problems_as_dicts(problems, lang)}, ensure_ascii=False, sort_keys=True, indent=2
    )
    return _json(body + "\n", status)


async def _file_bytes(upload: UploadFile, limit: int) -> bytes:
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"上传内容超过 {limit // (1024 * 1024)} MB 的上限 / upload too large")
    return data


@router.post(
    "/facilities",
    status_code=201,
    summary="Store a facility record (JSON body, or multipart `file` = .json/.jsonl/.xlsx)",
    responses={
        201: {"description": "stored"},
        422: {"model": ErrorDetail | RejectedRecords | Problems, "description": "nothing stored"},
    },
    openapi_extra=FACILITY_BODY,
)
async def post_facility(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    lang: LangDep,
    user: Annotated[str | None, Header(alias=USER_HEADER)] = None,
) -> Response:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(422, "缺少文件字段 file / missing the form field 'file'")
        source = facilities.safe_filename(upload.filename)
        data = await _file_bytes(upload, settings.upload_limit_bytes)
    else:
        source = "request.json"
        data = await request.body()
    blocked = uploads.check_upload(data, source, settings.upload_limit_bytes)
    if blocked:
        return _problems(blocked, lang)
    try:
        who = unquote(user).strip()[:200] if user else "api"
        saved = await run_in_threadpool(facilities.submit, store, data, source, who)
    except Rejected as exc:
        return _json(exc.body(lang), 422)
    if len(saved) == 1:
        return JSONResponse(saved[0].to_dict(), status_code=201)
    return JSONResponse({"saved": [s.to_dict() for s in saved]}, status_code=201)


@router.get("/facilities", summary="Every facility of the store, with its latest version")
def list_facilities(store: StoreDep) -> list[dict[str, Any]]:
    return [s.to_dict() for s in facilities.listing(store)]


def _latest(store: StoreDep, facility_pk: int) -> facilities.StoredRecord:
    record = facilities.latest(store, facility_pk)
    if record is None:
        raise HTTPException(404, "没有这个机构的已保存记录 / no saved record of this facility")
    return record


@router.get("/facilities/{facility_pk}", summary="The latest saved record of a facility")
def get_facility(facility_pk: RowId, store: StoreDep) -> Response:
    return _json(_latest(store, facility_pk).text)


@router.get(
    "/facilities/{facility_pk}/versions", summary="Every saved version of a facility's record (who, when)"
)
def get_versions(facility_pk: RowId, store: StoreDep) -> list[dict[str, Any]]:
    return [
        {
            "version": v.version,
            "saved_by": v.saved_by,
            "saved_at": v.saved_at.isoformat() + "Z",
            "source": v.source,
        }
        for v in facilities.history(store, facility_pk)
    ]


@router.get(
    "/facilities/{facility_pk}/check",
    summary="The check report: the document `facility-check check --format json` prints, with the stored layers",
)
def get_check(
    facility_pk: RowId, store: StoreDep, catalogue: CatalogueDep, loaded: HazardsDep, lang: LangDep
) -> Response:
    record = _latest(store, facility_pk)
    index = loaded.index if loaded is not None else None
    return _json(checking.check_json(record, catalogue, index, lang))


@router.post(
    "/hazard-layers",
    status_code=201,
    summary="Store a hazard layer (multipart `file` = GeoJSON / GeoJSON Lines, optional `crs`)",
    responses={422: {"model": ErrorDetail | Problems, "description": "located problems; nothing stored"}},
    openapi_extra=_multipart(
        "GeoJSON / GeoJSON Lines; `crs` when the file names none", crs={"type": "string"}
    ),
)
async def post_hazard_layer(
    request: Request, store: StoreDep, settings: SettingsDep, lang: LangDep
) -> Response:
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise HTTPException(422, "缺少文件字段 file / missing the form field 'file'")
    data = await _file_bytes(upload, settings.upload_limit_bytes)
    crs_value = form.get("crs")
    crs = crs_value.strip() if isinstance(crs_value, str) and crs_value.strip() else None
    try:
        layer = await run_in_threadpool(
            hazards.add_layer, store, settings.hazards_dir, data, upload.filename, crs, "api"
        )
    except InputError as exc:
        return _problems(exc.problems, lang)
    return JSONResponse(layer.to_dict(), status_code=201)


@router.get("/hazard-layers", summary="The stored hazard layers (name, CRS, SHA-256, features)")
def list_layers(store: StoreDep, settings: SettingsDep) -> list[dict[str, Any]]:
    return [x.to_dict() for x in hazards.layers(store, settings.data_dir)]


@router.get(
    "/district",
    summary="The district section: the document `facility-check district --format json` prints",
)
def get_district(
    store: StoreDep, settings: SettingsDep, catalogue: CatalogueDep, loaded: HazardsDep, lang: LangDep
) -> Response:
    names = {str(x.path): x.name for x in hazards.layers(store, settings.data_dir)}
    result = districts.result(store, facilities.all_latest(store), catalogue, loaded, names)
    return _json(districts.render(result, "json", lang))


@router.post(
    "/facilities/{facility_pk}/inspections",
    status_code=201,
    summary='Record an inspection: {"date", "inspector", "answers": {CODE: {"status", "note"}}}',
    responses={
        201: {"description": "stored"},
        422: {"model": ErrorDetail | Problems, "description": "located problems; nothing stored"},
    },
    openapi_extra=INSPECTION_BODY,
)
async def post_inspection(
    facility_pk: RowId,
    request: Request,
    store: StoreDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: LangDep,
) -> Response:
    _latest(store, facility_pk)
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(422, "请求体不是有效 JSON / the body is not valid JSON") from None
    index = loaded.index if loaded is not None else None
    try:
        stored = await run_in_threadpool(inspections.record, store, catalogue, index, facility_pk, body, lang)
    except InputError as exc:
        return _problems(exc.problems, lang)
    return JSONResponse(stored.to_dict(), status_code=201)


@router.get("/facilities/{facility_pk}/inspections", summary="A facility's inspections, newest first")
def list_inspections(facility_pk: RowId, store: StoreDep) -> list[dict[str, Any]]:
    if not facilities.exists(store, facility_pk):
        raise HTTPException(404, "没有这个机构 / no such facility")
    return [i.to_dict() for i in inspections.listing(store, facility_pk)]


@router.post("/inspections/{inspection_pk}/sign-off", summary="Sign an inspection off (immutable after)")
def sign_off_inspection(inspection_pk: RowId, store: StoreDep) -> dict[str, Any]:
    try:
        return inspections.sign_off(store, inspection_pk).to_dict()
    except LookupError:
        raise HTTPException(404, "没有这次检查 / no such inspection") from None


@router.post(
    "/inspections/{inspection_pk}/evidence",
    status_code=201,
    summary="Keep a photo or scan with an inspection (multipart `file`); 409 once signed off",
    responses={409: {"model": ErrorDetail, "description": "the inspection is signed off"}},
    openapi_extra=_multipart("a photo or scan"),
)
async def post_evidence(
    inspection_pk: RowId, request: Request, store: StoreDep, settings: SettingsDep
) -> Response:
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise HTTPException(422, "缺少文件字段 file / missing the form field 'file'")
    data = await _file_bytes(upload, inspections.MAX_EVIDENCE_BYTES)
    try:
        await run_in_threadpool(
            inspections.add_evidence, store, settings.data_dir, inspection_pk, upload.filename, data
        )
    except LookupError:
        raise HTTPException(404, "没有这次检查 / no such inspection") from None
    except inspections.SignedOff:
        raise HTTPException(409, "检查已签发，不能再更改 / the inspection is signed off") from None
    found = inspections.get(store, inspection_pk)
    assert found is not None
    return JSONResponse(found.to_dict(), status_code=201)
