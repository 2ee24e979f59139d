from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from spotcheck.inspections.actions import InspectionError, build_visits
from spotcheck.plans.exports import find_plan


class Command(BaseCommand):
    help = "由本轮已执行的抽取生成检查任务（同一对象的多个事项合并为一次检查）"

    def add_arguments(self, parser):
        parser.add_argument("plan", help="计划编号，或“机构:年度”")
        parser.add_argument("--round", type=int, default=1, help="轮次（默认1）")
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")

    def handle(self, *args, plan, round, actor, **options):
        try:
            result = build_visits(plan=find_plan(plan), round=round, actor=actor)
        except (InspectionError, ObjectDoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"第{round}轮共{result.visits}个检查任务（{result.merged_items}个事项合并检查），"
            f"{result.proposals}条联合检查建议待确认"
        )
