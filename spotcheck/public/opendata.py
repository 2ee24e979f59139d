"""Open data per year: the rows of the `plans`, `draws` and `results` files (schema and
encodings in spotcheck.lib.opendata, documented in docs/open-data.md).

Rows are read only through the published-only selectors, and show exactly what the public pages
show: a result record's displayed snapshot (masked at publication; inspectors' names only while
the agency allows them), withheld like its page when it disagrees with the stored approved
version; a draw's selection withheld like its bulletin when the stored rows disagree with its
document. Files are built on first request and kept in the public cache under the audit chain's
head, like the pages: any published change moves the head, and publication clears the cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from spotcheck.audit.models import current_head
from spotcheck.draws import integrity
from spotcheck.draws.actions import active_selections
from spotcheck.draws.models import Draw
from spotcheck.lib import opendata as spec
from spotcheck.lib import publication as pub
from spotcheck.public.actions import publication_problems
from spotcheck.public.cache import CACHE_ALIAS
from spotcheck.public.models import PublishedResult
from spotcheck.public.selectors import (
    published_draws,
    published_items,
    published_plans,
    published_results,
)
from spotcheck.results.models import ResultVersion

CHUNK = 2000


def _local(value: Any) -> Any:
    return timezone.localtime(value) if value is not None else None


def years() -> list[int]:
    """Years with a published plan, newest first."""
    return sorted(set(published_plans().values_list("year", flat=True)), reverse=True)


def plan_rows(year: int) -> list[dict[str, Any]]:
    items = (
        published_items()
        .filter(plan__year=year)
        .annotate(
            published_revisions=Count(
                "plan__revisions", filter=Q(plan__revisions__status="published")
            )
        )
        .order_by("plan__agency__name", "plan_id", "position")
    )
    return [
        {
            "plan_id": item.plan_id,
            "year": item.plan.year,
            "agency": item.plan.agency.name,
            "plan_title": item.plan.title,
            "plan_published_at": _local(item.plan.published_at),
            "revisions": item.published_revisions,
            "item_id": item.pk,
            "item_number": item.number,
            "item_label": item.label or (str(item.number) if item.number else ""),
            "item_name": item.name,
            "category": item.get_category_display(),
            "check_type": pub.check_type(item.mode),
            "domain": item.domain,
            "target_type": item.target_type,
            "ratio_percent": item.ratio_percent,
            "event_driven": item.event_driven,
            "times_per_year": item.times_per_year,
            "window": item.window_summary,
            "inspection_body": item.inspection_body,
            "cooperating_departments": list(item.cooperating_departments),
            "legal_basis": item.legal_basis,
            "withdrawn_on": item.withdrawn_on,
        }
        for item in items
    ]


def _selection(draw: Draw) -> list[dict[str, Any]]:
    """The bulletin's selection list, names as the result pages would publish them."""
    active = {s.pk for s in active_selections(draw)}
    rows = []
    for s in draw.selections.select_related("entity").order_by("position"):
        rows.append(
            {
                "id": s.public_id,
                "name": s.public_name,
                "stratum": s.stratum,
                "rank": s.rank,
                "ticket": s.ticket,
                "kind": s.kind,
                "replaced": s.kind == s.Kind.DRAWN and s.pk not in active,
            }
        )
    return rows


def draw_rows(year: int) -> list[dict[str, Any]]:
    draws = (
        published_draws()
        .filter(item__plan__year=year)
        .order_by("item__plan__agency__name", "item__position", "round_number", "pk")
    )
    rows = []
    for draw in draws.defer("population_gz", "excluded_gz"):
        executed = draw.status == Draw.Status.EXECUTED
        withheld = executed and bool(integrity.stored_rows_problems(draw))
        selection = _selection(draw) if executed and not withheld else []
        selected = [s["id"] for s in selection if not s["replaced"]]
        rows.append(
            {
                "draw_id": draw.pk,
                "plan_id": draw.item.plan_id,
                "year": draw.item.plan.year,
                "agency": draw.item.plan.agency.name,
                "item_id": draw.item_id,
                "item_number": draw.item.number,
                "item_name": draw.item.name,
                "round": draw.round_number,
                "status": draw.status,
                "population_date": draw.population_date,
                "population_size": draw.population_size,
                "population_hash": draw.population_hash,
                "population_counts": draw.population_counts,
                "allocation": draw.allocation,
                "ratio_percent": draw.ratio_percent,
                "prepared_at": _local(draw.prepared_at),
                "seed": draw.seed,
                "executed_at": _local(draw.executed_at),
                "cancelled_at": _local(draw.cancelled_at),
                "cancel_reason": draw.cancel_reason,
                "selected_count": len(selected),
                "selected": selected,
                "selection": selection,
                "selection_withheld": withheld,
                "draw_json": reverse("public:draw_json", args=[draw.pk]) if executed else "",
                "kit": reverse("public:kit", args=[draw.pk]) if executed else "",
            }
        )
    return rows


