"""Open data per year: the rows of the `plans`, `draws` and `results` files (schema and
encodings in spotcheck.lib.opendata, documented in docs/open-data.md).

Rows are read only through the published-only selectors, and show exactly what the public pages
show: a result record's displayed snapshot (masked at publication; inspectors' names only while
the agency allows them), withheld like its page when it disagrees with the stored approved
version; a draw's selection withheld like its bulletin when the stored rows disagree with its
document.

The files are built offline (`spotcheck build-open-data`, `build_year`) and served from disk:
rows are read in chunks and written one by one (constant memory, whatever the year's size)
into a new build folder, then manifest.json (SHA-256, row counts, build time, and the version
built at) is switched to it atomically. A year's files are current while the manifest's version
is the year's `data_version` (its publication version and token: spotcheck.public.models.PublicVersion);
a publication, withdrawal, correction, draw step or plan publication moves it, which makes them
stale. The pages then rebuild a small year in the request and say a large one is being rebuilt
(never serving the stale files as current): docs/open-data.md, "更新".
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from spotcheck.accounts.models import Agency
from spotcheck.draws import integrity
from spotcheck.draws.models import Draw, DrawReplacement, DrawSelection
from spotcheck.lib import opendata as spec
from spotcheck.lib import publication as pub
from spotcheck.public.actions import publication_problems
from spotcheck.public.models import PublishedResult, public_key
from spotcheck.public.selectors import (
    published_draws,
    published_items,
    published_plans,
    published_results,
)
from spotcheck.results.models import ResultVersion

CHUNK = 2000
DRAW_CHUNK = 200
PROGRESS_EVERY = 500
ABANDONED_BUILD_SECONDS = 6 * 3600


def _local(value: Any) -> Any:
    return timezone.localtime(value) if value is not None else None


def years() -> list[int]:
    """Years with a published plan, newest first."""
    return sorted(set(published_plans().values_list("year", flat=True)), reverse=True)


def plan_rows(year: int) -> Iterator[dict[str, Any]]:
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
    for item in items.iterator(chunk_size=CHUNK):
        yield {
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


def _selection(
    draw: Draw, selections: list[DrawSelection], replaced: set[int]
) -> list[dict[str, Any]]:
    """The bulletin's selection list, names as the result pages would publish them."""
    return [
        {
            "id": s.public_id,
            "name": s.public_name,
            "stratum": s.stratum,
            "rank": s.rank,
            "ticket": s.ticket,
            "kind": s.kind,
            "replaced": s.kind == s.Kind.DRAWN and s.pk in replaced,
        }
        for s in selections
    ]


def _draw_row(
    draw: Draw, selections: list[DrawSelection], replacements: list[tuple[Any, ...]]
) -> dict[str, Any]:
    executed = draw.status == Draw.Status.EXECUTED
    withheld = executed and bool(
        integrity.rows_problems(
            draw, [integrity.selection_row(s) for s in selections], replacements
        )
    )
    replaced = {original_id for _, original_id, _, _ in replacements}
    selection = _selection(draw, selections, replaced) if executed and not withheld else []
    selected = [s["id"] for s in selection if not s["replaced"]]
    return {
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
        "cancel_reason": draw.public_cancel_reason,
        "selected_count": len(selected),
        "selected": selected,
        "selection": selection,
        "selection_withheld": withheld,
        "draw_json": reverse("public:draw_json", args=[draw.pk]) if executed else "",
        "kit": reverse("public:kit", args=[draw.pk]) if executed else "",
    }


def draw_rows(year: int) -> Iterator[dict[str, Any]]:
    """The year's draw bulletins, DRAW_CHUNK draws at a time: three queries a chunk (the
    draws, their selections with entities, their replacements), however many draws."""
    draws = (
        published_draws()
        .filter(item__plan__year=year)
        .defer("population_gz", "excluded_gz")
        .order_by("item__plan__agency__name", "item__position", "round_number", "pk")
    )
    for batch in spec.batched(draws.iterator(chunk_size=DRAW_CHUNK), DRAW_CHUNK):
        ids = [d.pk for d in batch]
        selections: dict[int, list[DrawSelection]] = defaultdict(list)
        chosen = DrawSelection.objects.filter(draw_id__in=ids).select_related("entity")
        for s in chosen.order_by("draw_id", "position"):
            selections[s.draw_id].append(s)
        replacements: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        rows = DrawReplacement.objects.filter(draw_id__in=ids).order_by("draw_id", "sequence")
        for draw_id, *row in rows.values_list("draw_id", *integrity.REPLACEMENT_ROW_FIELDS):
            replacements[draw_id].append(tuple(row))
        for draw in batch:
            yield _draw_row(draw, selections[draw.pk], replacements[draw.pk])


