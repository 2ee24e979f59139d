import sys
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from spotcheck.accounts.models import Unit
from spotcheck.plans.exports import find_plan
from spotcheck.stats.summary import write_summary


class Command(BaseCommand):
    help = (
        "导出计划年度的抽查工作总结统计表（Excel：概要、各统计表及图表），"
        "与统计页面的数字一致，供年度总结使用"
    )

    def add_arguments(self, parser):
        parser.add_argument("plan", help="计划编号，或“机构:年度”")
        parser.add_argument("-o", "--output", required=True, help="输出文件（.xlsx）")
        parser.add_argument("--unit", help="只统计该责任单位（单位名称）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度")

    def handle(self, *args, plan, output, unit, no_progress, **options):
        try:
            found = find_plan(plan)
        except ObjectDoesNotExist as exc:
            raise CommandError(str(exc)) from exc
        chosen = None
        if unit:
            chosen = Unit.objects.filter(agency=found.agency, name=unit).first()
            if chosen is None:
                names = "、".join(
                    Unit.objects.filter(agency=found.agency).values_list("name", flat=True)
                )
                raise CommandError(f"{found.agency.name}没有单位“{unit}”（现有：{names or '无'}）")
        path = Path(output)
        if path.suffix.lower() != ".xlsx":
            raise CommandError(f"输出文件须为 .xlsx：{output}")
        if not path.parent.exists():
            raise CommandError(f"目录不存在：{path.parent}")
        stages = ["统计", "写入工作簿"]
        with tqdm(
            total=len(stages),
            desc="年度总结",
            unit="步",
            file=sys.stderr,
            disable=True if no_progress else None,
        ) as bar:
            done: list[str] = []

            def step(text: str) -> None:
                if done:
                    bar.update(1)
                done.append(text)
                bar.set_postfix_str(text)

            partial = path.with_name(path.name + ".part")
            try:
                with partial.open("wb") as stream:
                    tables = write_summary(stream, plan=found, unit=chosen, step=step)
                partial.replace(path)
            finally:
                partial.unlink(missing_ok=True)
            bar.update(1)
        charts = sum(1 for t in tables if t.chart != "none" and t.rows)
        self.stdout.write(
            f"已导出“{found.title}”的年度总结：{len(tables)}张统计表、{charts}个图表 → {output}"
        )
