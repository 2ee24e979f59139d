"""`spotcheck draw …`: the draw of inspection targets from the command line.

    spotcheck draw prepare ITEM [--round N] [--exclude-recent] [--risk 高=100 …] [--on DATE]
    spotcheck draw seed DRAW --witness 张三 --digits 31415926535 --witness 李四 --digits 8979323846
                            [--beacon VALUE]          (or --witness 张三:31415926535 …)
    spotcheck draw execute DRAW
    spotcheck draw export DRAW [-o draw.json]
    spotcheck draw population DRAW [-o population.txt]
    spotcheck draw show DRAW
    spotcheck draw list [--plan PLAN]
    spotcheck draw replace DRAW ENTITY --reason-code deregistered --since DATE --reason TEXT
    spotcheck draw cancel DRAW --reason TEXT

The round as one ceremony (every ratio item of a plan's round at once):

    spotcheck draw preview-round PLAN [--round N] [--on DATE] [--exclude-recent] [--risk 高=100 …]
    spotcheck draw prepare-round PLAN [--round N] [--on DATE] [--exclude-recent] [--risk 高=100 …]
    spotcheck draw seed-round PLAN [--round N] --witness 张三:31415926535 --witness 李四:8979323846
    spotcheck draw execute-round PLAN [--round N]

ITEM is a plan item id, or PLAN/NUMBER where PLAN is a plan id or "机构:年度" (e.g.
"沂源县公安局:2022/2"). ENTITY is the entity's public id (credit code).
"""

import sys
from datetime import date
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from spotcheck.draws import actions
from spotcheck.draws.models import Draw, DrawError, DrawReplacement
from spotcheck.plans.exports import find_plan
from spotcheck.plans.models import PlanItem
from spotcheck.registry.models import Entity


def find_item(ref: str) -> PlanItem:
    items = PlanItem.objects.select_related("plan", "plan__agency")
    if "/" in ref:
        plan_ref, _, number = ref.rpartition("/")
        plan = find_plan(plan_ref)
        if number.isdigit():
            found = items.filter(plan=plan, number=int(number)).first()
            if found is not None:
                return found
        raise ObjectDoesNotExist(f"计划“{plan.title}”中没有编号为 {number} 的事项")
    if ref.isdigit():
        found = items.filter(pk=int(ref)).first()
        if found is not None:
            return found
    raise ObjectDoesNotExist(f"找不到抽查事项“{ref}”：请使用事项编号，或“计划/事项编号”")


def find_draw(ref: str) -> Draw:
    if ref.isdigit():
        found = Draw.objects.select_related("item", "item__plan").filter(pk=int(ref)).first()
        if found is not None:
            return found
    raise ObjectDoesNotExist(f"找不到编号为 {ref} 的抽取")


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def parse_risk(values: list[str]) -> dict[str, str]:
    policy: dict[str, str] = {}
    for value in values or []:
        level, sep, percent = value.partition("=")
        if not sep:
            raise CommandError(f"--risk 的格式为 风险等级=比例，例如 高=100：{value}")
        policy[level.strip()] = percent.strip()
    return policy


def witness_pairs(witnesses: list[str], digits: list[str]) -> list[tuple[str, str]]:
    witnesses, digits = witnesses or [], digits or []
    if digits:
        if len(digits) != len(witnesses):
            raise CommandError(
                f"--witness（{len(witnesses)}个）与 --digits（{len(digits)}个）须一一对应，按顺序配对"
            )
        return list(zip(witnesses, digits, strict=True))
    pairs = []
    for value in witnesses:
        name, sep, dice = value.rpartition(":")
        if not sep:
            raise CommandError(
                f"请用 --witness 姓名 --digits 数字，或 --witness 姓名:数字：{value}"
            )
        pairs.append((name, dice))
    return pairs


