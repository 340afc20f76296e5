"""Property-based fuzzing of the JSON API against the OpenAPI schema it publishes (schemathesis).

Every operation of ``/api/openapi.json`` (none is excluded) gets generated requests: path ids,
headers, JSON bodies and multipart uploads, valid and invalid. Checks:

* ``not_a_server_error``: no answer is a 5xx;
* ``response_schema_conformance`` and ``content_type_conformance``: an answer with a documented
  status matches the schema and media type published for it;
* ``negative_data_rejection``: a request that violates the schema is refused (4xx).

Not used: ``status_code_conformance`` (a 400 for an unparseable multipart body and a 405 for another
method come from Starlette and are not documented per operation) and ``unsupported_method``
(Starlette's 405 lists the methods of the first route matching the path only, e.g. ``POST`` for
``/api/facilities``). Not covered: the HTML pages (not in the schema; their ids are tested below),
sequences of calls (schemathesis's stateful mode; the API publishes no links), and the uploaded
files' contents beyond random bytes (the CLI fuzz suite, ``tests/test_fuzz.py``, mutates real ones).

Profiles (``FACILITY_CHECK_FUZZ``, as in ``tests/test_fuzz.py``): ``ci`` (default, 15 examples per
operation and phase, derandomised) and ``long`` (1,000, random)::

    FACILITY_CHECK_FUZZ=long python -m pytest tests/web/test_api_fuzz.py -q -p no:cacheprovider
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

pytest.importorskip("schemathesis")

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
)

from facility_check.web import WebSettings, create_app
from facility_check.web.services import demo

PROFILE = os.environ.get("FACILITY_CHECK_FUZZ", "ci")
EXAMPLES = 15 if PROFILE != "long" else 1_000

# The application over a store of its own (removed when the interpreter exits); the schema is
# what it publishes at /api/openapi.json.
_DATA = tempfile.TemporaryDirectory(prefix="fc-api-fuzz-")
_SETTINGS = WebSettings.create(Path(_DATA.name))
APP = create_app(_SETTINGS)

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, negative_data_rejection]

schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _demo_district() -> None:
    """The demo district (records, inspections, hazard layers), so that generated ids hit stored
    facilities and inspections as well as missing ones (loaded at first use, not at collection)."""
    demo.load(APP.state.store, _SETTINGS.hazards_dir)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=PROFILE != "long",
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operation(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)


def test_error_answers_match_the_published_schema() -> None:
    """Regression (found by this fuzzer): the schema published FastAPI's list-of-validation-errors
    shape for 422, but the API answers ``{"detail": "..."}``; the published error schema is the
    answer's."""
    from fastapi.testclient import TestClient

    with TestClient(APP) as client:
        published = client.get("/api/openapi.json").json()
        answer = client.get("/api/facilities/not-a-number")
    assert answer.status_code == 422
    assert answer.json() == {"detail": "请求参数无效 / invalid request parameters"}
    responses = published["paths"]["/api/facilities/{facility_pk}"]["get"]["responses"]
    assert responses["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorDetail"
    }
    assert published["components"]["schemas"]["ErrorDetail"]["required"] == ["detail"]
    assert "HTTPValidationError" not in published["components"]["schemas"]


TOO_BIG = str(2**64)  # beyond SQLite's 64-bit integers


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", f"/api/facilities/{TOO_BIG}"),
        ("GET", f"/api/facilities/{TOO_BIG}/versions"),
        ("GET", f"/api/facilities/{TOO_BIG}/check"),
        ("GET", f"/api/facilities/{TOO_BIG}/inspections"),
        ("POST", f"/api/inspections/{TOO_BIG}/sign-off"),
        ("GET", f"/facilities/{TOO_BIG}"),
        ("GET", f"/facilities/{TOO_BIG}/edit"),
        ("GET", f"/facilities/{TOO_BIG}/record.json"),
        ("GET", f"/facilities/{TOO_BIG}/inspect"),
        ("GET", f"/facilities/{TOO_BIG}/history"),
        ("GET", f"/inspections/{TOO_BIG}"),
        ("GET", f"/inspections/{TOO_BIG}/notice"),
        ("GET", f"/inspections/1/evidence/{TOO_BIG}"),
        ("GET", "/api/facilities/0"),
    ],
)
def test_an_id_out_of_the_database_range_is_an_invalid_parameter(method: str, url: str) -> None:
    """Regression (found by this fuzzer): an id beyond 2**63 - 1 reached the SQLite driver and
    crashed (500, OverflowError); now every route refuses it as an invalid parameter."""
    from fastapi.testclient import TestClient

    with TestClient(APP, raise_server_exceptions=False) as client:
        answer = client.request(method, url)
    assert answer.status_code == 422
    if url.startswith("/api/"):
        assert answer.json() == {"detail": "请求参数无效 / invalid request parameters"}
