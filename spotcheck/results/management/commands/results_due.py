from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from spotcheck.results.models import Result
from spotcheck.results.selectors import deadline_warnings, due_results


class Command(BaseCommand):
    help = "列出已逾期和即将到期（默认5日内）、尚未公示的检查结果，按责任单位分组"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按此日期计算（YYYY-MM-DD，默认今天）")
        parser.add_argument("--agency", help="只列出该机构计划的检查结果（机构名称）")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"即将到期的天数（默认{settings.SPOTCHECK_RESULTS_DUE_SOON_DAYS}）",
        )

    def handle(self, *args, today, agency, days, **options):
        try:
            on = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--today：“{today}”不是日期（YYYY-MM-DD）") from exc
        soon_days = settings.SPOTCHECK_RESULTS_DUE_SOON_DAYS if days is None else days
        if soon_days < 0:
            raise CommandError("--days 不能为负数")
        results = Result.objects.all()
        if agency:
            results = results.filter(visit__plan__agency__name=agency)
        units = due_results(results, today=on, soon_days=soon_days)
        for unit in units:
            self.stdout.write(unit.unit)
            for title, rows in (
                (f"已逾期（{len(unit.overdue)}）", unit.overdue),
                (f"{soon_days}日内到期（{len(unit.due_soon)}）", unit.due_soon),
            ):
                self.stdout.write(f"  {title}")
                for row in rows:
                    result = row.result
                    left = (
                        f"逾期{row.overdue_days}天"
                        if row.days_left < 0
                        else f"剩余{row.days_left}天"
                    )
                    estimated = "（估算）" if result.due_warning else ""
                    self.stdout.write(
                        f"    {result.visit.visit_key}  {result.visit.entity_name}  "
                        f"检查日期{result.inspected_on}  公示期限{result.due_on}{estimated}  "
                        f"{left}  {result.get_state_display()}"
                    )
        if not units:
            self.stdout.write(f"截至{on}没有逾期或{soon_days}日内到期的检查结果")
        # every unpublished deadline that had to be estimated, listed above or not yet due
        for line, count in deadline_warnings(results).items():
            self.stderr.write(self.style.WARNING(f"提示：{line}（涉及{count}条结果）"))
