from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from spotcheck.draws.expectations import record_bins
from spotcheck.draws.models import Draw, DrawBin
from spotcheck.inspections.expectations import record_expectations
from spotcheck.inspections.models import ExpectedLoad, TeamMatching


class Command(BaseCommand):
    help = (
        "为此前已执行的检查人员匹配和抽取补写公平性统计所需的数据（期望检查次数、抽取分组），"
        "已有的不重复写；--all 全部重新计算"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", dest="everything", action="store_true", help="全部重新计算（包括已有的）"
        )
        parser.add_argument("--no-progress", action="store_true", help="不显示进度")

    def handle(self, *args, everything, no_progress, **options):
        matchings = TeamMatching.objects.order_by("pk")
        draws = Draw.objects.filter(status=Draw.Status.EXECUTED).order_by("pk")
        if not everything:
            matchings = matchings.exclude(pk__in=ExpectedLoad.objects.values("matching"))
            draws = draws.exclude(pk__in=DrawBin.objects.values("draw"))
        done_matchings = done_draws = 0
        for match in tqdm(list(matchings.only("pk")), desc="检查人员匹配", disable=no_progress):
            with transaction.atomic():  # a replacement rewrites them under the same lock
                record_expectations(TeamMatching.objects.select_for_update().get(pk=match.pk))
            done_matchings += 1
        for draw in tqdm(list(draws.only("pk")), desc="抽取", disable=no_progress):
            with transaction.atomic():
                record_bins(Draw.objects.select_for_update().get(pk=draw.pk))
            done_draws += 1
        self.stdout.write(f"已补写：检查人员匹配 {done_matchings} 个，抽取 {done_draws} 个")
