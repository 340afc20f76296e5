"""The district's pages beyond the section itself: record uploads with a result per file, the
section's downloads (``DISTRICT_REPORTERS``), facilities by 街道/乡镇 and by article."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ...district import DistrictResult
from .. import security
from ..deps import CatalogueDep, HazardsDep, LangDep, SettingsDep, StoreDep
from ..services import districts, facilities, hazards, intake
from .pages import _page, _who

router = APIRouter(include_in_schema=False)


def _result(
    store: StoreDep, settings: SettingsDep, catalogue: CatalogueDep, loaded: HazardsDep
) -> tuple[DistrictResult, list[facilities.StoredRecord]]:
    names = {str(x.path): x.name for x in hazards.layers(store, settings.data_dir)}
    records = facilities.all_latest(store)
    return districts.result(store, records, catalogue, loaded, names), records


@router.post("/district/records", response_class=HTMLResponse)
async def upload_records(
    request: Request, store: StoreDep, settings: SettingsDep, lang: LangDep
) -> HTMLResponse:
    """Records (JSON, JSON Lines, workbooks, or a zip of them): each file accepted or rejected."""
    form = await request.form(max_files=200, max_fields=50, max_part_size=settings.upload_limit_bytes)
    token = form.get(security.CSRF_FIELD)
    if not security.csrf_valid(request, token if isinstance(token, str) else None):
        raise HTTPException(403, "表单已过期或来源不明（CSRF），请刷新页面后重试 / CSRF check failed")
    who = _who(form, lang)
    results: list[intake.FileResult] = []
    for upload in form.getlist("files"):
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(settings.upload_limit_bytes + 1)
            results += await run_in_threadpool(
                intake.accept, store, data, upload.filename, who, settings.upload_limit_bytes, lang
            )
    layers: list[intake.LayerResult] = []
    for upload in form.getlist("layers"):
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(settings.upload_limit_bytes + 1)
            layers.append(
                await run_in_threadpool(
                    intake.accept_layer,
                    store,
                    settings.hazards_dir,
                    data,
                    upload.filename,
                    who,
                    settings.upload_limit_bytes,
                    lang,
                )
            )
    accepted = [r.accepted for r in results] + [x.accepted for x in layers]
    status = 200 if accepted and all(accepted) else 422
    return _page(request, "district_upload.html", lang, status=status, results=results, layers=layers)


@router.get("/district/section.{fmt}")
def download(
    fmt: str,
    store: StoreDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: LangDep,
) -> Response:
    """The section as ``facility-check district --format <fmt>`` prints it."""
    if fmt not in districts.DOWNLOADS:
        raise HTTPException(404, "没有这种格式 / no such format")
    result, _ = _result(store, settings, catalogue, loaded)
    body = districts.render(result, fmt, lang)
    suffix, media = districts.DOWNLOADS[fmt]
    return Response(
        body, media_type=media, headers={"content-disposition": f'attachment; filename="district.{suffix}"'}
    )


@router.get("/district/facilities", response_class=HTMLResponse)
def by_township(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: LangDep,
) -> HTMLResponse:
    """Facilities by 街道/乡镇 with counts, and every article not met with its facilities."""
    result, records = _result(store, settings, catalogue, loaded)
    return _page(
        request,
        "district_facilities.html",
        lang,
        groups=districts.townships(result, records, lang),
        articles=districts.article_index(result, records),
        total=result.rounded("total"),
    )
