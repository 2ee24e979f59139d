from django.core.management.base import BaseCommand, CommandError

from spotcheck.audit.models import Head, audit_key, current_head, verify_chain


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链，指出第一个断裂处；head 输出当前链头（序号:哈希）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        verify = sub.add_parser("verify", help="walk the chain and name the first broken link")
        verify.add_argument(
            "--head",
            metavar="SEQ:HASH",
            help="a head saved earlier (e.g. from a public announcement) the chain must pass through",
        )
        sub.add_parser("head", help="print the chain head as SEQ:HASH")

    def handle(self, *args, verb, **options):
        if verb == "head":
            self.stdout.write(str(current_head()))
            return
        self.verify(options.get("head"))

    def verify(self, saved: str | None) -> None:
        try:
            head = Head.parse(saved) if saved is not None else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        report = verify_chain(head=head)
        if not report.ok:
            raise CommandError(f"审计链断裂：{report.problem}（已校验{report.checked}条）")
        self.stdout.write(f"审计链完整：共{report.checked}条记录，哈希链校验通过")
        if report.keyed_from is not None:
            self.stdout.write(f"第{report.keyed_from}条起以密钥（HMAC-SHA256）链接")
        elif audit_key():
            # An attacker without the key can only write unkeyed entries: if the key was set
            # before the last entries were written, they should be keyed.
            self.stdout.write("已设置 SPOTCHECK_AUDIT_KEY，但没有一条记录以密钥链接")
        if head is not None:
            self.stdout.write(f"经过保存的链头：第{head.seq}条 {head.hash}")
