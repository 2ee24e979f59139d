"""The portal's lists make the same number of queries however many results are published
(bench/public_load.py measures their time at 1,000,000; this keeps N+1 queries out)."""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.bulkdata import build_published_results
from spotcheck.public.models import PublishedItem

# queries per page: the page cache's key (the portal's version and the audit head, one
# statement), the page's own reads (see public/views.py); a task's heading (the item, its
# draws) is read once, then kept until the version moves
# search: the key, the names (unless past the name index's cap), the page of records; task:
# the key, the heading (2), the page's records by their ids (1); its last page: the same
# without the heading (kept)
QUERIES = {"search": 3, "search part": 3, "entity": 2, "task": 4, "task last": 2}


@pytest.fixture(params=[7, 230], ids=["7 results", "230 results"])
def bulk(request, db):
    return build_published_results(request.param, results_per_entity=3, batch=100)


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    assert response.get("X-Spotcheck-Cache") != "hit"
    return len(captured)


def test_queries_per_page_do_not_grow_with_the_data(client, bulk):
    busiest = (
        PublishedItem.objects.values("plan_item")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("plan_item", "n")
        .first()
    )
    assert busiest is not None
    item, count = busiest
    task = reverse("public:task_results", args=[item])
    search = reverse("public:search")
    name = bulk.names[1]
    counts = {
        "search": queries(client, f"{search}?{urlencode({'q': name})}"),
        "search part": queries(client, f"{search}?{urlencode({'q': name[-4:]})}"),
        "entity": queries(client, reverse("public:entity", args=[bulk.entity_keys[1]])),
        "task": queries(client, task),
        "task last": queries(client, f"{task}?page={-(-count // 50)}"),
    }
    assert counts == QUERIES
