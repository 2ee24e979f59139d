"""Every write of the JSON API (/api/v1/) goes through an audited action, never a model's
save(): the API's write operations are exactly these, each with the audit entry its action
records (checked where each is exercised: tests/draws/test_api.py, tests/results/test_api.py).
The registry (entities, inspectors) and the matchings are read-only in the API; a write added
there, or anywhere, must come here with its action."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

WRITES = {
    ("post", "/api/v1/items/{item_id}/draws"): "draw.prepare",
    ("post", "/api/v1/draws/{draw_id}/seed"): "draw.seed",
    ("post", "/api/v1/draws/{draw_id}/execute"): "draw.execute",
    ("post", "/api/v1/visits/{visit_id}/result/draft"): "result.save_draft",
    ("post", "/api/v1/visits/{visit_id}/result/submit"): "result.submit",
    ("post", "/api/v1/visits/{visit_id}/result/approve"): "result.approve",
    ("post", "/api/v1/visits/{visit_id}/result/return"): "result.return",
}


def test_the_api_writes_only_through_the_audited_actions_listed_here(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    writes = {
        (method, path)
        for path, operations in paths.items()
        for method in operations
        if method in {"post", "put", "patch", "delete"}
    }
    assert writes == set(WRITES)
    assert not [
        path for _, path in writes if path.startswith(("/api/v1/registry", "/api/v1/matchings"))
    ]
