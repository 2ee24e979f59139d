from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from spotcheck.lib.resultfile import read_results
from spotcheck.lib.tabular import TabularError
from spotcheck.plans.exports import find_plan
from spotcheck.results.actions import ResultFileError, import_results


class Command(BaseCommand):
    help = (
        "导入检查结果表（CSV或xlsx，表头见 docs/results-columns.md）：填写了的检查任务录入并提交审核；"
        "全部通过校验才写入，否则一条也不写入，并列出出错的行和列"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="检查结果表（.csv 或 .xlsx）")
        parser.add_argument("--plan", help="检查编号在多个计划中重复时，指定计划编号或“机构:年度”")
        parser.add_argument("--round", type=int, help="检查编号在多个轮次中重复时，指定轮次")
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")

    def handle(self, *args, file, plan, round, actor, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件“{file}”")
        try:
            found = find_plan(plan) if plan else None
            with path.open("rb") as stream:
                sheet = read_results(stream, path.name)
            for warning in sheet.warnings:
                self.stderr.write(f"提示：{warning}")
            report = import_results(
                sheet=sheet, actor=actor, plan=found, round=round, filename=path.name
            )
        except ResultFileError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"导入失败：{len(exc.errors)}处错误，未写入任何结果") from exc
        except (TabularError, ObjectDoesNotExist) as exc:
            raise CommandError(f"导入失败：{exc}") from exc
        self.stdout.write(
            f"已录入并提交审核{len(report.recorded)}个检查任务的结果"
            f"（新增处置措施{report.measures}项；未填写的检查任务{report.blank}个未处理）"
        )
