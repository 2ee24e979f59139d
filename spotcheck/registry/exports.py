"""Directory exports (CSV and xlsx) with the import templates' headers, so an export can be
edited and imported again. Text cells that Excel would run as formulas (= + - @ …) are
neutralised by `spotcheck.lib.tabular`'s writers."""

from collections.abc import Iterator
from datetime import date
from typing import IO

from django.db.models import QuerySet

from spotcheck.lib.directory import (
    ENTITY_COLUMNS,
    INSPECTOR_COLUMNS,
    OPEN_ENDED,
    OPERATING_STATUS_LABELS,
    RISK_LEVEL_LABELS,
    OperatingStatus,
    RiskLevel,
)
from spotcheck.lib.tabular import CellValue, write_csv, write_xlsx
from spotcheck.registry.models import CodeKind, Entity, Inspector

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ENTITY_HEADER = [spec.label for spec in ENTITY_COLUMNS]
INSPECTOR_HEADER = [spec.label for spec in INSPECTOR_COLUMNS]


def _date_cell(day: date | None) -> CellValue:
    if day is None:
        return None
    return "长期" if day == OPEN_ENDED else day


def entity_rows(entities: QuerySet[Entity]) -> Iterator[list[CellValue]]:
    """Rows in the column order of ENTITY_COLUMNS, streamed in chunks."""
    for entity in entities.prefetch_related("target_types").iterator(chunk_size=2000):
        risk = RISK_LEVEL_LABELS[RiskLevel(entity.risk_level)] if entity.risk_level else ""
        yield [
            entity.name,
            entity.credit_code if entity.code_kind == CodeKind.CREDIT_CODE else "",
            entity.credit_code if entity.code_kind == CodeKind.REGISTRATION_NUMBER else "",
            "、".join(sorted(t.name for t in entity.target_types.all())),
            entity.town,
            entity.address,
            entity.legal_representative,
            entity.contact,
            risk,
            _date_cell(entity.risk_set_on),
            entity.risk_reason,
            OPERATING_STATUS_LABELS[OperatingStatus(entity.status)],
            entity.licence_number,
            _date_cell(entity.licence_valid_until),
            "、".join(entity.tags),
        ]


def inspector_rows(inspectors: QuerySet[Inspector]) -> Iterator[list[CellValue]]:
    """Rows in the column order of INSPECTOR_COLUMNS."""
    for inspector in inspectors.select_related("agency", "unit").iterator(chunk_size=2000):
        status = "在职" if inspector.is_active else (inspector.inactive_reason or "离职")
        yield [
            inspector.name,
            inspector.badge_number,
            inspector.certificate_number,
            _date_cell(inspector.certificate_valid_until),
            inspector.agency.name,
            inspector.unit.name if inspector.unit else "",
            inspector.post,
            "、".join(inspector.qualifications),
            status,
        ]


def write_export(
    stream: IO[bytes], fmt: str, header: list[str], rows: Iterator[list[CellValue]]
) -> int:
    if fmt == "csv":
        return write_csv(stream, header, rows)
    if fmt == "xlsx":
        return write_xlsx(stream, header, rows, sheet_title="名录")
    raise ValueError(f"unknown export format {fmt!r}")


def export_entities(stream: IO[bytes], fmt: str, entities: QuerySet[Entity]) -> int:
    return write_export(stream, fmt, ENTITY_HEADER, entity_rows(entities.order_by("pk")))


def export_inspectors(stream: IO[bytes], fmt: str, inspectors: QuerySet[Inspector]) -> int:
    return write_export(stream, fmt, INSPECTOR_HEADER, inspector_rows(inspectors.order_by("pk")))
