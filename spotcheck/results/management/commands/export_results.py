import sys
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from spotcheck.inspections.models import Visit
from spotcheck.plans.exports import find_plan
from spotcheck.results.exports import export_results


class Command(BaseCommand):
    help = (
        "导出计划（某一轮）各检查任务的检查结果表（每个检查要点一行，已录入的内容已填好），"
        "供纸质记录的检查组填写后用 import-results 导入"
    )

    def add_arguments(self, parser):
        parser.add_argument("plan", help="计划编号，或“机构:年度”")
        parser.add_argument("--round", type=int, help="只导出该轮次")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
        parser.add_argument("-o", "--output", help="输出文件（默认标准输出；xlsx 必须指定）")

    def handle(self, *args, plan, round, format, output, **options):
        try:
            found = find_plan(plan)
        except ObjectDoesNotExist as exc:
            raise CommandError(str(exc)) from exc
        visits = Visit.objects.filter(plan=found)
        if round is not None:
            visits = visits.filter(round=round)
            if not visits.exists():
                raise CommandError(f"计划“{found.title}”第{round}轮没有检查任务")
        if output:
            with Path(output).open("wb") as stream:
                count = export_results(stream, format, visits)
            self.stderr.write(f"已导出{visits.count()}个检查任务、{count}行到 {output}")
        elif format == "xlsx":
            raise CommandError("xlsx 格式请用 -o 指定输出文件")
        else:
            export_results(sys.stdout.buffer, format, visits)
            sys.stdout.flush()
