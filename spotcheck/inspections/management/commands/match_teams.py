from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from spotcheck.inspections.actions import InspectionError, match_teams_for_round
from spotcheck.plans.exports import find_plan


class Command(BaseCommand):
    help = "为本轮每个检查任务随机匹配执法检查人员（种子由本轮抽取的公开种子组成）"

    def add_arguments(self, parser):
        parser.add_argument("plan", help="计划编号，或“机构:年度”")
        parser.add_argument("--round", type=int, default=1, help="轮次（默认1）")
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")

    def handle(self, *args, plan, round, actor, **options):
        try:
            match = match_teams_for_round(plan=find_plan(plan), round=round, actor=actor)
        except (InspectionError, ObjectDoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        pools = "；".join(
            f"{pool}{v['seats']}席/{v['eligible']}人/上限{v['cap']}"
            for pool, v in match.document["pools"].items()
        )
        self.stdout.write(f"已为{len(match.document['visits'])}个检查任务匹配检查组（{pools}）")
