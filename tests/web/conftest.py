from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from facility_check.web import WebSettings, create_app
from facility_check.web.services import demo
from tests.browser import launched

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session", autouse=True)
def _no_environment_settings() -> Iterator[None]:
    """Tests state their token and limits; the environment of the machine must not change them."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("FACILITY_CHECK_TOKEN", raising=False)
        mp.delenv("FACILITY_CHECK_UPLOAD_MB", raising=False)
        yield


def make_app(data_dir: Path, **kw: object) -> FastAPI:
    return create_app(WebSettings.create(data_dir, **kw))  # type: ignore[arg-type]


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return make_app(tmp_path / "data")


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    settings = WebSettings.create(tmp_path_factory.mktemp("demo"))
    app = create_app(settings)
    demo.load(app.state.store, settings.hazards_dir)
    return app


@pytest.fixture(scope="module")
def demo_client(demo_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(demo_app) as c:
        yield c


def csrf_of(client: TestClient, url: str = "/facilities/new") -> str:
    """Load a page (sets the CSRF cookie) and return the token its forms carry."""
    client.get(url)
    token = client.cookies.get("fc_csrf")
    assert token
    return token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The application served by uvicorn on 127.0.0.1 in a thread (browser and load tests)."""

    def __init__(self, app: FastAPI) -> None:
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", limit_concurrency=200)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


# ----------------------------------------------------------------------------------------------
# The browser journeys: the workbench served on 127.0.0.1, a chromium, a page that may not
# reach beyond the server nor log an error
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(make_app(tmp_path_factory.mktemp("browser"))) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as b:
        yield b


@pytest.fixture
def page(browser: Any, server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    pg = context.new_page()
    outside: list[str] = []
    errors: list[str] = []
    pg.on("request", lambda r: None if r.url.startswith((server.url, "data:")) else outside.append(r.url))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert outside == [], "a request left the machine"
    assert errors == [], "the page logged errors (CSP violations show here too)"
