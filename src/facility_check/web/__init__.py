"""The workbench: ``facility-check serve``. ``create_app(settings)`` builds the application;
nothing runs at import. Its packages are dependencies of every install."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.requests import ClientDisconnect

from .. import __version__, pipeline
from . import security
from .db.session import Store
from .routes import api, district, inspector, mapping, pages
from .services.hazards import HazardCache
from .settings import WebSettings
from .templating import render

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("facility_check.web")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _error(request: Request, status: int, detail: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status)
    lang = "en" if (request.query_params.get("lang") or request.cookies.get("fc_lang")) == "en" else "zh"
    return render(request, "error.html", lang, status=status, status_code=status, detail=detail)


def create_app(settings: WebSettings) -> FastAPI:
    """The application over the store in ``settings.data_dir`` (created and migrated here)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.hazards_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database_url)
    store.migrate()
    app = FastAPI(
        title="facility-check workbench",
        version=__version__,
        description="托育机构合规工作台 JSON 接口：与命令行 `facility-check` 输出同一份文档。",
        docs_url=None,  # the interactive docs load scripts from a CDN: nothing leaves the machine
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.catalogue = pipeline.catalogue(None)
    app.state.hazard_cache = HazardCache()

    @app.middleware("http")
    async def require_token(request: Request, call_next: Any) -> Response:
        path = request.url.path
        if (
            settings.token
            and not path.startswith(security.PUBLIC_PREFIXES)
            and not security.authorized(request, settings.token)
        ):
            if _wants_json(request):
                return JSONResponse(
                    {"detail": "需要访问令牌 / token required"},
                    status_code=401,
                    headers={"www-authenticate": "Bearer"},
                )
            lang = "en" if request.query_params.get("lang") == "en" else "zh"
            return render(request, "login.html", lang, status=401)
        response: Response = await call_next(request)
        return response

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError) -> Response:
        return _error(request, 422, "请求参数无效 / invalid request parameters")

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        if isinstance(exc, ClientDisconnect):  # the browser gave up on the request: nothing to say
            return Response(status_code=400)
        log.exception("unexpected error on %s", request.url.path)
        return _error(request, 500, "服务器内部错误（详情见服务端日志）/ internal error (see the server log)")

    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(inspector.router)
    app.include_router(district.router)
    app.include_router(mapping.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(security.BodyLimit, limit=settings.upload_limit_bytes + 1024 * 1024)
    app.add_middleware(security.SecurityHeaders)
    return app


__all__ = ["WebSettings", "create_app"]
