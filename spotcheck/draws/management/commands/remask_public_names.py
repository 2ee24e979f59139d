"""`spotcheck remask-public-names [--actor NAME]`: mask again, under the masking rules as they
are now, what earlier rules left unmasked: the public names of the targets of every executed
draw, and the entity names of the published results.

A draw executed, or a result published, before a masking rule was added (a sole trader known
by an old 注册号, an entity without any code) kept the names as they were then masked; the
bulletin, draw.json, the verification kit, the API, the result pages, the search, the open
data and the national-system export show them so. This runs the two audited corrections
(spotcheck.draws.actions.remask_public_names, spotcheck.public.actions.remask_published_names;
each one transaction, run one after the other) and prints how many names each changed per
draw and per plan, never a name. Idempotent: run again, it changes nothing (after a failure,
run it again). Every draw still verifies (the verifier reads no name); a published record
still agrees with its approved version and its hash (computed again for the corrected
content); a record whose content no longer matches its hash is reported and left alone.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from spotcheck.draws.actions import remask_public_names
from spotcheck.draws.models import Draw
from spotcheck.plans.models import Plan
from spotcheck.public.actions import remask_published_names


class Command(BaseCommand):
    help = (
        "按现行遮蔽规则重新遮蔽已执行抽取中检查对象的公示名称和已公示检查结果的对象名称"
        "（只输出各抽取、各计划的数量）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")

    def handle(self, *args: Any, actor: str, **options: Any) -> None:
        draws = remask_public_names(actor=actor)
        shown = Draw.objects.select_related("item__plan").in_bulk(list(draws.changed))
        for pk, count in draws.changed.items():
            self.stdout.write(f"抽取{pk}（{shown[pk]}）：重新遮蔽{count}个公示名称")
        self.stdout.write(
            f"共检查{draws.draws}个已执行抽取的{draws.selections}个抽中对象，"
            f"重新遮蔽{draws.total}个公示名称（{len(draws.changed)}个抽取）"
        )
        records = remask_published_names(actor=actor)
        plans = Plan.objects.in_bulk(list(records.changed))
        for pk, count in records.changed.items():
            self.stdout.write(f"计划{pk}（{plans[pk].title}）：更正{count}条公示记录的对象名称")
        for pk in records.tampered:
            self.stdout.write(
                f"公示记录{pk}：公示内容与其SHA-256不一致，未更正（请运行 spotcheck audit verify）"
            )
        self.stdout.write(
            f"共检查{records.records}条公示记录，更正{records.total}条"
            + ("；公示网站页面缓存和开放数据已更新" if draws.total or records.total else "")
        )
