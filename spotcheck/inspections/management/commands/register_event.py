from datetime import date

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from spotcheck.inspections.actions import InspectionError, register_event
from spotcheck.inspections.lookup import find_item


class Command(BaseCommand):
    help = "登记按实际执行事项的活动（大型活动、焰火燃放等），每项活动生成一个检查任务"

    def add_arguments(self, parser):
        parser.add_argument("plan", help="计划编号，或“机构:年度”")
        parser.add_argument("item", help="事项编号")
        parser.add_argument("--organiser", required=True, help="主办/承办单位")
        parser.add_argument("--place", required=True, help="地点")
        parser.add_argument(
            "--date", required=True, type=date.fromisoformat, help="日期 YYYY-MM-DD"
        )
        parser.add_argument("--scale", required=True, help="规模")
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")

    def handle(self, *args, plan, item, organiser, place, date, scale, actor, **options):
        try:
            event = register_event(
                item=find_item(plan, item),
                organiser=organiser,
                place=place,
                date=date,
                scale=scale,
                actor=actor,
            )
        except (InspectionError, ObjectDoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已登记活动{event.pk}：{event}；检查任务 {event.visit.visit_key}")
