"""The inspector's pages: facility search, the on-site checklist, the printable inspection
record, the rectification notice, the re-inspection report and the facility's history.

Thin: every figure and verdict comes from the core through ``services.inspections``."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ...pipeline import InputError
from ...render.facility import html_report
from ...render.lifecycle import column_stylesheet, print_stylesheet
from ...render.validation import problems_as_text
from ..deps import CatalogueDep, HazardsDep, LangDep, RowId, SettingsDep, StoreDep
from ..services import facilities, inspections
from .pages import _fields, _form, _page

router = APIRouter(include_in_schema=False)


@router.get("/columns.css", include_in_schema=False)
def columns_css() -> Response:
    """Column widths of the embedded report tables, on screen too."""
    return Response(column_stylesheet(), media_type="text/css")


@router.get("/print.css")
def print_css() -> Response:
    """The A4 print stylesheet of the inspection record and the notice (``render.lifecycle``)."""
    return Response(print_stylesheet(), media_type="text/css")


@router.get("/inspect", response_class=HTMLResponse)
def inspect_list(
    request: Request,
    store: StoreDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: LangDep,
    q: str = "",
    verdict: str = "",
) -> HTMLResponse:
    index = loaded.index if loaded is not None else None
    found = inspections.search(store, catalogue, index, q[:200], verdict)
    return _page(
        request, "inspect.html", lang, found=found, q=q, verdict=verdict, verdicts=inspections.VERDICTS
    )


def _checklist_page(
    request: Request,
    store: StoreDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: str,
    facility_pk: int,
    status: int = 200,
    problems: list[str] | None = None,
) -> HTMLResponse:
    index = loaded.index if loaded is not None else None
    found = inspections.checklist(store, catalogue, index, facility_pk, lang)
    if found is None:
        raise HTTPException(404, "没有这个机构的已保存记录 / no saved record of this facility")
    report, rows = found
    return _page(
        request,
        "checklist.html",
        lang,
        status=status,
        facility_pk=facility_pk,
        report=report,
        rows=rows,
        problems=problems or [],
    )


@router.get("/facilities/{facility_pk}/inspect", response_class=HTMLResponse)
def checklist_page(
    facility_pk: RowId,
    request: Request,
    store: StoreDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: LangDep,
) -> HTMLResponse:
    return _checklist_page(request, store, catalogue, loaded, lang, facility_pk)


@router.post("/facilities/{facility_pk}/inspect", response_class=HTMLResponse)
async def save_inspection(
    facility_pk: RowId,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: LangDep,
) -> Response:
    form = await _form(request, settings)
    fields = _fields(form)
    body = {
        "date": fields.get("date", [""])[-1],
        "inspector": fields.get("inspector", [""])[-1],
        "answers": inspections.answers_from_form(fields),
    }
    index = loaded.index if loaded is not None else None
    try:
        stored = await run_in_threadpool(inspections.record, store, catalogue, index, facility_pk, body, lang)
    except InputError as exc:
        lines = problems_as_text(exc.problems, lang)
        return _checklist_page(request, store, catalogue, loaded, lang, facility_pk, 422, lines)
    except LookupError:
        raise HTTPException(404, "没有这个机构的已保存记录 / no saved record of this facility") from None
    upload = form.get("evidence")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(inspections.MAX_EVIDENCE_BYTES + 1)
        await run_in_threadpool(
            inspections.add_evidence, store, settings.data_dir, stored.id, upload.filename, data
        )
    return RedirectResponse(f"/inspections/{stored.id}", status_code=303)


def _inspection(store: StoreDep, inspection_pk: int) -> inspections.StoredInspection:
    found = inspections.get(store, inspection_pk)
    if found is None:
        raise HTTPException(404, "没有这次检查 / no such inspection")
    return found


@router.get("/inspections/{inspection_pk}", response_class=HTMLResponse)
def inspection_page(
    inspection_pk: RowId,
    request: Request,
    store: StoreDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: LangDep,
) -> HTMLResponse:
    """The printable inspection record (``render.facility.html_report``), A4 print stylesheet."""
    item = _inspection(store, inspection_pk)
    index = loaded.index if loaded is not None else None
    reports = inspections.rebuild(store, catalogue, index, item)
    body = Markup("\n".join(html_report(r, lang) for r in reports))  # noqa: S704 (the renderer escapes)
    return _page(
        request,
        "inspection.html",
        lang,
        item=item,
        body=body,
        previous=inspections.previous(store, item),
        title_key="inspection_record",
    )


@router.post("/inspections/{inspection_pk}/sign-off")
async def sign_off(
    inspection_pk: RowId, request: Request, store: StoreDep, settings: SettingsDep
) -> Response:
    await _form(request, settings)
    _inspection(store, inspection_pk)
    await run_in_threadpool(inspections.sign_off, store, inspection_pk)
    return RedirectResponse(f"/inspections/{inspection_pk}", status_code=303)


@router.get("/inspections/{inspection_pk}/notice", response_class=HTMLResponse)
def notice_page(
    inspection_pk: RowId,
    request: Request,
    store: StoreDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: LangDep,
) -> HTMLResponse:
    """The rectification notice of the inspection (``NOTICE_REPORTERS["html"]``)."""
    item = _inspection(store, inspection_pk)
    index = loaded.index if loaded is not None else None
    reports = inspections.rebuild(store, catalogue, index, item)
    body = Markup(inspections.body_of(inspections.notice_html(reports, lang)))  # noqa: S704
    return _page(request, "inspection.html", lang, item=item, body=body, previous=None, title_key="notice")


@router.get("/inspections/{inspection_pk}/reinspection", response_class=HTMLResponse)
def reinspection_page(
    inspection_pk: RowId,
    request: Request,
    store: StoreDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: LangDep,
) -> HTMLResponse:
    """The re-inspection report: this inspection compared with the one before (``compare_all``)."""
    item = _inspection(store, inspection_pk)
    earlier = inspections.previous(store, item)
    if earlier is None:
        raise HTTPException(404, "这是该机构的第一次检查，没有可对比的上次检查 / no earlier inspection")
    index = loaded.index if loaded is not None else None
    reports = inspections.with_since(inspections.rebuild(store, catalogue, index, item), earlier)
    body = Markup("\n".join(html_report(r, lang) for r in reports))  # noqa: S704
    return _page(
        request, "inspection.html", lang, item=item, body=body, previous=earlier, title_key="reinspection"
    )


@router.get("/facilities/{facility_pk}/history", response_class=HTMLResponse)
def history_page(facility_pk: RowId, request: Request, store: StoreDep, lang: LangDep) -> HTMLResponse:
    if not facilities.exists(store, facility_pk):
        raise HTTPException(404, "没有这个机构 / no such facility")
    entries = inspections.timeline(store, facility_pk)
    chart = inspections.chart([e.inspection for e in entries])
    latest = facilities.latest(store, facility_pk)
    return _page(
        request, "history.html", lang, facility_pk=facility_pk, entries=entries, chart=chart, latest=latest
    )


@router.get("/inspections/{inspection_pk}/evidence/{evidence_pk}")
def evidence(inspection_pk: RowId, evidence_pk: RowId, store: StoreDep, settings: SettingsDep) -> Response:
    found = inspections.evidence_file(store, settings.data_dir, inspection_pk, evidence_pk)
    if found is None:
        raise HTTPException(404, "没有这个文件 / no such file")
    name, data = found
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "content-disposition": f"attachment; filename=\"evidence-{evidence_pk}\"; filename*=UTF-8''{quote(name)}"
        },
    )
