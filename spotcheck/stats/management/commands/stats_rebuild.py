import time

from django.core.management.base import BaseCommand

from spotcheck.stats.facts import rebuild_facts


class Command(BaseCommand):
    help = "从检查任务、检查结果和公示记录重新计算统计汇总表（升级后或数据导入后运行）"

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="不显示进度")

    def handle(self, *args, no_progress, **options):
        started = time.perf_counter()

        def say(text: str) -> None:
            if not no_progress:
                self.stderr.write(f"[{time.perf_counter() - started:7.1f} s] {text}")

        written = rebuild_facts(progress=say)
        rows = "，".join(f"{name} {n:,}" for name, n in written.items())
        self.stdout.write(f"统计汇总已重建（{rows}），用时 {time.perf_counter() - started:.1f} 秒")
