"""HTML pages and htmx partials. Same services as the API; templates only lay out what the
services and the renderers produce (no rule, date or score logic here or in the templates)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from ...loading import LoadFailure, iter_bytes
from ...pipeline import InputError
from ...render.validation import problems_as_text
from .. import security
from ..deps import LANG_COOKIE, CatalogueDep, HazardsDep, LangDep, RowId, SettingsDep, StoreDep
from ..services import checking, districts, facilities, forms, hazards, uploads
from ..services.facilities import Conflict, Rejected
from ..templating import render

router = APIRouter(include_in_schema=False)
FORM_USER = "saved_by"
DEFAULT_USER = {"zh": "本机用户", "en": "local user"}


def _page(request: Request, template: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    response = render(request, template, lang, status=status, **context)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, samesite="strict", httponly=True)
    return response


async def _form(request: Request, settings: SettingsDep) -> FormData:
    form = await request.form(max_files=2, max_fields=50_000, max_part_size=settings.upload_limit_bytes)
    token = form.get(security.CSRF_FIELD)
    if not security.csrf_valid(request, token if isinstance(token, str) else None):
        raise HTTPException(
            403, "表单已过期或来源不明（CSRF），请刷新页面后重试 / CSRF check failed: reload the page"
        )
    return form


def _fields(form: FormData) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key not in (security.CSRF_FIELD, "action", FORM_USER):
            out.setdefault(key, []).append(value)
    return out


def _who(form: FormData, lang: str) -> str:
    value = form.get(FORM_USER)
    return value.strip()[:200] if isinstance(value, str) and value.strip() else DEFAULT_USER[lang]


@router.get("/", response_class=HTMLResponse)
def index(request: Request, store: StoreDep, lang: LangDep) -> HTMLResponse:
    return _page(request, "index.html", lang, facilities=facilities.listing(store))


def _edit_page(
    request: Request,
    lang: str,
    data: dict[str, Any],
    facility_pk: int | None,
    *,
    status: int = 200,
    message: str | None = None,
    problems: list[str] | None = None,
    draft_info: Any = None,
    latest: Any = None,
) -> HTMLResponse:
    return _page(
        request,
        "form.html",
        lang,
        status=status,
        sections=forms.sections(),
        data=data,
        facility_pk=facility_pk,
        message=message,
        problems=problems or [],
        draft_info=draft_info,
        latest=latest,
    )


@router.get("/facilities/new", response_class=HTMLResponse)
def new_facility(request: Request, lang: LangDep) -> HTMLResponse:
    return _edit_page(request, lang, {}, None)


@router.get("/facilities/{facility_pk}/edit", response_class=HTMLResponse)
def edit_facility(facility_pk: RowId, request: Request, store: StoreDep, lang: LangDep) -> HTMLResponse:
    if not facilities.exists(store, facility_pk):
        raise HTTPException(404, "没有这个机构 / no such facility")
    found = facilities.draft(store, facility_pk)
    latest = facilities.latest(store, facility_pk)
    if found is not None:
        data, who, when = found
        return _edit_page(request, lang, data, facility_pk, draft_info={"by": who, "at": when}, latest=latest)
    data = json.loads(latest.text) if latest is not None else {}
    return _edit_page(request, lang, data, facility_pk, latest=latest)


@router.post("/facilities/new", response_class=HTMLResponse)
async def create_facility(
    request: Request, store: StoreDep, settings: SettingsDep, lang: LangDep
) -> Response:
    return await _save(request, store, settings, lang, None)


@router.post("/facilities/{facility_pk}/edit", response_class=HTMLResponse)
async def update_facility(
    facility_pk: RowId, request: Request, store: StoreDep, settings: SettingsDep, lang: LangDep
) -> Response:
    if not facilities.exists(store, facility_pk):
        raise HTTPException(404, "没有这个机构 / no such facility")
    return await _save(request, store, settings, lang, facility_pk)


async def _save(
    request: Request, store: StoreDep, settings: SettingsDep, lang: str, facility_pk: int | None
) -> Response:
    """``action=draft`` keeps the form as typed; ``action=save`` validates and stores a version
    (or keeps the draft and shows what stops it)."""
    form = await _form(request, settings)
    data = forms.record_from_form(_fields(form))
    who = _who(form, lang)
    if form.get("action") == "save":
        try:
            text = facilities.canonical(data).encode("utf-8")
            saved = await run_in_threadpool(
                lambda: facilities.submit(store, text, "form", who, facility_pk, new=facility_pk is None)
            )
        except Rejected as exc:
            pk = await run_in_threadpool(facilities.save_draft, store, data, who, facility_pk)
            lines = [line for v in exc.records for line in problems_as_text(v.problems, lang)]
            msg = (
                "记录还不完整或有错误，未保存为正式版本；已保存为草稿。"
                if lang == "zh"
                else "The record is incomplete or has errors: not saved as a version; kept as a draft."
            )
            return _edit_page(request, lang, data, pk, status=422, message=msg, problems=lines)
        except Conflict as exc:
            pk = await run_in_threadpool(facilities.save_draft, store, data, who, facility_pk)
            msg = (
                f"机构编号 {exc} 已属于另一家机构；已保存为草稿。"
                if lang == "zh"
                else f"Facility id {exc} belongs to another facility; kept as a draft."
            )
            return _edit_page(request, lang, data, pk, status=409, message=msg)
        return RedirectResponse(f"/facilities/{saved[0].id}?saved={saved[0].version}", status_code=303)
    pk = await run_in_threadpool(facilities.save_draft, store, data, who, facility_pk)
    return RedirectResponse(f"/facilities/{pk}/edit?draft=saved", status_code=303)


@router.post("/facilities/self-check", response_class=HTMLResponse)
async def self_check_panel(
    request: Request, settings: SettingsDep, catalogue: CatalogueDep, loaded: HazardsDep, lang: LangDep
) -> HTMLResponse:
    """The htmx partial beside the form: the self-check of the form as it stands."""
    form = await _form(request, settings)
    data = forms.record_from_form(_fields(form))
    index = loaded.index if loaded is not None else None
    result = await run_in_threadpool(checking.check_draft, data, catalogue, index, lang)
    return _page(request, "_selfcheck.html", lang, result=result)


@router.post("/facilities/import", response_class=HTMLResponse)
async def import_new(request: Request, store: StoreDep, settings: SettingsDep, lang: LangDep) -> Response:
    return await _import(request, store, settings, lang, None)


@router.post("/facilities/{facility_pk}/import", response_class=HTMLResponse)
async def import_into(
    facility_pk: RowId, request: Request, store: StoreDep, settings: SettingsDep, lang: LangDep
) -> Response:
    if not facilities.exists(store, facility_pk):
        raise HTTPException(404, "没有这个机构 / no such facility")
    return await _import(request, store, settings, lang, facility_pk)


async def _import(
    request: Request, store: StoreDep, settings: SettingsDep, lang: str, facility_pk: int | None
) -> Response:
    """A JSON file (or workbook) becomes the draft, as written (check it in the form)."""
    form = await _form(request, settings)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise HTTPException(422, "请选择要导入的文件 / choose a file to import")
    name = facilities.safe_filename(upload.filename)
    data = await upload.read(settings.upload_limit_bytes + 1)
    blocked = uploads.check_upload(data, name, settings.upload_limit_bytes)
    items = [] if blocked else await run_in_threadpool(lambda: list(iter_bytes(data, name)))
    failures = blocked + [p for i in items if isinstance(i, LoadFailure) for p in i.problems]
    records = [i for i in items if not isinstance(i, LoadFailure)]
    if failures or not records:
        lines = problems_as_text(failures, lang) or [
            "文件中没有记录" if lang == "zh" else "the file holds no record"
        ]
        msg = "无法导入：" if lang == "zh" else "Cannot import:"
        return _edit_page(request, lang, {}, facility_pk, status=422, message=msg, problems=lines)
    raw = records[0].data if isinstance(records[0].data, dict) else {}
    pk = await run_in_threadpool(facilities.save_draft, store, raw, _who(form, lang), facility_pk)
    return RedirectResponse(f"/facilities/{pk}/edit?draft=imported", status_code=303)


@router.get("/facilities/{facility_pk}", response_class=HTMLResponse)
def facility_page(
    facility_pk: RowId,
    request: Request,
    store: StoreDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: LangDep,
) -> HTMLResponse:
    if not facilities.exists(store, facility_pk):
        raise HTTPException(404, "没有这个机构 / no such facility")
    latest = facilities.latest(store, facility_pk)
    index = loaded.index if loaded is not None else None
    report = Markup(checking.report_html(latest, catalogue, index, lang)) if latest else None  # noqa: S704
    response = _page(
        request,
        "facility.html",
        lang,
        facility_pk=facility_pk,
        latest=latest,
        report=report,
        history=facilities.history(store, facility_pk),
        has_draft=facilities.draft(store, facility_pk) is not None,
        layers=loaded.index.layers.names if loaded is not None else [],
    )
    if latest is not None:
        response.headers["link"] = (
            f'</api/facilities/{facility_pk}/check>; rel="alternate"; type="application/json"'
        )
    return response


@router.get("/facilities/{facility_pk}/record.json")
def download_json(facility_pk: RowId, store: StoreDep, draft: bool = False) -> Response:
    if draft:
        found = facilities.draft(store, facility_pk)
        if found is None:
            raise HTTPException(404, "没有草稿 / no draft")
        text, name = facilities.canonical(found[0]), f"draft-{facility_pk}.json"
    else:
        latest = facilities.latest(store, facility_pk)
        if latest is None:
            raise HTTPException(404, "没有已保存的记录 / no saved record")
        text, name = latest.text, latest.source
    return Response(
        text,
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.get("/facilities/{facility_pk}/record.xlsx")
def download_workbook(facility_pk: RowId, store: StoreDep, lang: LangDep) -> Response:
    latest = facilities.latest(store, facility_pk)
    if latest is None:
        raise HTTPException(404, "没有已保存的记录 / no saved record")
    return Response(
        uploads.export_workbook(latest.text),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="{latest.source.removesuffix(".json")}.xlsx"'},
    )


def _district_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: str,
    status: int = 200,
    problems: list[str] | None = None,
) -> HTMLResponse:
    stored = hazards.layers(store, settings.data_dir)
    names = {str(x.path): x.name for x in stored}
    records = facilities.all_latest(store)
    result = districts.result(store, records, catalogue, loaded, names)
    body = Markup(districts.html_body(result, lang, records))  # noqa: S704 (the renderer escapes)
    return _page(
        request, "district.html", lang, status=status, body=body, layers=stored, problems=problems or []
    )


@router.get("/district", response_class=HTMLResponse)
def district_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: LangDep,
) -> HTMLResponse:
    """The district section over the stored facilities and layers, as ``district --format html``."""
    return _district_page(request, store, settings, catalogue, loaded, lang)


@router.post("/hazard-layers", response_class=HTMLResponse)
async def upload_layer(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: LangDep,
) -> Response:
    form = await _form(request, settings)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise HTTPException(422, "请选择要上传的图层文件 / choose a layer file")
    data = await upload.read(settings.upload_limit_bytes + 1)
    crs_value = form.get("crs")
    crs = crs_value if isinstance(crs_value, str) and crs_value else None
    blocked = uploads.check_upload(
        data, facilities.safe_filename(upload.filename), settings.upload_limit_bytes
    )
    try:
        if blocked:
            raise InputError(blocked)
        await run_in_threadpool(
            hazards.add_layer, store, settings.hazards_dir, data, upload.filename, crs, _who(form, lang)
        )
    except InputError as exc:
        lines = problems_as_text(exc.problems, lang)
        return _district_page(request, store, settings, catalogue, loaded, lang, 422, lines)
    return RedirectResponse("/district?layer=added", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, lang: LangDep) -> HTMLResponse:
    return _page(request, "login.html", lang)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, settings: SettingsDep, lang: LangDep) -> Response:
    form = await _form(request, settings)
    token = form.get("token")
    if settings.token and isinstance(token, str) and security.authorized_token(token, settings.token):
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            security.SESSION_COOKIE,
            security.session_value(settings.token),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response
    return _page(request, "login.html", lang, status=401, failed=True)
