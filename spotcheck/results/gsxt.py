"""The national-system export (国家企业信用信息公示系统) of a plan's published results.

Shared by `spotcheck export-gsxt` and the coordinators' page and download. One row per checked
item of a result as it is published on the portal (spotcheck.public.selectors.live_results):
the current published record, not withdrawn, with the code, agency, date and categories of its
hashed snapshot, the content the public sees. Approved results not yet published, and
withdrawn records, are left out; a result under amendment keeps its published record until the
amendment is published. What the file holds (README, "The national-system export"):

- the registered name, not the portal's masked one: the national system publishes what it
  receives under the enterprise its credit code names, and a sole trader's (个体工商户) name is
  public there as registered. The name is the one drawn (the visit's), and the record's public
  name must be that name with characters masked, or the record is withheld;
- 检查实施机关 is the plan's agency alone: the agency uploading the file answers for its rows,
  and a cooperating department (部门联合) reports its own checks from its own account; the
  portal still names it;
- re-checks (复查) are not rows: a re-check is the follow-up of a 责令改正 on the record checked
  in the task (whose row already carries the category), not a second check in the task, and
  the statistics leave them out too.

Two kinds of row are not exported but listed (`GsxtExport.warnings`), so the agency uploads the
rest and completes these: a row without 统一社会信用代码/注册号 (the national system rejects
it), and every row of a record that disagrees with what is stored (`publication_problems`, as
the portal's pages and open data check it: a tampered record is withheld there too).

Withdrawn records are listed as well (`GsxtExport.withdrawn`): one uploaded by an earlier
export is still in the national system, and a file without it does not remove it there; the
coordinator withdraws it there by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from spotcheck.lib import gsxt, tabular
from spotcheck.lib.publication import is_masked_form
from spotcheck.lib.results import category
from spotcheck.plans.models import Plan
from spotcheck.public.actions import publication_problems
from spotcheck.public.models import PublishedResult
from spotcheck.public.selectors import published_results, published_versions
from spotcheck.results.models import ResultVersion

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True)
class WithheldRecord:
    """A published record whose snapshot disagrees with what is stored: none of its rows go."""

    record_id: int
    entity_name: str
    problems: list[str]


@dataclass(frozen=True)
class WithdrawnRecord:
    """A withdrawn record of the plan (round): not exported; if an earlier export uploaded it,
    the national system still shows it until the agency withdraws it there."""

    record_id: int
    entity_name: str
    credit_code: str
    item_numbers: tuple[str, ...]
    withdrawn_on: date
    reason: str


WITHDRAWN_ADVICE = "已撤回，未导出；如已上传，请在国家企业信用信息公示系统撤回"


@dataclass
class GsxtExport:
    items: list[gsxt.GsxtItem] = field(default_factory=list)  # the rows of the file
    missing_code: list[gsxt.GsxtItem] = field(default_factory=list)
    withheld: list[WithheldRecord] = field(default_factory=list)
    withdrawn: list[WithdrawnRecord] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        return gsxt.rows(self.items)

    @staticmethod
    def rows_of(items: list[gsxt.GsxtItem]) -> list[tuple[Any, ...]]:
        """Rows left out, formatted and ordered as the file's rows."""
        return gsxt.rows(items)

    def warnings(self) -> list[str]:
        """What was left out and why, one line a row (or withheld record), in Chinese."""
        lines = []
        if self.missing_code:
            lines.append(
                f"未导出{len(self.missing_code)}行：缺少统一社会信用代码/注册号，"
                "国家企业信用信息公示系统不接收。请在检查对象名录中补录，"
                "更正并重新公示该检查结果后再导出："
            )
            lines += [
                f"  {row[1]}（抽查任务编号 {row[2]}，{row[3]}，检查结果：{row[7]}）"
                for row in self.rows_of(self.missing_code)
            ]
        if self.withheld:
            lines.append(
                f"未导出{len(self.withheld)}条公示记录：公示内容与存储的审核结果不一致"
                "（公示网站已暂停显示），请核查："
            )
            lines += [
                f"  {w.entity_name}（公示记录 {w.record_id}）：{'；'.join(w.problems)}"
                for w in self.withheld
            ]
        if self.withdrawn:
            lines.append(f"{len(self.withdrawn)}条公示记录{WITHDRAWN_ADVICE}：")
            lines += [
                f"  {w.entity_name}（{w.credit_code or '无统一社会信用代码'}，"
                f"抽查任务编号 {'、'.join(w.item_numbers) or '—'}，公示记录 {w.record_id}，"
                f"{w.withdrawn_on:%Y-%m-%d}撤回：{w.reason}）"
                for w in self.withdrawn
            ]
        return lines


