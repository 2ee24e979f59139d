from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from spotcheck.inspections.actions import InspectionError, match_event_team
from spotcheck.inspections.lookup import find_event


class Command(BaseCommand):
    help = "为登记的活动匹配检查组：种子由见证人现场掷骰产生（规则同抽取）"

    def add_arguments(self, parser):
        parser.add_argument("event", help="活动登记编号")
        parser.add_argument(
            "--witness",
            action="append",
            default=[],
            metavar="姓名:数字",
            help="见证人及其掷出的骰子数字，按掷骰顺序重复填写（至少2名，合计至少20位）",
        )
        parser.add_argument("--beacon", help="公共随机信标值（可选）")
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")

    def handle(self, *args, event, witness, beacon, actor, **options):
        witnesses = []
        for entry in witness:
            name, sep, digits = entry.partition(":")
            if not sep:
                raise CommandError(f"见证人须写成“姓名:数字”：{entry}")
            witnesses.append((name, digits))
        try:
            match = match_event_team(
                event=find_event(event), witnesses=witnesses, beacon=beacon, actor=actor
            )
        except (InspectionError, ObjectDoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        names = "、".join(
            f"{m.inspector.name}（{m.get_role_display()}）"
            for m in match.members.select_related("inspector")
        )
        self.stdout.write(f"已匹配检查组：{names}")
