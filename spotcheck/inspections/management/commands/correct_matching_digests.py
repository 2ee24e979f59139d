"""`spotcheck correct-matching-digests [--actor NAME]`: record in the audit log why an earlier
matching's public record (teams.json) is served otherwise than its audited digest.

A matching matched, or a member replaced, before `seed_source` was published or before phone
numbers in replacement reasons were masked has a digest recorded of the record as it was then;
`spotcheck audit verify` names it. This runs the audited correction
(spotcheck.inspections.actions.correct_matching_digests, one transaction): per such matching one
audit entry with the old digest, the new one and the earlier rules, printed here too. A
matching no earlier rule explains is listed and left to `spotcheck audit verify`. Idempotent: a
second run writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from spotcheck.inspections.actions import correct_matching_digests
from spotcheck.inspections.actions.digests import EARLIER_RULE_LABELS
from spotcheck.inspections.models import TeamMatching


class Command(BaseCommand):
    help = (
        "为按此前规则公开、现以新形式提供的检查人员匹配公开记录补记审计更正"
        "（原摘要、新摘要和规则变化），使 spotcheck audit verify 能核对"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")

    def handle(self, *args: Any, actor: str, **options: Any) -> None:
        report = correct_matching_digests(actor=actor)
        shown = TeamMatching.objects.select_related("plan", "event").in_bulk(
            list(report.corrected) + report.unexplained
        )
        for pk, c in report.corrected.items():
            rules = "、".join(EARLIER_RULE_LABELS[r] for r in c.rules)
            self.stdout.write(
                f"检查人员匹配{pk}（{shown[pk]}）：审计日志第{c.old_entry}条记录的{c.old_sha256}"
                f"是{rules}的摘要；现在提供的公开记录为{c.new_sha256}（已记入第{c.entry}条）"
            )
        for pk in report.unexplained:
            self.stdout.write(
                f"检查人员匹配{pk}（{shown[pk]}）：公开记录与审计日志最近记录的摘要不符，"
                "且不是此前规则下的形式，未补记（请运行 spotcheck audit verify）"
            )
        self.stdout.write(
            f"共核对{report.matchings}个有摘要记录的检查人员匹配，补记{len(report.corrected)}条更正"
            + (f"，{len(report.unexplained)}个无法说明" if report.unexplained else "")
        )