class Command(BaseCommand):
    help = "随机抽取检查对象：prepare 公布名录 → seed 录入种子 → execute 执行（锁定）→ export 导出 draw.json"

    def add_arguments(self, parser):
        parser.add_argument("--actor", default="cli", help="记入审计日志的操作人")
        sub = parser.add_subparsers(dest="verb", required=True)

        prepare = sub.add_parser("prepare", help="冻结并公布名录、哈希、各层抽取数和选项")
        prepare.add_argument("item", help="事项编号，或“计划/事项编号”")
        prepare.add_argument("--round", type=int, default=1, help="轮次（默认 1）")
        prepare.add_argument(
            "--exclude-recent",
            action="store_true",
            help="排除近期（默认12个月内）已检查且未发现问题的对象",
        )
        prepare.add_argument(
            "--risk", action="append", metavar="等级=比例", help="提高某一风险层的比例，如 高=100"
        )
        prepare.add_argument(
            "--on", help="基准日期 YYYY-MM-DD（默认今天）：近期检查的排除期由此往前计算"
        )

        seed = sub.add_parser(
            "seed", help="录入抽取仪式上产生的种子（可一次为同一轮的多个抽取录入同一种子）"
        )
        seed.add_argument("draw", nargs="+", help="抽取编号（一个或多个）")
        seed.add_argument(
            "--witness", action="append", help="见证人姓名（或 姓名:骰子数字），按顺序"
        )
        seed.add_argument(
            "--digits", action="append", help="该见证人掷出的骰子数字，与 --witness 按顺序配对"
        )
        seed.add_argument("--beacon", help="公共随机信标值（可选）")

        execute = sub.add_parser("execute", help="计算并保存抽中名单；之后抽取锁定")
        execute.add_argument("draw")

        export = sub.add_parser(
            "export", help="导出 draw.json（任何人可用 tools/verify_draw.py 核验）"
        )
        export.add_argument("draw")
        export.add_argument("-o", "--output", help="输出文件（默认标准输出）")

        population = sub.add_parser(
            "population", help="导出冻结的名录规范文本（其 SHA-256 即名录哈希）"
        )
        population.add_argument("draw")
        population.add_argument("-o", "--output")

        show = sub.add_parser("show", help="显示一次抽取")
        show.add_argument("draw")

        listing = sub.add_parser("list", help="列出抽取")
        listing.add_argument("--plan", help="计划编号或“机构:年度”")

        replace = sub.add_parser("replace", help="以同层下一号签替补不在检查范围内的对象")
        replace.add_argument("draw")
        replace.add_argument("entity", help="被替换对象的公开标识（统一社会信用代码）")
        replace.add_argument(
            "--reason-code", required=True, choices=DrawReplacement.Reason.values, help="情形"
        )
        replace.add_argument(
            "--since",
            required=True,
            help="发生日期 YYYY-MM-DD（不晚于抽取日期；名录变更记录须显示该日已属此情形）",
        )
        replace.add_argument("--reason", required=True, help="原因说明")

        cancel = sub.add_parser("cancel", help="作废尚未录入种子的抽取（须写明原因）")
        cancel.add_argument("draw")
        cancel.add_argument("--reason", required=True)

        # The round as one ceremony.
        for verb, text in (
            ("preview-round", "预览本轮各事项的名录户数、抽取数与计划预估（不冻结任何内容）"),
            ("prepare-round", "一次冻结并公布本轮全部按比例抽查事项的名录"),
        ):
            parser_ = sub.add_parser(verb, help=text)
            parser_.add_argument("plan", help="计划编号或“机构:年度”")
            parser_.add_argument("--round", type=int, default=1, help="轮次（默认 1）")
            parser_.add_argument(
                "--on", help="基准日期 YYYY-MM-DD（默认计划年度内离今天最近的一天）"
            )
            parser_.add_argument("--exclude-recent", action="store_true")
            parser_.add_argument("--risk", action="append", metavar="等级=比例")
        seed_round = sub.add_parser(
            "seed-round", help="一次掷骰，为本轮全部待掷骰的抽取录入同一种子"
        )
        seed_round.add_argument("plan", help="计划编号或“机构:年度”")
        seed_round.add_argument("--round", type=int, default=1)
        seed_round.add_argument("--witness", action="append", help="见证人姓名（或 姓名:骰子数字）")
        seed_round.add_argument("--digits", action="append", help="与 --witness 按顺序配对")
        seed_round.add_argument("--beacon", help="公共随机信标值（可选）")
        execute_round = sub.add_parser("execute-round", help="一次执行本轮全部已录入种子的抽取")
        execute_round.add_argument("plan", help="计划编号或“机构:年度”")
        execute_round.add_argument("--round", type=int, default=1)

    def handle(self, *args, verb, actor, **options):
        try:
            getattr(self, f"do_{verb.replace('-', '_')}")(actor=actor, **options)
        except (DrawError, ObjectDoesNotExist) as error:
            raise CommandError(str(error)) from error

    # --- verbs -------------------------------------------------------------------------------

    def do_prepare(self, *, actor, item, round, exclude_recent, risk, on, **options):
        found = find_item(item)
        day = parse_date(on) if on else timezone.localdate()
        actions.check_item_drawable(found)
        total = actions.pool_queryset(found).count()
        with tqdm(total=total, desc="冻结名录", unit="户", disable=None, file=sys.stderr) as bar:
            draw = actions.prepare_draw(
                item=found,
                round=round,
                actor=actor,
                exclude_recently_inspected=exclude_recent,
                risk_policy=parse_risk(risk),
                on=day,
                progress=bar.update,
            )
        self.stdout.write(f"已公布名录：抽取编号 {draw.pk}（{draw}）")
        self.show(draw)

    def do_seed(self, *, actor, draw, witness, digits, beacon, **options):
        seeded = actions.seed_draws(
            draws=[find_draw(ref) for ref in draw],
            witnesses=witness_pairs(witness, digits),
            beacon=beacon,
            actor=actor,
        )
        numbers = "、".join(str(one.pk) for one in seeded)
        self.stdout.write(f"已录入种子：{seeded[0].seed}（抽取编号 {numbers}）")

    def do_execute(self, *, actor, draw, **options):
        executed = actions.execute_draw(draw=find_draw(draw), actor=actor)
        self.stdout.write(
            f"已执行抽取 {executed.pk}，抽中{executed.selections.count()}户，抽取已锁定"
        )
        self.show(executed)

    def do_export(self, *, draw, output, **options):
        content = actions.draw_document_bytes(find_draw(draw))
        self.write_output(content, output)

    def do_population(self, *, draw, output, **options):
        content = find_draw(draw).population_text().encode("utf-8")
        self.write_output(content, output)

    def do_show(self, *, draw, **options):
        self.show(find_draw(draw))

    def do_list(self, *, plan, **options):
        draws = Draw.objects.select_related("item", "item__plan").order_by("pk")
        if plan:
            draws = draws.filter(item__plan=find_plan(plan))
        for found in draws:
            self.stdout.write(
                f"{found.pk}\t{found}\t{found.get_status_display()}\t"
                f"{found.population_size}户\t抽{found.total_allocation}户\t{found.population_hash}"
            )

    def do_replace(self, *, actor, draw, entity, reason_code, since, reason, **options):
        target = Entity.objects.filter(public_id=entity).first()
        if target is None:
            raise CommandError(f"名录中找不到标识为 {entity} 的对象")
        row = actions.replace_target(
            draw=find_draw(draw),
            entity=target,
            reason_code=reason_code,
            out_of_scope_since=parse_date(since),
            reason=reason,
            actor=actor,
        )
        self.stdout.write(
            f"已替补：{row.original.name}（{row.original.public_id}）→ {row.replacement.name}"
            f"（{row.replacement.public_id}，{row.replacement.stratum_name}风险层第{row.replacement.rank}号签）"
        )

    def do_cancel(self, *, actor, draw, reason, **options):
        cancelled = actions.cancel_draw(draw=find_draw(draw), reason=reason, actor=actor)
        self.stdout.write(f"已作废抽取 {cancelled.pk}：{cancelled.cancel_reason}")

    def _round_options(self, plan, on):
        found = find_plan(plan)
        return found, (parse_date(on) if on else actions.default_population_date(found.year))

    def do_preview_round(self, *, plan, round, on, exclude_recent, risk, **options):
        found, day = self._round_options(plan, on)
        self.stdout.write(f"{found.title} 第{round}轮，基准日期 {day}（预览，不冻结）")
        warning = actions.population_date_warning(found.year, day)
        if warning:
            self.stdout.write(f"提示：{warning}")
        previews = actions.preview_round(
            plan=found,
            round=round,
            on=day,
            exclude_recently_inspected=exclude_recent,
            risk_policy=parse_risk(risk),
        )
        for preview in previews:
            head = f"事项{preview.item.number}“{preview.item.name}”"
            if preview.draw is not None:
                self.stdout.write(
                    f"{head}：已有抽取 {preview.draw.pk}（{preview.draw.get_status_display()}）"
                )
            elif preview.problem:
                self.stdout.write(f"{head}：不能抽取：{preview.problem}")
            else:
                estimate = "—" if preview.estimate is None else preview.estimate
                self.stdout.write(
                    f"{head}：名录{preview.population}户，抽{preview.total}户，计划预估{estimate}"
                )
                for warning in preview.warnings:
                    self.stdout.write(f"  提示：{warning}")

    def do_prepare_round(self, *, actor, plan, round, on, exclude_recent, risk, **options):
        found, day = self._round_options(plan, on)
        draws = actions.prepare_round(
            plan=found,
            round=round,
            actor=actor,
            on=day,
            exclude_recently_inspected=exclude_recent,
            risk_policy=parse_risk(risk),
        )
        self.stdout.write(f"已冻结并公布第{round}轮{len(draws)}个事项的名录：")
        for draw in draws:
            self.stdout.write(
                f"  抽取 {draw.pk}\t事项{draw.item.number}\t{draw.population_size}户\t"
                f"抽{draw.total_allocation}户\t{draw.population_hash}"
            )

    def do_seed_round(self, *, actor, plan, round, witness, digits, beacon, **options):
        found = find_plan(plan)
        earlier = actions.round_seeds(found, round)
        seeded = actions.seed_round(
            plan=found,
            round=round,
            witnesses=witness_pairs(witness, digits),
            beacon=beacon,
            actor=actor,
        )
        numbers = "、".join(str(one.pk) for one in seeded)
        self.stdout.write(f"已录入种子：{seeded[0].seed}（抽取编号 {numbers}）")
        if earlier:
            self.stdout.write(
                f"注意：本轮此前已有{len(earlier)}个种子；本轮检查组的种子将由多个种子组合，"
                "draw.json 中不能附带检查组核验，检查组须用匹配文档 teams.json 核验"
            )

    def do_execute_round(self, *, actor, plan, round, **options):
        executed = actions.execute_round(plan=find_plan(plan), round=round, actor=actor)
        for draw in executed:
            self.stdout.write(
                f"已执行抽取 {draw.pk}（事项{draw.item.number}），抽中{draw.total_allocation}户，已锁定"
            )

    # --- output ------------------------------------------------------------------------------

    def write_output(self, content: bytes, output: str | None) -> None:
        if output:
            Path(output).write_bytes(content)
            self.stderr.write(f"已写入 {output}")
        else:
            sys.stdout.buffer.write(content)
            sys.stdout.flush()

    def show(self, draw: Draw) -> None:
        out = self.stdout.write
        out(
            f"抽取 {draw.pk}：{draw.item.plan.title} 事项{draw.item.number}“{draw.item.name}” 第{draw.round_number}轮"
        )
        out(f"状态：{draw.get_status_display()}；基准日期 {draw.population_date}")
        out(f"名录哈希：{draw.population_hash}")
        options = draw.options
        if options.get("exclude_recently_inspected"):
            out(
                f"已排除{options['exclusion_months']}个月内检查且未发现问题的对象 "
                f"{options['excluded_count']} 户"
            )
        else:
            out("未排除近期已检查的对象")
        for row in draw.strata_rows():
            estimate = "" if row["estimate"] is None else f"（计划预估 {row['estimate']}）"
            raised = "，已提高" if row["raised"] else ""
            out(
                f"  {row['name']}风险：{row['population']}户 × {row['ratio']}%{raised} → 抽 {row['size']}{estimate}"
            )
        out(f"合计抽取 {draw.total_allocation} 户")
        for warning in draw.warnings:
            out(f"  提示：{warning}")
        if draw.seed:
            parts = "；".join(f"{w['name']} {w['digits']}" for w in draw.witnesses)
            beacon = f"；信标 {draw.beacon}" if draw.beacon else ""
            out(f"种子：{draw.seed}（{parts}{beacon}）")
        if draw.status == Draw.Status.EXECUTED:
            replaced = {r.original_id: r for r in draw.replacements.select_related("replacement")}
            for selection in draw.selections.order_by("position"):
                mark = ""
                if selection.pk in replaced:
                    mark = f"  [已由 {replaced[selection.pk].replacement.public_id} 替补]"
                elif selection.kind == selection.Kind.REPLACEMENT:
                    mark = "  [替补]"
                out(
                    f"  {selection.stratum_name}\t{selection.rank}\t{selection.ticket}\t"
                    f"{selection.public_id}\t{selection.name}{mark}"
                )
        if draw.status == Draw.Status.CANCELLED:
            out(f"作废原因：{draw.cancel_reason}")
