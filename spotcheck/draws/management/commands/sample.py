"""`spotcheck sample`: consistent-sampling tickets for any list of ids, like `consistent-sampler`."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from spotcheck.lib.sampling import iter_sample


def read_ids(data: bytes, source: str) -> list[str]:
    """One id per line (UTF-8). The line break (LF or CRLF) is not part of the id; blank lines
    are skipped; nothing else is changed: ids are hashed exactly as written, like the reference."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CommandError(f"{source} 不是 UTF-8 文本：{error}") from error
    text = text.removeprefix("\ufeff")
    return [line.removesuffix("\r") for line in text.split("\n") if line.removesuffix("\r")]


class Command(BaseCommand):
    help = (
        "按 Rivest 一致抽样为每个标识计算号签，号签最小者在前，逐行输出“号签<TAB>标识”；"
        "与 consistent-sampler（digits=78）逐字节一致"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            required=True,
            help="种子（与 consistent-sampler 的 seed 相同；以“-”开头的种子请写成 --seed=值）",
        )
        parser.add_argument("--take", type=int, help="只输出号签最小的 K 个")
        parser.add_argument("file", nargs="?", help="每行一个标识的文件（默认读标准输入）")

    def handle(self, *args, seed, take, file, **options):
        if take is not None and take < 0:
            raise CommandError("--take 不能为负数")
        if file and file != "-":
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"找不到文件：{file}")
            ids = read_ids(path.read_bytes(), file)
        else:
            stream = getattr(sys.stdin, "buffer", None)
            data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8")
            ids = read_ids(data, "标准输入")
        seen: set[str] = set()
        for entity_id in ids:
            if entity_id in seen:
                raise CommandError(f"标识重复：{entity_id!r}（每个标识只能出现一次）")
            seen.add(entity_id)
        pairs = list(iter_sample(seed, ids, take))
        self.stdout.write(
            "".join(f"{ticket}\t{entity_id}\n" for ticket, entity_id in pairs), ending=""
        )
