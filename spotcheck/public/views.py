"""The public portal: everything published, nothing that needs a login.

Draw bulletins (抽查任务公告) with draw.json, the frozen population and the verifier; the team
matching records. Every page reads through the published-only selectors of
`spotcheck.public.selectors`, so a visitor sees the same page whoever they are. A draw exists only
for a published plan, and from the moment it is prepared its commitment (population hash, sizes,
allocation, options) is public, so the seed cannot be chosen after seeing the population.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from spotcheck import kit
from spotcheck.draws import integrity
from spotcheck.draws.markdown import render_markdown
from spotcheck.draws.models import Draw
from spotcheck.draws.views import selection_context
from spotcheck.errors import conflict
from spotcheck.inspections.integrity import matching_problems
from spotcheck.inspections.models import TeamMatching
from spotcheck.inspections.selectors import kit_matchings_for_user
from spotcheck.inspections.views import EXCLUDED_LABELS
from spotcheck.lib.publication import MASK, deadline_state, displayed_snapshot, matching_snapshot
from spotcheck.paging import Page
from spotcheck.prepared import PreparedQuery
from spotcheck.public import documents
from spotcheck.public.actions import publication_problems
from spotcheck.public.announcements import latest_announcements
from spotcheck.public.cache import cached_page, memo_by_version, portal_key
from spotcheck.public.documents import DocumentWithheld
from spotcheck.public.models import (
    WITHHELD_TEXT,
    PublishedItem,
    PublishedResult,
    TaskPage,
    page_start_from,
    result_cell,
    rows_older,
    stored_key,
    task_key_span,
    task_rows,
)
from spotcheck.public.rows import result_rows, result_table, row_values
from spotcheck.public.selectors import (
    SEARCHES,
    latest_bulletins,
    live_results,
    published_draws,
    published_items,
    published_matchings,
    published_plans,
    published_results,
    published_search,
    published_versions,
)
from spotcheck.results.models import ResultVersion
from spotcheck.stats.charts import chart_entries
from spotcheck.stats.layout import facts_are_stale
from spotcheck.stats.selectors import public_tables, public_years


@cached_page
def home(request: HttpRequest) -> HttpResponse:
    """The latest announcements: draw bulletins, published results, plans."""
    context = {
        "announcements": latest_announcements(10),
        "plans": published_plans()[:10],
        "bulletins": latest_bulletins(10),
        "table": result_table(
            result_rows(row_values(published_results().order_by("-published_on", "-pk"))[:10]),
            caption="最新公示的检查结果",
        ),
    }
    return render(request, "home.html", context)


@cached_page
def item_list(request: HttpRequest) -> HttpResponse:
    """抽查事项清单: the items of every published plan, by year."""
    items = published_items().order_by("-plan__year", "plan__agency__name", "position")
    years: dict[tuple[int, str], list[Any]] = {}
    for item in items:
        years.setdefault((item.plan.year, item.plan.agency.name), []).append(item)
    return render(request, "public/item_list.html", {"years": years})


@cached_page
def plan_list(request: HttpRequest) -> HttpResponse:
    """Annual plans (年度抽查工作计划) as published."""
    plans = published_plans().order_by("-year", "agency__name")
    return render(request, "public/plan_list.html", {"plans": plans})


@cached_page
def bulletin_list(request: HttpRequest) -> HttpResponse:
    draws = published_draws().order_by("-prepared_at", "-pk")
    return render(request, "public/bulletin_list.html", {"draws": draws})


@cached_page
def bulletin(request: HttpRequest, draw_id: int) -> HttpResponse:
    draw = get_object_or_404(published_draws(), pk=draw_id)
    context = {"draw": draw, "item": draw.item, "plan": draw.item.plan}
    if draw.status == Draw.Status.EXECUTED:
        # Rendered only from rows that agree with the verified document (see integrity.py).
        problems = integrity.stored_rows_problems(draw)
        if problems:
            context["integrity_problems"] = problems
        else:
            context.update(selection_context(draw))
    return render(request, "public/bulletin.html", context)


def _withheld(request: HttpRequest, withheld: DocumentWithheld) -> HttpResponse:
    return conflict(
        request,
        title=withheld.title,
        problems=withheld.problems,
        advice=withheld.advice,
        links=withheld.links,
    )


@cached_page
def draw_json(request: HttpRequest, draw_id: int) -> HttpResponse:
    """The one draw.json of a draw (spotcheck.public.documents; the API redirects here)."""
    draw = get_object_or_404(published_draws(), pk=draw_id)
    data = draw_document_or_refusal(request, draw)
    if isinstance(data, HttpResponse):
        return data
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="draw-{draw.pk}.json"'
    return response


def draw_document_or_refusal(request: HttpRequest, draw: Draw) -> bytes | HttpResponse:
    """draw.json's bytes (also put in the verification kit), or the page that says why they
    are withheld: stored rows or teams that disagree with what can be verified."""
    try:
        return documents.draw_json(draw)
    except documents.NotExecuted as exc:
        raise Http404(str(exc)) from exc
    except DocumentWithheld as withheld:
        return _withheld(request, withheld)


@cached_page
def population_text(request: HttpRequest, draw_id: int) -> HttpResponse:
    """The canonical population text: its SHA-256 is the published population hash."""
    draw = get_object_or_404(published_draws(), pk=draw_id)
    response = HttpResponse(draw.population_text(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="population-{draw.pk}.txt"'
    return response


def verifier(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(kit.verifier_bytes(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verify_draw.py"'
    return response


@cached_page
def verify_help(request: HttpRequest) -> HttpResponse:
    document = render_markdown(kit.document_text("verification.md"))
    example = published_draws().filter(status=Draw.Status.EXECUTED).order_by("-executed_at").first()
    context = {"document": mark_safe(document), "example": example}  # noqa: S308 - escaped by render_markdown
    return render(request, "public/verify.html", context)


@cached_page
def matching_list(request: HttpRequest) -> HttpResponse:
    """Every team matching of a published plan."""
    matchings = published_matchings().order_by("-matched_at")
    return render(request, "public/matching_list.html", {"matchings": matchings})


def _matching(matching_id: int) -> TeamMatching:
    return get_object_or_404(published_matchings(), pk=matching_id)


@cached_page
def matching_detail(request: HttpRequest, matching_id: int) -> HttpResponse:
    """The public matching record: seed and how it was composed, pool numbers, and per visit
    the seats, the team's tickets and the exclusion counts (never who was excluded or why)."""
    match = _matching(matching_id)
    problems = matching_problems(match)
    if problems:  # never render teams that do not follow from the checked record
        return render(
            request,
            "public/matching_detail.html",
            {"match": match, "integrity_problems": problems},
        )
    visits = [
        {
            **entry,
            "excluded_labels": [
                (EXCLUDED_LABELS.get(k, k), n) for k, n in entry["excluded"].items()
            ],
            "eligible_count": sum(len(ids) for ids in entry["eligible"].values()),
        }
        for entry in match.document.get("visits", [])
    ]
    context = {
        "match": match,
        "visits": visits,
        "pools": match.document.get("pools", {}),
        # staff only (anonymous visitors never hold the right): the supervisors' kit link
        "can_download_kit": kit_matchings_for_user(request.user).filter(pk=match.pk).exists(),
    }
    return render(request, "public/matching_detail.html", context)


