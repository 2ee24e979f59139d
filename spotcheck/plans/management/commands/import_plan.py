from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from spotcheck.lib import planfile
from spotcheck.plans.actions import PlanImportError, import_plan, read_plan_upload
from spotcheck.plans.preview import preview_lines


def _corrections(maps: list[str], fixes: list[str]) -> planfile.Corrections:
    """`--map 列名=字段` and `--fix 来源:字段=文本` as Corrections."""
    columns: dict[str, str | None] = {}
    cells: dict[tuple[str, str], str] = {}
    try:
        for text in maps:
            header, sep, name = text.partition("=")
            if not sep or not header.strip():
                raise CommandError(f"--map 应写作 列名=字段，现为“{text}”")
            columns[header.strip()] = planfile.resolve_field(name)
        for text in fixes:
            target, sep, value = text.partition("=")
            source, colon, name = target.rpartition(":")
            if not sep or not colon or not source.strip():
                raise CommandError(
                    f"--fix 应写作 来源:字段=文本（如 第7行:检查时间=3月-6月），现为“{text}”"
                )
            key = planfile.resolve_field(name)
            if key is None:
                raise CommandError(f"--fix 须指明字段，现为“{text}”")
            cells[(source.strip(), key)] = value
    except planfile.PlanFileError as exc:
        raise CommandError(str(exc)) from exc
    return planfile.Corrections(columns=columns, cells=cells)


class Command(BaseCommand):
    help = "导入年度抽查工作计划（.txt/.tsv/.csv、.xlsx、.docx）"

    def add_arguments(self, parser):
        parser.add_argument("path", help="计划文件")
        parser.add_argument("--agency", help="制定机构（默认取自标题）")
        parser.add_argument("--year", type=int, help="年度（默认取自标题）")
        parser.add_argument("--replace", action="store_true", help="替换同一机构同一年度的草稿计划")
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")
        parser.add_argument(
            "--dry-run", action="store_true", help="只显示识别结果和待复核项，不写入任何内容"
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="列名=字段",
            help="更正某列的含义，如 --map 完成时限=检查时间；字段写“忽略”则作为其他列保留",
        )
        parser.add_argument(
            "--fix",
            action="append",
            default=[],
            metavar="来源:字段=文本",
            help="更正某行某字段的原文，如 --fix 第7行:抽查比例和频次=5%%",
        )

    def handle(self, *args, path, agency, year, replace, actor, dry_run, map, fix, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"找不到文件：{path}")
        data = file.read_bytes()
        corrections = _corrections(map, fix)
        try:
            parsed = read_plan_upload(data=data, filename=file.name, corrections=corrections)
            if dry_run:
                for line in preview_lines(parsed):
                    self.stdout.write(line)
                self.stdout.write("（试运行，未写入任何内容）")
                return
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
        for cell in plan.import_corrections.get("cells", []):
            name = planfile.FIELD_HEADERS[cell["field"]]
            self.stdout.write(f"  更正 {cell['source']}“{name}”：“{cell['was']}”→“{cell['now']}”")
        for item in flagged:
            for flag in item.review_flags:
                self.stdout.write(f"  待复核 事项{item.label or item.number}：{flag}")
