"""`spotcheck drop-withdrawn-columns [--dry-run] [--actor NAME]`: remove the 撤回情况 columns that
imports before the reader dropped them kept among plan items' unrecognised columns (`extra`).

A plan exported by spotcheck after a revision withdrew some item has a last column 撤回情况
("已于2022-07-01经第1次计划调整撤回"). Read back before the reader dropped it, the column was kept
as an unrecognised column of every item (and 撤回情况（2） beside it when the file had two), with a
review flag about it; the staff item page shows it as though it were the item's own. This runs
the audited correction (spotcheck.plans.actions.drop_withdrawn_columns, one transaction, one
audit entry naming per item what it removed) and prints, per item, the columns and flags it
removed. `--dry-run` prints the same and changes nothing. Idempotent: run again, it finds
nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from spotcheck.plans.actions import drop_withdrawn_columns
from spotcheck.plans.selectors import WithdrawnColumns, withdrawn_columns


class Command(BaseCommand):
    help = "删除早先导入时保留在抽查事项“其他列”中的“撤回情况”列（--dry-run 只列出，不更改）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只列出将删除的内容，不更改")
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")

    def handle(self, *args: Any, dry_run: bool, actor: str, **options: Any) -> None:
        found = withdrawn_columns() if dry_run else drop_withdrawn_columns(actor=actor)
        verb = "将删除" if dry_run else "已删除"
        for entry in found:
            self.stdout.write(self._line(entry, verb))
        plans = len({entry.item.plan_id for entry in found})
        summary = f"共{len(found)}个事项（{plans}个计划）{verb}“撤回情况”列"
        self.stdout.write(summary + ("（试运行，未作任何更改）" if dry_run else ""))

    @staticmethod
    def _line(entry: WithdrawnColumns, verb: str) -> str:
        item = entry.item
        columns = "、".join(f"“{key}”" for key in entry.columns)
        flags = f"及{len(entry.flags)}条待复核提示" if entry.flags else ""
        return f"计划{item.plan_id}（{item.plan.title}）{item.heading}：{verb}{columns}列{flags}"
