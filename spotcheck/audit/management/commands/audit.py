from django.core.management.base import BaseCommand, CommandError

from spotcheck.audit.models import verify_chain
from spotcheck.audit.records import verify_stored_records


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链，指出第一个断裂处；并重新计算每次抽取和检查人员匹配，与存储的记录比对"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("verify", help="walk the chain and name the first broken link")

    def handle(self, *args, verb, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(f"审计链断裂：{report.problem}（已校验{report.checked}条）")
        self.stdout.write(f"审计链完整：共{report.checked}条记录，哈希链校验通过")
        self._verify_records()

    def _verify_records(self):
        """Recompute every executed draw and matching; compare with the stored rows."""
        records = verify_stored_records()
        if not records.ok:
            for problem in records.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"存储的记录与可核验的文档不符（{len(records.problems)}处）："
                + "；".join(records.problems[:3])
            )
        self.stdout.write(
            f"存储记录一致：重新计算了{records.draws}次抽取、{records.matchings}次检查人员匹配，"
            "与保存的抽中对象、检查任务和检查组成员一致"
        )