def _result_row(
    record: PublishedResult, approved: dict[str, Any] | None, corrected: bool
) -> dict[str, Any]:
    withheld = bool(publication_problems(record, approved=approved))
    shown = pub.displayed_snapshot(
        record.snapshot, inspector_names=record.agency.publish_inspector_names
    )
    row: dict[str, Any] = {
        "record_id": record.pk,
        "plan_id": record.plan_id,
        "year": record.plan.year,
        "agency": record.agency.name,
        "entity_key": record.entity_key,
        "entity_name": record.entity_name,
        "credit_code": record.credit_code,
        "published_on": record.published_on,
        "version": record.result_version,
        "corrected": corrected,
        "withdrawn_at": _local(record.withdrawn_at),
        "withdraw_reason": record.withdraw_reason,
        "withheld": withheld,
        "snapshot_sha256": record.snapshot_sha256,
        "items": [],
    }
    if withheld:  # the page shows the name and the warning, nothing of the content
        return row
    row.update(
        cooperating_agencies=shown.get("cooperating_agencies", []),
        inspected_on=shown.get("inspected_on"),
        deadline=pub.deadline_state(record.due_on, record.published_on, record.published_on).value,
        inspectors=shown.get("inspectors", []),
        items=[
            {
                "item_number": i["number"],
                "item_name": i["name"],
                "item_id": i["plan_item"],
                "check_type": i["check_type"],
                "draw_id": i["draw"]["id"] if i["draw"] else None,
                "draw_round": i["draw"]["round"] if i["draw"] else None,
                "category": i["category"],
                "category_label": i["category_label"],
                "follow_up": i["follow_up"],
                "follow_up_label": i["follow_up_label"],
            }
            for i in shown.get("items", [])
        ],
    )
    return row


def result_rows(year: int) -> list[dict[str, Any]]:
    """Every current published record of the year's plans, withdrawn ones included (marked)."""
    records = (
        published_results()
        .filter(plan__year=year)
        .select_related("agency", "plan")
        .defer("plan__notes", "plan__column_notes", "plan__import_corrections")
        .order_by("published_on", "pk")
    )
    rows = []
    batch: list[PublishedResult] = []

    def flush() -> None:
        ids = [r.result_id for r in batch]
        approved = {
            (v["result_id"], v["number"]): v["snapshot"]
            for v in ResultVersion.objects.filter(result_id__in=ids).values(
                "result_id", "number", "snapshot"
            )
        }
        corrected = set(
            PublishedResult.objects.filter(
                result_id__in=ids, superseded_at__isnull=False
            ).values_list("result_id", flat=True)
        )
        for r in batch:
            key = (r.result_id, r.result_version)
            rows.append(_result_row(r, approved.get(key), r.result_id in corrected))
        batch.clear()

    for record in records.iterator(chunk_size=CHUNK):
        batch.append(record)
        if len(batch) >= CHUNK:
            flush()
    if batch:
        flush()
    return rows


BUILDERS = {"plans": plan_rows, "draws": draw_rows, "results": result_rows}


@dataclass(frozen=True)
class DataFile:
    year: int
    dataset: str
    format: str
    content: bytes
    rows: int

    @property
    def filename(self) -> str:
        return f"{self.dataset}.{self.format}"

    @property
    def sha256(self) -> str:
        return spec.sha256_hex(self.content)

    @property
    def content_type(self) -> str:
        if self.format == "csv":
            return "text/csv; charset=utf-8"
        return "application/json; charset=utf-8"


def data_file(year: int, dataset: str, fmt: str) -> DataFile:
    """One year's file, from the public cache while nothing published has changed."""
    if dataset not in spec.DATASETS or fmt not in spec.FORMATS:
        raise KeyError(f"{dataset}.{fmt}")
    cache = caches[CACHE_ALIAS]
    head = current_head().seq
    stored = cache.get(f"data:{head}:{year}:{dataset}.{fmt}")
    if stored is None:  # the rows are read once for both formats
        rows = BUILDERS[dataset](year)
        for each in spec.FORMATS:
            encoded = spec.encode(spec.DATASETS[dataset], year, rows, each)
            cache.set(f"data:{head}:{year}:{dataset}.{each}", encoded)
            if each == fmt:
                stored = encoded
    content, count = stored
    return DataFile(year, dataset, fmt, content, count)


def year_files(year: int) -> list[DataFile]:
    return [data_file(year, name, fmt) for name in spec.DATASETS for fmt in spec.FORMATS]
