"""`spotcheck remask-public-names [--actor NAME]`: mask again, under the masking rules as they
are now, the public names of the targets of every executed draw.

A draw executed before a masking rule was added (a sole trader known by an old 注册号, an
entity without any code) kept its targets' names as they were then masked, and the bulletin,
draw.json, the verification kit, the API and the open data show them so. This runs the audited
correction (spotcheck.draws.actions.remask_public_names) and prints how many names it masked
per draw, never a name. Idempotent: run again, it changes nothing. Every draw still verifies
(the verifier reads no name) and `spotcheck audit verify` still passes.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from spotcheck.draws.actions import remask_public_names
from spotcheck.draws.models import Draw


class Command(BaseCommand):
    help = "按现行遮蔽规则重新遮蔽已执行抽取中检查对象的公示名称（只输出各抽取的数量）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")

    def handle(self, *args: Any, actor: str, **options: Any) -> None:
        report = remask_public_names(actor=actor)
        draws = Draw.objects.select_related("item__plan").in_bulk(list(report.changed))
        for pk, count in report.changed.items():
            self.stdout.write(f"抽取{pk}（{draws[pk]}）：重新遮蔽{count}个公示名称")
        self.stdout.write(
            f"共检查{report.draws}个已执行抽取的{report.selections}个抽中对象，"
            f"重新遮蔽{report.total}个公示名称（{len(report.changed)}个抽取）"
            + ("；公示网站页面缓存和开放数据已更新" if report.total else "；无需更改")
        )
