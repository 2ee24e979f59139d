"""A visit's result recorded completely, submitted and approved through the real actions (the
leader of the visit's unit records on the team's behalf), ready to publish."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from spotcheck.draws.models import Draw
from spotcheck.inspections.models import Visit
from spotcheck.results import actions
from spotcheck.results.actions import FindingInput, ItemInput, ResultInput
from spotcheck.results.models import Result


def visit_content(
    visit: Visit, *, inspected_on: date = date(2022, 9, 30), problem: bool = False
) -> ResultInput:
    items = []
    for n, visit_item in enumerate(visit.visit_items.select_related("item").order_by("pk")):
        count = len(actions.checkpoint_texts(visit_item))
        findings = tuple(
            FindingInput(
                number=k,
                finding="problem" if problem and n == 0 and k == 1 else "checked",
                problem="登记不全，联系电话13812345678" if problem and n == 0 and k == 1 else "",
                note="内部备注：老板很配合" if k == 1 else "",
            )
            for k in range(1, count + 1)
        )
        items.append(ItemInput(visit_item_id=visit_item.pk, findings=findings))
    return ResultInput(
        way="on_site",
        inspected_on=inspected_on,
        present=tuple(m.pk for m in visit.current_members()[:2]),
        representative="张经理13900001111",
        items=tuple(items),
    )


def approve_visit(
    visit: Visit, leader, *, inspected_on: date = date(2022, 9, 30), problem: bool = False
) -> Result:
    content = visit_content(visit, inspected_on=inspected_on, problem=problem)
    result = actions.save_draft(visit=visit, content=content, revision=0, actor=leader)
    if problem:
        item_result = result.items.order_by("pk").first()
        actions.add_measure(
            item_result=item_result,
            kind="correction",
            opened_on=inspected_on,
            deadline=date(2022, 10, 30),
            text="责令改正",
            actor=leader,
        )
    actions.submit_result(result=result, actor=leader)
    return actions.approve_result(result=result, actor=leader)


def verify_kit(draw: Draw, folder: Path) -> str:
    """The last line tools/verify_draw.py prints for the unzipped kit of `draw` in `folder`
    (run as its README says, with the population's published hash); it must succeed."""
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            "verify_draw.py",
            "draw.json",
            "--population-hash",
            draw.population_hash,
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()[-1]