@cached_page
def matching_json(request: HttpRequest, matching_id: int) -> HttpResponse:
    try:
        data = documents.teams_json(_matching(matching_id))
    except DocumentWithheld as withheld:
        return _withheld(request, withheld)
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="teams-{matching_id}.json"'
    return response


# --- published results (抽查结果公示) ----------------------------------------------------------

STATISTICS_RETRY_SECONDS = 600


@cached_page
def result_index(request: HttpRequest) -> HttpResponse:
    """抽查结果公示: every task (plan item of a published plan) with published results."""
    counts = (
        PublishedItem.objects.filter(published__in=live_results().values("pk"))
        .values("plan_item")
        .annotate(n=Count("published", distinct=True))
    )
    by_item = {row["plan_item"]: row["n"] for row in counts}
    items = published_items().filter(pk__in=list(by_item)).order_by("-plan__year", "position")
    rows = [(item, by_item[item.pk]) for item in items]
    # withdrawn records, those since corrected and republished included (their pages stay)
    withdrawn = published_versions().filter(withdrawn_at__isnull=False).order_by("-withdrawn_at")
    return render(request, "public/result_index.html", {"rows": rows, "withdrawn": withdrawn[:20]})


@dataclass(frozen=True)
class StoredKey:
    """A task's stored key (TaskPage) by its number, read in the statement that reads the page
    after it."""

    number: int


