from django.core.management.base import BaseCommand, CommandError

from spotcheck.audit import models as chain
from spotcheck.audit.models import verify_chain
from spotcheck.audit.records import verify_stored_records


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链，指出第一个断裂处；并重新计算每次抽取和检查人员匹配，与存储的记录比对"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        verify = sub.add_parser("verify", help="walk the chain and name the first broken link")
        verify.add_argument(
            "--head",
            metavar="SEQ:HASH",
            help="a head saved earlier (e.g. from a public announcement) the chain must pass through",
        )
        sub.add_parser("head", help="print the chain head as SEQ:HASH (序号:哈希)")

    def saved_head(self, text: str | None) -> chain.Head | None:
        try:
            return chain.Head.parse(text) if text is not None else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def describe(self, report: chain.ChainReport, head: chain.Head | None) -> None:
        """Which entries are keyed, and the saved head the chain passed through."""
        if not report.ok:
            return
        if head is not None:
            self.stdout.write(f"经过保存的链头：第{head.seq}条 {head.hash}")
        if report.keyed_from is not None:
            self.stdout.write(f"第{report.keyed_from}条起以密钥（HMAC-SHA256）链接")
        elif chain.audit_key():
            # Without the key only unkeyed entries can be written: entries appended since the
            # key was set must be keyed.
            self.stdout.write("已设置 SPOTCHECK_AUDIT_KEY，但没有一条记录以密钥链接")

    def handle(self, *args, verb, **options):
        if verb == "head":
            self.stdout.write(str(chain.current_head()))
            return
        head = self.saved_head(options.get("head"))
        report = verify_chain(head=head)
        self.describe(report, head)
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
            "与保存的抽中对象、检查任务和检查组成员一致；检查组公开记录与审计日志最近记录的摘要一致"
        )
