"""A prepared query (spotcheck.prepared) answers what its queryset answers, whatever the
values: ids in lists of any length, dates, text compared whole or inside a LIKE pattern, and
a static part (a slice) given to the build."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.bulkdata import build_published_results
from spotcheck.prepared import PreparedQuery, PreparingError
from spotcheck.public.models import PublishedResult
from spotcheck.public.rows import ROW_FIELDS
from spotcheck.public.selectors import published_results


@pytest.fixture(scope="module")
def records(module_transaction) -> list[int]:
    build_published_results(40, results_per_entity=2, batch=40)
    return list(PublishedResult.objects.order_by("pk").values_list("pk", flat=True))


def by_ids(ids):
    # the result table's fields and the snapshot decoded (JSONField's converter)
    return published_results().filter(pk__in=ids).order_by("pk").values(*ROW_FIELDS, "snapshot")


@pytest.mark.django_db
def test_rows_by_ids_are_the_querysets(records):
    prepared = PreparedQuery(by_ids, ids="ints")
    absent = records[-1] + 1000
    for ids in (
        records[:1],
        records[:3],
        records[5:25],
        records,  # 40: padded to 64
        [records[7], records[7], absent, records[2]],
        [str(records[4])],  # as the ORM takes it
    ):
        expected = list(by_ids(ids))
        assert expected or ids == [absent]
        assert prepared.run(ids=ids) == expected
    assert prepared.run(ids=[]) == []  # the queryset itself
    one = prepared.run(ids=records[:1])[0]
    assert isinstance(one["published_on"], date) and isinstance(one["snapshot"], dict)


def dated_names(part, day, names):
    rows = PublishedResult.objects.filter(published_on__gte=day, entity_name__contains=part)
    rows = rows.filter(entity_name__in=names) | rows.filter(credit_code__startswith=part)
    return rows.order_by("-published_on", "pk").values_list("pk", "published_on", "entity_name")


@pytest.mark.django_db
def test_dates_text_and_like_patterns(records):
    prepared = PreparedQuery(dated_names, part="str", day="date", names="strs")
    names = list(PublishedResult.objects.values_list("entity_name", flat=True).distinct())
    days = sorted(set(PublishedResult.objects.values_list("published_on", flat=True)))
    cases = [
        ("", days[0], names),
        (names[0][2:4], days[len(days) // 2], names[:3]),
        ("9137", days[0], ["没有这个名称"]),
        ("%", days[0], names[:1]),  # LIKE's wildcards are matched as text
        ("_", days[0], names[:1]),
    ]
    for part, day, wanted in cases:
        expected = list(dated_names(part, day, wanted))
        assert prepared.run(part=part, day=day, names=wanted) == expected
    assert list(dated_names("", days[0], names))


@pytest.mark.django_db
def test_a_static_part_and_flat_lists(records):
    def page(part, plan):
        rows = PublishedResult.objects.filter(plan=plan).order_by("-pk")
        return rows.values_list("pk", flat=True)[part[0] : part[1]]

    prepared = PreparedQuery(page, plan="int")
    plan = PublishedResult.objects.first().plan_id
    for part in ((0, 5), (5, 10), (38, 45)):
        assert prepared.run(static=part, plan=plan) == list(page(part, plan))
    with CaptureQueriesContext(connection) as queries:
        prepared.run(static=(0, 5), plan=plan)
    assert len(queries) == 1


@pytest.mark.django_db
def test_what_cannot_be_prepared_is_refused(records):
    with pytest.raises(PreparingError):  # model instances
        PreparedQuery(lambda pk: PublishedResult.objects.filter(pk=pk), pk="int").run(pk=1)
    with pytest.raises(PreparingError):  # a value compiled into the SQL text (LIMIT)
        limited = PreparedQuery(
            lambda n: PublishedResult.objects.values_list("pk", flat=True)[:n], n="int"
        )
        limited.run(n=3)


def _prepared_runs() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(generic_plans + custom_plans), 0) FROM pg_prepared_statements"
        )
        return int(cursor.fetchone()[0])


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side prepared statements")
def test_postgresql_prepares_each_query_on_the_server(records):
    from django.utils import timezone

    withdrawn = records[4]
    PublishedResult.objects.filter(pk=withdrawn).update(withdrawn_at=timezone.now())
    prepared = PreparedQuery(by_ids, ids="ints")
    before = _prepared_runs()
    for ids in ([records[0], 7, records[4]], records[3:6], records[10:42:2]):  # mixed int sizes
        assert prepared.run(ids=ids) == list(by_ids(ids))
    assert _prepared_runs() == before + 3  # the three runs, each as a prepared statement
    row = prepared.run(ids=[withdrawn])[0]
    assert row["withdrawn_at"] == by_ids([withdrawn])[0]["withdrawn_at"]  # in the same zone
    assert row["withdrawn_at"].tzinfo is not None
    counted = _prepared_runs()
    # where queries are recorded, they go through Django's cursor and are all seen
    expected = list(by_ids(records[:2]))
    with CaptureQueriesContext(connection) as queries:
        assert prepared.run(ids=records[:2]) == expected
    assert len(queries) == 1 and _prepared_runs() == counted


@pytest.mark.django_db
def test_the_portal_state_is_read_by_one_prepared_statement(records):
    from spotcheck.audit.models import current_head
    from spotcheck.public.cache import read_portal_state
    from spotcheck.public.models import PortalVersion

    row = PortalVersion.objects.filter(pk=PortalVersion.ROW).values_list("version", "token")
    before = _prepared_runs() if connection.vendor == "postgresql" else 0
    state = read_portal_state()
    assert (state.version, state.token) == (row.first() or (0, ""))
    assert state.head == current_head()
    if connection.vendor == "postgresql":
        assert _prepared_runs() == before + 1