class TaskKeyset:
    """Keyset paging of a task's results (newest first): `after=2023-05-06.1234`, the
    publication date and record id of the previous page's last row; a page asked for by its
    number alone starts near a stored key (TaskPage)."""

    def __init__(self, plan_item_id: int, portal: str = "") -> None:
        self.plan_item_id = plan_item_id
        self.portal = portal  # the portal's key: the task's key span is kept by it

    def parse(self, text: str) -> tuple[date, int] | None:
        day, _, pk = text.partition(".")
        if not (pk.isascii() and pk.isdigit() and len(pk) <= 18):
            return None
        try:
            return date.fromisoformat(day), int(pk)
        except ValueError:
            return None

    def narrow(self, rows: Any, key: tuple[date, int] | StoredKey) -> Any:
        if isinstance(rows, _TaskRecords):
            return _TaskRecords(rows.item_id, key)
        if isinstance(key, StoredKey):
            return rows_older(rows, stored_key(self.plan_item_id, key.number))
        return rows_older(rows, key)

    def key(self, row: dict[str, Any]) -> str:
        return f"{row['published_on'].isoformat()}.{row['pk']}"

    def page_start(self, number: int) -> tuple[StoredKey, int] | None:
        # the task's key span kept per portal version (the same for every page of the task):
        # the page is then read after its stored key in one statement with the key
        span = _task_key_span(self.portal, self.plan_item_id)
        if span is None:
            return None
        number_of_key, skip = page_start_from(*span, number)
        return StoredKey(number_of_key), skip


@memo_by_version
def _task_key_span(portal: str, item_id: int) -> tuple[int, int] | None:
    return task_key_span(item_id)


def _task_records(ids: Any) -> Any:
    # The records of a slice of a task's index (a subquery: the slice's ids from the index
    # alone, however large the task), through the published-only selector, in the task's order
    # (a record's publication date is its index rows' too). One statement a page: the ids and
    # then the records in two cost a round trip and a statement more.
    records = published_results().filter(pk__in=ids)
    return row_values(records.order_by("-published_on", "-pk"))


def _task_ids(item: int) -> Any:
    return task_rows(item).values("published_id")


# a slice of a task's records, from its start or after a key (compiled once: spotcheck.prepared)
_TASK_PAGE = PreparedQuery(
    lambda part, item: _task_records(_task_ids(item)[part[0] : part[1]]), item="int"
)
_TASK_PAGE_AFTER = PreparedQuery(
    lambda part, item, day, pk: _task_records(
        rows_older(_task_ids(item), (day, pk))[part[0] : part[1]]
    ),
    item="int",
    day="date",
    pk="int",
)


_TASK_PAGE_AFTER_STORED = PreparedQuery(
    lambda part, item, key: _task_records(
        rows_older(_task_ids(item), stored_key(item, key))[part[0] : part[1]]
    ),
    item="int",
    key="int",
)


class _TaskRecords:
    """A task's records (the result table's fields) as `Page` slices them, newest first, from
    the start or after `key` (TaskKeyset.narrow: a row's key, or a stored key by its number),
    each slice by one prepared query."""

    def __init__(self, item_id: int, key: tuple[date, int] | StoredKey | None = None) -> None:
        self.item_id = item_id
        self.key = key

    def __getitem__(self, part: slice) -> list[dict[str, Any]]:
        static = (part.start or 0, part.stop)
        if self.key is None:
            return _TASK_PAGE.run(static=static, item=self.item_id)
        if isinstance(self.key, StoredKey):
            return _TASK_PAGE_AFTER_STORED.run(
                static=static, item=self.item_id, key=self.key.number
            )
        day, pk = self.key
        return _TASK_PAGE_AFTER.run(static=static, item=self.item_id, day=day, pk=pk)


@memo_by_version
def _task_heading(portal: str, item_id: int) -> tuple[str, SafeString] | None:
    """A task's name and the heading of each of its pages (the item, its plan and the links to
    its draw bulletins: not the draws' stored populations), or None when it is not public."""
    item = published_items().filter(pk=item_id).first()
    if item is None:
        return None
    draws = (
        published_draws().filter(item=item).order_by("round_number").values("pk", "round_number")
    )
    heading = render_to_string("public/_task_heading.html", {"item": item, "draws": draws})
    return item.name, mark_safe(heading)  # noqa: S308 - rendered by the template engine


@cached_page
def task_results(request: HttpRequest, item_id: int) -> HttpResponse:
    """The published results of one task (plan item), newest first, paged."""
    heading = _task_heading(portal_key(request), item_id)
    if heading is None:
        raise Http404("没有该抽查事项公示的检查结果")
    # The page's records by their ids in the items' task index (no record row read to page
    # through a large task), through the published-only selector.
    records = _TaskRecords(item_id)
    keyset = TaskKeyset(item_id, portal_key(request))
    page = Page(records, request, count=False, size=TaskPage.SIZE, keyset=keyset)
    rows = result_rows(page.object_list)
    context = {
        "task_name": heading[0],
        "heading": heading[1],
        "rows": rows,
        "table": result_table(rows, caption=f"{heading[0]}已公示的检查结果"),
        "page": page,
    }
    return render(request, "public/task_results.html", context)


