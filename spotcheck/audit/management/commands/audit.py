from django.core.management.base import BaseCommand, CommandError

from spotcheck.audit.models import verify_chain


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链，指出第一个断裂处"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("verify", help="walk the chain and name the first broken link")

    def handle(self, *args, verb, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(f"审计链断裂：{report.problem}（已校验{report.checked}条）")
        self.stdout.write(f"审计链完整：共{report.checked}条记录，哈希链校验通过")