def _result_row(
    record: PublishedResult,
    approved: dict[str, Any] | None,
    corrected: bool,
    first_published_on: date,
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
        "withdraw_reason": record.public_withdraw_reason,
        "withheld": withheld,
        # none while withheld: nothing of the content is published (the page prints none)
        "snapshot_sha256": "" if withheld else record.published_sha256,
        "items": [],
    }
    if withheld:  # the page shows the name and the warning, nothing of the content
        return row
    row.update(
        cooperating_agencies=shown.get("cooperating_agencies", []),
        inspected_on=shown.get("inspected_on"),
        # met or missed by the first publication: a correction republished later is no delay
        deadline=pub.deadline_state(record.due_on, first_published_on, first_published_on).value,
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


def result_rows(year: int) -> Iterator[dict[str, Any]]:
    """Every current published record of the year's plans, withdrawn ones included (marked),
    CHUNK records at a time: three queries a chunk."""
    records = (
        published_results()
        .filter(plan__year=year)
        .select_related("agency", "plan")
        .defer("plan__notes", "plan__column_notes", "plan__import_corrections")
        .order_by("published_on", "pk")
    )
    for batch in spec.batched(records.iterator(chunk_size=CHUNK), CHUNK):
        ids = [r.result_id for r in batch]
        approved = {
            (v["result_id"], v["number"]): v["snapshot"]
            for v in ResultVersion.objects.filter(result_id__in=ids).values(
                "result_id", "number", "snapshot"
            )
        }
        # per result, its versions: more than one when a correction was republished, the
        # first one's date being the publication its deadline is met or missed by
        versions = (
            PublishedResult.objects.filter(result_id__in=ids)
            .values("result_id")
            .annotate(first=Min("published_on"), count=Count("pk"))
            .order_by()
        )
        first = {v["result_id"]: v["first"] for v in versions}
        corrected = {v["result_id"] for v in versions if v["count"] > 1}
        for r in batch:
            key = (r.result_id, r.result_version)
            yield _result_row(r, approved.get(key), r.result_id in corrected, first[r.result_id])


BUILDERS: dict[str, Callable[[int], Iterator[dict[str, Any]]]] = {
    "plans": plan_rows,
    "draws": draw_rows,
    "results": result_rows,
}


def source_counts(year: int) -> dict[str, int]:
    """How many rows each builder will read (for a progress bar)."""
    return {
        "plans": published_items().filter(plan__year=year).count(),
        "draws": published_draws().filter(item__plan__year=year).count(),
        "results": published_results().filter(plan__year=year).count(),
    }


# --- the files on disk ------------------------------------------------------------------------


def data_version(year: int) -> str:
    """What the year's files must have been built at to be current: the year's publication
    version with its token (`public_key`: a restore followed by a change never makes files
    built after the backup current again), and the agencies' names and their setting on publishing inspectors' names (both
    printed in the files, both changed outside the publication actions; a few rows)."""
    agencies = list(
        Agency.objects.order_by("pk").values_list("pk", "name", "publish_inspector_names")
    )
    digest = spec.sha256_hex(json.dumps(agencies, ensure_ascii=False).encode("utf-8"))
    return f"{public_key(year)}-{digest[:16]}"


def data_root() -> Path:
    return Path(settings.SPOTCHECK_OPEN_DATA_DIR)


def year_dir(year: int) -> Path:
    return data_root() / str(year)


@dataclass(frozen=True)
class DataFile:
    year: int
    dataset: str
    format: str
    rows: int
    sha256: str
    size: int
    path: Path

    @property
    def filename(self) -> str:
        return f"{self.dataset}.{self.format}"

    @property
    def content_type(self) -> str:
        if self.format == "csv":
            return "text/csv; charset=utf-8"
        return "application/json; charset=utf-8"


@dataclass(frozen=True)
class Manifest:
    """manifest.json of a year: which build the files are in, at which version, when built."""

    year: int
    version: str
    built_at: datetime
    build: str
    files: dict[str, dict[str, Any]]  # "results.csv" -> {"rows", "sha256", "bytes"}

    def file(self, dataset: str, fmt: str) -> DataFile:
        name = f"{dataset}.{fmt}"
        info = self.files[name]
        path = year_dir(self.year) / self.build / name
        return DataFile(self.year, dataset, fmt, info["rows"], info["sha256"], info["bytes"], path)

    def all_files(self) -> list[DataFile]:
        return [self.file(name, fmt) for name in spec.DATASETS for fmt in spec.FORMATS]

    def to_json(self) -> bytes:
        data = {
            "schema": spec.SCHEMA,
            "year": self.year,
            "version": self.version,
            "built_at": self.built_at.isoformat(),
            "build": self.build,
            "files": self.files,
        }
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


MANIFEST = "manifest.json"


def read_manifest(year: int) -> Manifest | None:
    """The year's manifest, or None when there is none (never built) or it is unreadable."""
    try:
        data = json.loads((year_dir(year) / MANIFEST).read_bytes())
        return Manifest(
            year=data["year"],
            version=data["version"],
            built_at=datetime.fromisoformat(data["built_at"]),
            build=data["build"],
            files=data["files"],
        )
    except (OSError, ValueError, KeyError):
        return None


@dataclass(frozen=True)
class YearFiles:
    """A year's files as a page may show them: `manifest` is the last build (None if none);
    they may be served only when `current`."""

    year: int
    manifest: Manifest | None
    current: bool


def year_files(year: int, *, build_if_small: bool = True) -> YearFiles:
    """The year's files; stale or missing ones rebuilt here when the year is small enough to
    build within a request (INLINE_BUILD_RESULTS), otherwise left to `spotcheck build-open-data`."""
    manifest = read_manifest(year)
    if manifest is not None and manifest.version == data_version(year):
        return YearFiles(year, manifest, True)
    if build_if_small and small_enough(year):
        return YearFiles(year, build_year(year), True)
    return YearFiles(year, manifest, False)


def small_enough(year: int) -> bool:
    """Whether the year has at most INLINE_BUILD_RESULTS published records (counted no further)."""
    limit = settings.SPOTCHECK_OPEN_DATA_INLINE_RESULTS
    records = published_results().filter(plan__year=year).values("pk")[: limit + 1]
    return records.count() <= limit


@contextmanager
def _build_lock(directory: Path) -> Iterator[None]:
    """One build of a year at a time (across processes); a second waits, then finds it current."""
    with open(directory / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


Progress = Callable[[str, int], None]


def build_year(year: int, *, force: bool = False, progress: Progress | None = None) -> Manifest:
    """Write the year's six files under SPOTCHECK_OPEN_DATA_DIR/YEAR/BUILD/, row by row, then
    point manifest.json at them (written to a temporary file and renamed, so a reader sees the
    old build or the new one, never a mixture). Unless `force`, a build already current when the
    lock is obtained is kept. `progress(dataset, n)` is called as rows are written."""
    directory = year_dir(year)
    directory.mkdir(parents=True, exist_ok=True)
    with _build_lock(directory):
        # Read before the rows: a change made while building leaves these files stale.
        version = data_version(year)
        previous = read_manifest(year)
        if not force and previous is not None and previous.version == version:
            return previous
        built_at = timezone.now()
        scratch = Path(tempfile.mkdtemp(prefix=".building-", dir=directory))
        try:
            files = _write_files(year, scratch, progress)
            build = f"{timezone.localtime(built_at):%Y%m%dT%H%M%S}-{scratch.name[-8:]}"
            scratch.rename(directory / build)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        manifest = Manifest(year, version, built_at, build, files)
        _replace_file(directory / MANIFEST, manifest.to_json())
        _remove_old_builds(directory, keep={build, previous.build if previous else ""})
    return manifest


def _write_files(year: int, into: Path, progress: Progress | None) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    for name, rows in BUILDERS.items():
        dataset = spec.DATASETS[name]
        csv_path, json_path = into / f"{name}.csv", into / f"{name}.json"
        with (
            open(csv_path, "wb") as csv_out,
            open(json_path, "wb") as json_out,
            tempfile.TemporaryFile(dir=into) as json_body,
        ):
            writer = spec.FileWriter(
                dataset, year, csv_out=csv_out, json_body=json_body, json_out=json_out
            )
            for count, row in enumerate(rows(year), start=1):
                writer.add(row)
                if progress is not None and count % PROGRESS_EVERY == 0:
                    progress(name, PROGRESS_EVERY)
            writer.finish()
        if progress is not None:
            progress(name, writer.records % PROGRESS_EVERY)
        files[f"{name}.csv"] = {
            "rows": writer.csv_rows,
            "sha256": writer.csv_hash.hexdigest(),
            "bytes": csv_path.stat().st_size,
        }
        files[f"{name}.json"] = {
            "rows": writer.records,
            "sha256": writer.json_hash.hexdigest(),
            "bytes": json_path.stat().st_size,
        }
    return files


def _replace_file(path: Path, content: bytes) -> None:
    handle, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def _remove_old_builds(directory: Path, keep: set[str]) -> None:
    """Builds other than the new one and the one before it (a download that read the previous
    manifest a moment ago may still be opening it); scratch folders of builds that died."""
    for entry in directory.iterdir():
        if not entry.is_dir() or entry.name in keep:
            continue
        abandoned = time.time() - entry.stat().st_mtime > ABANDONED_BUILD_SECONDS
        if not entry.name.startswith(".") or (entry.name.startswith(".building-") and abandoned):
            shutil.rmtree(entry, ignore_errors=True)