def _search_page(search: Callable[..., Any], *, windowed: bool = False) -> Callable[..., Any]:
    """The result table's records of a slice (`part`) of what `search` finds, newest first, in
    one query: the slice's ids from the index alone (PostgreSQL: publishedresult_name_pages or
    _newest_names, an index-only scan however many records a name has), then only those
    records. `windowed`: the records published on or after `since` only."""

    def page(part: tuple[int, int], **values: Any) -> Any:
        since = values.pop("since", None)
        found = search(**values)
        if windowed:
            found = found.filter(published_on__gte=since)
        ids = found.order_by("-published_on", "-pk").values("pk")[part[0] : part[1]]
        records = published_results().filter(pk__in=ids)
        return row_values(records.order_by("-published_on", "-pk"))

    return page


_SEARCH_PAGES = {
    name: PreparedQuery(_search_page(search), **kinds) for name, (search, kinds) in SEARCHES.items()
}
# A list of names is read newest first by each name's index range; the database cannot merge
# the ranges in date order, so it reads and sorts every record of every name found ("*修理部":
# 240 masked names, ~16,600 records at 1,000,000, for a page of 50). A masked name stands for
# many entities (every sole trader of that surname and trade in a place), so a list of many
# masked names is read first from the latest publications (a date window), the window widened
# when it holds fewer records than the page needs: every record in a window sorts before every
# record outside it, so a window holding the page's rows answers exactly what the whole list
# answers. A list of plain names (a few records each) is read whole: a window would only add a
# query (on PostgreSQL ~5 ms for 130 names, more than reading their ~500 records).
_WINDOWED_SEARCHES = {"names": "containing", "names or initials": "names"}  # by that list
SEARCH_WINDOWS = {
    name: PreparedQuery(_search_page(SEARCHES[name][0], windowed=True), since="date", **kinds)
    for name in _WINDOWED_SEARCHES
    for kinds in [SEARCHES[name][1]]
}
WINDOW_NAMES = 16  # masked names; fewer have too few records for a window to save anything
FIRST_WINDOW_DAYS = 14
WINDOW_TRIES = 3  # then the whole list
# a list whose records, extrapolated from a window, are fewer than this is read whole at once:
# reading a few thousand index entries costs less than another window's seek per name
WHOLE_LIST_ROWS = 2000


@memo_by_version
def _publication_span(portal: str) -> tuple[date, date] | None:
    """The first and last publication dates of the current records, or None before any."""
    dates = PublishedResult.objects.filter(superseded_at__isnull=True)
    first = dates.order_by("published_on").values_list("published_on", flat=True).first()
    last = dates.order_by("-published_on").values_list("published_on", flat=True).first()
    return None if first is None or last is None else (first, last)