def collect_gsxt(plan: Plan, *, round: int | None = None) -> GsxtExport:  # noqa: A002
    """The plan's (or one round's) published results as the national system's rows, with the
    rows left out."""
    current = (
        published_results()
        .filter(plan=plan, result__visit__recheck_of__isnull=True)
        .select_related("result__visit")
    )
    if round is not None:
        current = current.filter(result__visit__round=round)
    records = list(current.filter(withdrawn_at__isnull=True).order_by("pk"))
    approved = _approved_snapshots(records)
    plan_items = {item.pk: item for item in plan.items.all()}
    export = GsxtExport()
    for record in records:
        problems = publication_problems(
            record, approved=approved.get((record.result_id, record.result_version))
        )
        registered = record.result.visit.entity_name
        if not is_masked_form(record.entity_name, registered):
            problems.append("公示的名称不是抽取时检查对象名称的遮蔽形式")
        if problems:
            export.withheld.append(WithheldRecord(record.pk, record.entity_name, problems))
            continue
        for row in _record_items(plan, record, plan_items):
            (export.items if gsxt.has_code(row) else export.missing_code).append(row)
    # every withdrawn version, those a corrected record's republication superseded included:
    # what was uploaded from it is still in the national system until withdrawn there
    withdrawn = (
        published_versions()
        .filter(plan=plan, result__visit__recheck_of__isnull=True, withdrawn_at__isnull=False)
        .select_related("result__visit")
        .order_by("entity_name", "pk")
    )
    if round is not None:
        withdrawn = withdrawn.filter(result__visit__round=round)
    export.withdrawn = [_withdrawn(plan, record, plan_items) for record in withdrawn]
    return export


def _withdrawn(plan: Plan, record: PublishedResult, plan_items: dict[int, Any]) -> WithdrawnRecord:
    """A withdrawn record as the coordinator finds it in the national system: name, code and
    the task numbers its rows carried there."""
    assert record.withdrawn_at is not None  # the query's condition
    numbers = dict.fromkeys(
        gsxt.task_number(plan.year, row.item_number, row.item_position, row.round)
        for row in _record_items(plan, record, plan_items)
    )
    return WithdrawnRecord(
        record_id=record.pk,
        entity_name=record.result.visit.entity_name,  # as uploaded: the registered name
        credit_code=record.credit_code,
        item_numbers=tuple(numbers),
        withdrawn_on=timezone.localdate(record.withdrawn_at),
        reason=record.public_withdraw_reason,
    )


def _approved_snapshots(records: list[PublishedResult]) -> dict[tuple[int, int], Any]:
    """The approved versions the records were made from, read at once for all of them."""
    versions = ResultVersion.objects.filter(result_id__in={r.result_id for r in records})
    return {
        (v["result_id"], v["number"]): v["snapshot"]
        for v in versions.values("result_id", "number", "snapshot")
    }


def _record_items(
    plan: Plan, record: PublishedResult, plan_items: dict[int, Any]
) -> list[gsxt.GsxtItem]:
    """A checked record's items as published (its hashed snapshot), under the entity's name as
    drawn (the registered name the public one masks); an item with no result category (not
    checked) has no row."""
    snapshot = record.snapshot
    agency = snapshot.get("agency") or plan.agency.name
    entity = snapshot.get("entity") or {}
    inspected_on = snapshot.get("inspected_on")
    rows = []
    for entry in snapshot.get("items", []):
        if not entry.get("category"):
            continue
        item = plan_items[entry["plan_item"]]
        rows.append(
            gsxt.GsxtItem(
                credit_code=entity.get("credit_code") or "",
                entity_name=record.result.visit.entity_name,
                year=plan.year,
                item_number=item.number,
                item_position=item.position,
                item_name=item.name,
                round=record.result.visit.round,
                agency=agency,
                check_type=gsxt.check_type(item.target_type),
                inspected_on=date.fromisoformat(inspected_on) if inspected_on else None,
                category_label=category(entry["category"]).label,
            )
        )
    return rows


def write_gsxt(stream: Any, fmt: str, plan: Plan, *, round: int | None = None) -> GsxtExport:
    """Write the export as xlsx or csv (UTF-8 with BOM) to a binary stream; return what was
    exported and what was left out."""
    if fmt not in FORMATS:
        raise ValueError(f"不支持的格式“{fmt}”：请用 xlsx 或 csv")
    export = collect_gsxt(plan, round=round)
    if fmt == "xlsx":
        tabular.write_xlsx(stream, gsxt.HEADER, export.rows, sheet_title="抽查检查结果")
    else:
        tabular.write_csv(stream, gsxt.HEADER, export.rows)
    return export


def gsxt_filename(plan: Plan, fmt: str, round: int | None = None) -> str:
    suffix = f"-round{round}" if round is not None else ""
    return f"gsxt-{plan.year}-plan{plan.pk}{suffix}.{fmt}"
