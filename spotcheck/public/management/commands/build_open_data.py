"""`spotcheck build-open-data [--year Y] [--force]`: write the open-data files to disk.

Builds each year with a published plan (or only --year) whose files are stale or missing:
rows streamed from the database into a new build folder, then the year's manifest.json
switched to it atomically (spotcheck.public.opendata.build_year). The portal serves only
current files and rebuilds small years itself; run this from a timer every few minutes (the
systemd timer in the README, or cron) so that large years are rebuilt soon after a publication:
only years whose version moved are rebuilt. --force rebuilds current years too.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from spotcheck.public import opendata


class Command(BaseCommand):
    help = "生成开放数据文件（按年度，只重建有更新或缺失的年度）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help="只生成该年度")
        parser.add_argument("--force", action="store_true", help="即使文件已是最新也重新生成")

    def handle(self, *args: Any, year: int | None, force: bool, **options: Any) -> None:
        years = opendata.years()
        if year is not None:
            if year not in years:
                raise CommandError(f"{year}年没有公开的抽查计划")
            years = [year]
        quiet = options["verbosity"] == 0 or not sys.stderr.isatty()
        for each in years:
            state = opendata.year_files(each, build_if_small=False)
            if state.current and not force:
                self.stdout.write(f"{each}年：已是最新（生成于 {_when(state.manifest)}）")
                continue
            started = time.perf_counter()
            totals = opendata.source_counts(each)
            bars = {
                name: tqdm(total=total, desc=f"{each} {name}", unit="行", disable=quiet)
                for name, total in totals.items()
            }
            try:
                manifest = opendata.build_year(each, force=force, progress=_advance(bars))
            finally:
                for bar in bars.values():
                    bar.close()
            rows = ", ".join(f"{name} {info['rows']}" for name, info in manifest.files.items())
            self.stdout.write(f"{each}年：已生成（{time.perf_counter() - started:.1f} 秒；{rows}）")


def _advance(bars: dict[str, tqdm]) -> opendata.Progress:
    return lambda name, n: bars[name].update(n)


def _when(manifest: opendata.Manifest | None) -> str:
    if manifest is None:
        return "—"
    return f"{timezone.localtime(manifest.built_at):%Y-%m-%d %H:%M:%S}"