class _PageOfIds:
    """A search's records as `Page` slices them (by its prepared query; a long list of names
    from the latest publications first, see _WINDOWED_SEARCHES)."""

    def __init__(self, name: str, values: dict[str, Any], portal: str) -> None:
        self.query = _SEARCH_PAGES[name]
        self.values = values
        listed = _WINDOWED_SEARCHES.get(name)
        self.window = SEARCH_WINDOWS[name] if listed else None
        masked = sum(MASK in name for name in values[listed]) if listed else 0
        self.windowed = masked >= WINDOW_NAMES
        self.portal = portal

    def __getitem__(self, part: slice) -> Any:
        start, stop = part.start or 0, part.stop
        static = (start, stop)
        span = _publication_span(self.portal) if self.windowed else None
        if self.window is not None and span is not None:
            first, last = span
            days = FIRST_WINDOW_DAYS * -(-stop // TaskPage.SIZE)  # deeper pages, wider
            for _ in range(WINDOW_TRIES):
                since = last - timedelta(days=days)
                if since <= first:
                    break  # the window would hold every record: the whole list
                rows = self.window.run(static=static, since=since, **self.values)
                if len(rows) == stop - start:
                    return rows
                in_window = start + len(rows) if rows else 0
                if in_window * (last - first).days < WHOLE_LIST_ROWS * days:
                    break  # few records in all, at the window's rate
                # as many more days as the window's records say the page needs
                days *= max(2, -(-3 * stop // (2 * in_window))) if in_window else 16
        return self.query.run(static=static, **self.values)


@cached_page
def search(request: HttpRequest) -> HttpResponse:
    """Search every published result by entity name, credit code or pinyin initials."""
    text = request.GET.get("q", "")
    found = published_search(text)
    records: list[dict[str, Any]] = []
    page = None
    if found is not None:
        ids = _PageOfIds(*found, portal_key(request))
        page = Page(ids, request, count=False, size=TaskPage.SIZE)
        records = page.object_list
    table = result_table(
        result_rows(records),
        caption=f"“{text.strip()}”的查询结果",
        empty="没有找到符合条件的公示结果",
    )
    context = {"q": text.strip(), "table": table, "page": page}
    return render(request, "public/search.html", context)


@cached_page
def result_detail(request: HttpRequest, published_id: int) -> HttpResponse:
    """A published record; when a correction was republished, every version stays reachable:
    the current page lists the earlier ones, an earlier one says it was corrected and when."""
    published = get_object_or_404(published_versions(), pk=published_id)
    versions = list(published_versions().filter(result_id=published.result_id).order_by("-pk"))
    # A version was corrected on the publication date of the version that superseded it.
    corrected_on = {old.pk: new.published_on for new, old in pairwise(versions)}
    # the deadline is met or missed by the first publication, whichever version is shown
    first_on = min(v.published_on for v in versions)
    # the approved versions the records were made from, read once for all of them
    approved = dict(
        ResultVersion.objects.filter(result_id=published.result_id).values_list(
            "number", "snapshot"
        )
    )
    context = {
        **_shown_record(published, corrected_on, approved, first_on),
        "current": versions[0],
        "versions": [
            _shown_record(v, corrected_on, approved, first_on)
            for v in versions
            if v.pk != published.pk
        ],
    }
    return render(request, "public/result_detail.html", context)


def _shown_record(
    published: PublishedResult,
    corrected_on: dict[int, Any],
    approved: dict[int, Any],
    first_published_on: date,
) -> dict[str, Any]:
    return {
        "published": published,
        "corrected_on": corrected_on.get(published.pk),
        "s": displayed_snapshot(
            published.snapshot, inspector_names=published.agency.publish_inspector_names
        ),
        "integrity_problems": publication_problems(
            published, approved=approved.get(published.result_version)
        ),
        "deadline": deadline_state(published.due_on, first_published_on, first_published_on),
    }


# an entity's records as its page shows them (the query compiled once: spotcheck.prepared)
_ENTITY_RECORDS = PreparedQuery(
    lambda key: row_values(
        published_results().filter(entity_key=key).order_by("-inspected_on", "-pk")
    )[:500],
    key="str",
)


@cached_page
def entity(request: HttpRequest, entity_key: str) -> HttpResponse:
    """An entity's page: all its published checks (withdrawn ones marked)."""
    records = []
    for r in _ENTITY_RECORDS.run(key=entity_key):
        # the items and follow-ups shown from the snapshot only where it matches its hash
        snapshot = matching_snapshot(r["snapshot_text"], r["snapshot_sha256"])
        records.append(
            {
                **r,
                "agency": {"name": r["agency__name"]},
                "snapshot": snapshot or {},
                "result_text": WITHHELD_TEXT if snapshot is None else result_cell(snapshot),
            }
        )
    if not records:
        raise Http404("没有该检查对象公示的检查结果")
    return render(request, "public/entity.html", {"records": records, "latest": records[0]})


@cached_page
def statistics(request: HttpRequest) -> HttpResponse:
    """The statistics of published (not withdrawn) results, by year: aggregates only, the same
    counting as the staff dashboard (spotcheck.stats); a count small enough to point at one
    entity is shown as "少于N"."""
    threshold = settings.SPOTCHECK_PUBLIC_MIN_COUNT
    if facts_are_stale():
        # 503, so the page cache does not keep it past the rebuild
        response = render(request, "public/statistics_updating.html", status=503)
        response["Retry-After"] = str(STATISTICS_RETRY_SECONDS)
        return response
    years = public_years()
    wanted = request.GET.get("year", "")
    year = int(wanted) if wanted.isdigit() and int(wanted) in years else None
    tables = public_tables(threshold=threshold, year=year)
    context = {
        "entries": chart_entries(tables),
        "threshold": threshold,
        "less_than": f"少于{threshold}",
        "years": years,
        "year": year,
    }
    return render(request, "public/statistics.html", context)
