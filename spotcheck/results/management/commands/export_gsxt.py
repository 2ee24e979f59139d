import sys
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from spotcheck.plans.exports import find_plan
from spotcheck.results.gsxt import FORMATS, gsxt_filename, write_gsxt


class Command(BaseCommand):
    help = (
        "导出国家企业信用信息公示系统上传文件：计划中已公示（未撤回）的检查结果，"
        "每个检查事项一行（统一社会信用代码/注册号、企业名称、抽查任务编号、抽查任务名称、"
        "检查实施机关、检查类型、检查日期、检查结果）；缺少统一社会信用代码/注册号的行"
        "和与存储的审核结果不一致的公示记录不导出，逐行列出；已撤回的公示记录不导出，"
        "逐条列出，以便在国家企业信用信息公示系统中撤回此前上传的记录"
    )

    def add_arguments(self, parser):
        parser.add_argument("plan", help="计划编号，或“机构:年度”")
        parser.add_argument("--round", type=int, help="只导出该轮次（默认全部轮次）")
        parser.add_argument("--format", choices=sorted(FORMATS), default="xlsx")
        parser.add_argument(
            "-o", "--output", help="输出文件（默认 gsxt-年度-plan编号.格式；“-”：csv 写到标准输出）"
        )

    def handle(self, *args, plan, round, format, output, **options):
        try:
            found = find_plan(plan)
        except ObjectDoesNotExist as exc:
            raise CommandError(str(exc)) from exc
        if round is not None and round < 1:
            raise CommandError(f"轮次必须是正整数，而不是 {round}")
        if output == "-":
            if format == "xlsx":
                raise CommandError("xlsx 格式不能写到标准输出：请用 -o 指定文件")
            export = write_gsxt(sys.stdout.buffer, format, found, round=round)
            sys.stdout.flush()
        else:
            target = Path(output or gsxt_filename(found, format, round))
            with target.open("wb") as stream:
                export = write_gsxt(stream, format, found, round=round)
            self.stderr.write(f"已导出{len(export.items)}行到 {target}")
        for line in export.warnings():  # the rows the national system would reject, named
            self.stderr.write(self.style.WARNING(line))
        if not export.items and not export.warnings():
            self.stderr.write(
                "提示：该计划（轮次）还没有已公示的检查结果（审核通过后须公示才会导出）"
            )
