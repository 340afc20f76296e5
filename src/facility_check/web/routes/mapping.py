"""``/map``: the working map (facilities by verdict, hazards with buffers, crossing lines), the
outline upload, and the downloads of the self-contained map and of the public map.

The page loads Leaflet, the map stylesheet and the drawing script as files (the CSP is
self-only); the data travel as JSON data blocks, never as inline script."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ...pipeline import InputError
from ...render.map import MAP_CSS, map_data_fragment, map_html, page_script
from ...render.validation import problems_as_text
from ..deps import CatalogueDep, HazardsDep, LangDep, SettingsDep, StoreDep
from ..services import facilities, maps
from .pages import _form, _page

router = APIRouter(include_in_schema=False)


@router.get("/map.css")
def map_css() -> Response:
    return Response(MAP_CSS, media_type="text/css")


@router.get("/map.js")
def map_js() -> Response:
    return Response(page_script(), media_type="text/javascript")


def _map_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: str,
    status: int = 200,
    problems: list[str] | None = None,
) -> HTMLResponse:
    collection = maps.working(store, settings.data_dir, catalogue, loaded, lang, links=True)
    tiles = request.query_params.get("tiles") or None
    if tiles is not None and not tiles.startswith(("http://", "https://", "/")):
        tiles = None
    fragment = Markup(map_data_fragment(collection, tiles=tiles))  # noqa: S704 (JSON escaped for script blocks)
    return _page(
        request,
        "map.html",
        lang,
        status=status,
        fragment=fragment,
        collection=collection,
        problems=problems or [],
    )


@router.get("/map", response_class=HTMLResponse)
def map_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    loaded: HazardsDep,
    lang: LangDep,
) -> HTMLResponse:
    return _map_page(request, store, settings, catalogue, loaded, lang)


@router.post("/map/outline", response_class=HTMLResponse)
async def upload_outline(
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
        raise HTTPException(422, "请选择辖区边界文件 / choose an outline file")
    data = await upload.read(settings.upload_limit_bytes + 1)
    try:
        await run_in_threadpool(
            maps.save_outline, settings.data_dir, data, upload.filename or "outline.geojson"
        )
    except InputError as exc:
        return _map_page(
            request, store, settings, catalogue, loaded, lang, 422, problems_as_text(exc.problems, lang)
        )
    return RedirectResponse("/map", status_code=303)


@router.get("/map/download.html")
def download_map(
    store: StoreDep, settings: SettingsDep, catalogue: CatalogueDep, loaded: HazardsDep, lang: LangDep
) -> Response:
    """The self-contained working map (Leaflet inlined, no network), as ``facility-check map``."""
    collection = maps.working(store, settings.data_dir, catalogue, loaded, lang, links=False)
    return Response(
        map_html(collection),
        media_type="text/html; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="map.html"'},
    )


@router.get("/map/public.html")
def download_public(store: StoreDep, settings: SettingsDep, lang: LangDep) -> Response:
    """The public map (filed facilities, public facts only), as ``facility-check map --public``."""
    return Response(
        map_html(maps.public(store, settings.data_dir, lang)),
        media_type="text/html; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="public-map.html"'},
    )


@router.get("/open/facilities/{facility_id}")
def open_facility(facility_id: str, store: StoreDep) -> Response:
    """A map popup's link: the facility's page by its record id."""
    pk = facilities.pk_of(store, facility_id)
    if pk is None:
        raise HTTPException(404, "没有这个机构 / no such facility")
    return RedirectResponse(f"/facilities/{pk}", status_code=303)
