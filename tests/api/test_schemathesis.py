"""The API against its own OpenAPI schema (schemathesis, in-process over WSGI): no 5xx for any
generated input, anonymous or signed in, and every status the API answers is documented.

Examples per operation are bounded (EXAMPLES) to keep the run short; SCHEMATHESIS_EXAMPLES
raises them for a deeper search."""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from spotcheck.wsgi import application

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# The WSGI transport hands over the body as sent: answers uncompressed (HTTP clients undo the
# server's gzip themselves, tests/public/test_cache.py holds it to the same bytes).
PLAIN = {"Accept-Encoding": "identity"}
CSRF_TOKEN = "spotcheckschemathesiscsrftoken12"  # 32 letters: an unmasked CSRF secret
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def api_data(db, published_plan):
    # Requests run in-process over WSGI: like Django's test client, keep the test's database
    # connection open across them (it holds the test transaction).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield published_plan
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@HYPOTHESIS
@pytest.mark.django_db(transaction=False)
def test_api_anonymous(case, api_data):
    case.call_and_validate(checks=CHECKS, headers=PLAIN)


@schema.parametrize()
@HYPOTHESIS
@pytest.mark.django_db(transaction=False)
def test_api_signed_in_coordinator(case, api_data, client, coordinator):
    client.force_login(coordinator)
    # A CSRF token, so that POST bodies reach the operations instead of a 403.
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF_TOKEN}
    case.call_and_validate(
        checks=CHECKS,
        cookies=cookies,
        headers={**PLAIN, "X-CSRFToken": CSRF_TOKEN},
    )


def test_error_statuses_are_documented(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    seed = paths["/api/v1/draws/{draw_id}/seed"]["post"]["responses"]
    assert set(seed) == {"200", "400", "401", "403", "404", "409", "422"}
    assert set(paths["/api/v1/plans"]["get"]["responses"]) == {"200", "422"}
    assert set(paths["/api/v1/registry/entities"]["get"]["responses"]) == {
        "200",
        "401",
        "403",
        "422",
    }
