"""Dependencies shared by the routers, as ``Annotated`` aliases (one file)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Path, Request

from ..catalogue import Catalogue
from ..pipeline import HazardLoad
from .db.session import Store
from .services import hazards
from .settings import WebSettings

LANG_COOKIE = "fc_lang"
# Row ids are SQLite integers (1 .. 2**63 - 1): an id outside that range is an invalid parameter
# (422), not a crash in the database driver (a 500, found by tests/web/test_api_fuzz.py).
MAX_ROW_ID = 2**63 - 1
Lang = Literal["zh", "en"]


def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_catalogue(request: Request) -> Catalogue:
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue


def get_lang(request: Request) -> Lang:
    """``?lang=`` wins, then the language cookie; Chinese by default."""
    value = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh"
    return "en" if value == "en" else "zh"


def get_hazards(request: Request) -> HazardLoad | None:
    settings = get_settings(request)
    store = get_store(request)
    stored = hazards.layers(store, settings.data_dir)
    cache: hazards.HazardCache = request.app.state.hazard_cache
    return cache.get(stored, get_catalogue(request))


SettingsDep = Annotated[WebSettings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
LangDep = Annotated[Lang, Depends(get_lang)]
HazardsDep = Annotated[HazardLoad | None, Depends(get_hazards)]
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
