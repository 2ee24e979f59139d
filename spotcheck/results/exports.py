"""The results sheet (检查结果表) for teams that record on paper: one row per checkpoint of every
visit of a plan (and round), in the columns `spotcheck.lib.resultfile` reads back, with what is
already recorded filled in. The visit's own facts (date, way, members present, the entity's
representative, an ending) are on the visit's first row; each follow-up measure has its own row.
Typed in and imported with `spotcheck import-results` (actions.import_results)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from django.db.models import Prefetch, QuerySet

from spotcheck.inspections.models import TeamMember, Visit
from spotcheck.lib import results as rules
from spotcheck.lib.resultfile import (
    FINDING_EXPORT_LABELS,
    MEASURE_EXPORT_LABELS,
    RESULT_COLUMNS,
    WAY_EXPORT_LABELS,
)
from spotcheck.lib.tabular import CellValue, write_csv, write_xlsx
from spotcheck.results.actions import checkpoint_texts
from spotcheck.results.models import ItemResult, Result

RESULT_HEADER = [spec.label for spec in RESULT_COLUMNS]
_INDEX = {spec.key: index for index, spec in enumerate(RESULT_COLUMNS)}
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _row(**cells: CellValue) -> list[CellValue]:
    row: list[CellValue] = [None] * len(RESULT_COLUMNS)
    for key, value in cells.items():
        row[_INDEX[key]] = value
    return row


def _visit_cells(result: Result | None, certificates: dict[int, str]) -> dict[str, CellValue]:
    if result is None:
        return {}
    return {
        "inspected_on": result.inspected_on,
        "way": WAY_EXPORT_LABELS.get(result.way, ""),
        "present": "、".join(certificates[pk] for pk in result.present if pk in certificates),
        "representative": result.representative,
        "ending": rules.category(result.ending).label if result.ending else "",
    }


def result_rows(visits: QuerySet[Visit]) -> Iterator[list[CellValue]]:
    """Rows in the column order of RESULT_COLUMNS; a constant number of queries per chunk."""
    visits = (
        visits.select_related("result")
        .prefetch_related(
            "visit_items__item",
            Prefetch("members", queryset=TeamMember.objects.select_related("inspector")),
            Prefetch(
                "result__items",
                queryset=ItemResult.objects.prefetch_related("findings", "measures"),
            ),
        )
        .order_by("round", "visit_key", "pk")
    )
    for visit in visits.iterator(chunk_size=500):
        result: Result | None = getattr(visit, "result", None)
        certificates = {m.pk: m.inspector.certificate_number for m in visit.members.all()}
        stored = {ir.visit_item_id: ir for ir in result.items.all()} if result else {}
        base = {"visit": visit.visit_key, "entity": visit.entity_name}
        first = True
        items = sorted(visit.visit_items.all(), key=lambda vi: (vi.item.position, vi.pk))
        for visit_item in items:
            item = visit_item.item
            # unnumbered: its key "p<position>", which the import reads back
            number = item.number if item.number is not None else item.key
            item_cells = {**base, "item": number, "item_name": item.name}
            item_result = stored.get(visit_item.pk)
            findings = {f.number: f for f in item_result.findings.all()} if item_result else {}
            chosen = item_result.chosen_category if item_result else ""
            for number, text in enumerate(checkpoint_texts(visit_item), start=1):
                finding = findings.get(number)
                cells: dict[str, CellValue] = {
                    **item_cells,
                    "checkpoint": number,
                    "checkpoint_text": text,
                }
                if finding is not None and finding.finding:
                    cells.update(
                        finding=FINDING_EXPORT_LABELS[rules.Finding(finding.finding)],
                        problem=finding.problem,
                        reason=finding.reason,
                        note=finding.note,
                    )
                if number == 1 and chosen:
                    cells["category"] = rules.category(chosen).label
                if first:
                    cells.update(_visit_cells(result, certificates))
                    first = False
                yield _row(**cells)
            for measure in item_result.measures.all() if item_result else ():
                yield _row(
                    **item_cells,
                    measure=MEASURE_EXPORT_LABELS[rules.MeasureKind(measure.kind)],
                    measure_on=measure.opened_on,
                    deadline=measure.deadline,
                    case_number=measure.case_number,
                    agency=measure.agency,
                    measure_text=measure.text,
                    closed_on=measure.closed_on,
                    closing_text=measure.closing_text,
                )
        if first:  # a visit without items still gets its row
            yield _row(**base, **_visit_cells(result, certificates))


def export_results(stream: IO[bytes], fmt: str, visits: QuerySet[Visit]) -> int:
    """Write the sheet as csv or xlsx; returns the number of rows."""
    if fmt == "csv":
        return write_csv(stream, RESULT_HEADER, result_rows(visits))
    if fmt == "xlsx":
        return write_xlsx(stream, RESULT_HEADER, result_rows(visits), sheet_title="检查结果")
    raise ValueError(f"不支持的格式“{fmt}”，可选 csv、xlsx")
