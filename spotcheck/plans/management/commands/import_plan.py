from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from spotcheck.plans.actions import PlanImportError, import_plan, read_plan_upload


class Command(BaseCommand):
    help = "导入年度抽查工作计划（.txt/.tsv/.csv、.xlsx、.docx）"

    def add_arguments(self, parser):
        parser.add_argument("path", help="计划文件")
        parser.add_argument("--agency", help="制定机构（默认取自标题）")
        parser.add_argument("--year", type=int, help="年度（默认取自标题）")
        parser.add_argument("--replace", action="store_true", help="替换同一机构同一年度的草稿计划")
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")

    def handle(self, *args, path, agency, year, replace, actor, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"找不到文件：{path}")
        data = file.read_bytes()
        try:
            parsed = read_plan_upload(data=data, filename=file.name)
            plan = import_plan(
                parsed=parsed,
                actor=actor,
                agency_name=agency,
                year=year,
                replace=replace,
                source_filename=file.name,
                source_bytes=data,
            )
        except PlanImportError as exc:
            raise CommandError(str(exc)) from exc
        flagged = [i for i in plan.items.all() if i.review_flags]
        self.stdout.write(
            f"已导入“{plan.title}”：{plan.items.count()}个抽查事项（计划编号 {plan.pk}）"
        )
        for item in flagged:
            for flag in item.review_flags:
                self.stdout.write(f"  待复核 事项{item.number}：{flag}")
