"""A draw of every ratio-based item of the 2022 plan on the demo county, from the CLI and the web,
each checked by the standalone verifier run as a subprocess; tampering is caught."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from spotcheck.draws.models import Draw
from spotcheck.lib.sampling import ticket

from .conftest import DRAW_DAY

pytestmark = pytest.mark.django_db

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"
RATIO_ITEMS = [1, 2, 3, 4, 8, 9, 10, 11]


def verify(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", str(VERIFIER), str(path), *extra],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def draw_cli(*args: str) -> str:
    out = io.StringIO()
    call_command("draw", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_ratio_items_of_the_2022_plan(ratio_items):
    assert [i.number for i in ratio_items] == RATIO_ITEMS


def test_every_ratio_item_from_the_cli(plan, demo_directory, tmp_path):
    for number in RATIO_ITEMS:
        output = draw_cli(
            "--actor", "协调员甲", "prepare", f"{plan.pk}/{number}", "--on", DRAW_DAY.isoformat()
        )
        draw = Draw.objects.get(item__number=number)
        assert f"已公布名录：抽取编号 {draw.pk}" in output and draw.population_hash in output
        draw_cli(
            "seed",
            str(draw.pk),
            "--witness",
            "张三",
            "--digits",
            f"{number:02d}314159265",
            "--witness",
            "李四",
            "--digits",
            "8979323846",
            "--beacon",
            "2024-03-01",
        )
        output = draw_cli("execute", str(draw.pk))
        draw.refresh_from_db()
        assert draw.status == Draw.Status.EXECUTED and "抽取已锁定" in output
        assert draw.selections.count() == draw.total_allocation > 0
        path = tmp_path / f"draw-{number}.json"
        draw_cli("export", str(draw.pk), "-o", str(path))
        result = verify(path, "--population-hash", draw.population_hash)
        assert result.returncode == 0, result.stdout
        assert result.stdout.splitlines()[-1] == "VERIFIED"
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["item"]["item_number"] == str(number)
    # The four networked-unit items share one pool but have their own seeds and selections.
    draws = Draw.objects.filter(item__number__in=[8, 9, 10, 11])
    assert len({d.population_hash for d in draws}) == 1
    assert len({tuple(d.selections.values_list("public_id", flat=True)) for d in draws}) == 4
    listing = draw_cli("list", "--plan", str(plan.pk))
    assert len(listing.splitlines()) == len(RATIO_ITEMS)


def test_every_ratio_item_from_the_web(client, coordinator, plan, demo_directory, tmp_path):
    client.force_login(coordinator)
    for number in RATIO_ITEMS:
        item = plan.items.get(number=number)
        response = client.post(
            reverse("draws:item", args=[item.pk]), {"round": 1, "on": DRAW_DAY.isoformat()}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        draw = Draw.objects.get(item=item)
        seed = {
            "witness_1": "王五",
            "digits_1": f"{number:02d}271828182",
            "witness_2": "赵六",
            "digits_2": "8459045235",
        }
        assert client.post(reverse("draws:seed", args=[draw.pk]), seed).status_code == 302
        assert client.post(reverse("draws:execute", args=[draw.pk])).status_code == 302
        response = client.get(reverse("public:draw_json", args=[draw.pk]))
        path = tmp_path / f"web-{number}.json"
        path.write_bytes(response.content)
        draw.refresh_from_db()
        result = verify(path, "--population-hash", draw.population_hash)
        assert result.stdout.splitlines()[-1] == "VERIFIED", result.stdout
    assert Draw.objects.filter(status=Draw.Status.EXECUTED).count() == len(RATIO_ITEMS)
    home = client.get(reverse("home")).content.decode()
    assert home.count("/public/draws/") >= len(RATIO_ITEMS)


@pytest.fixture
def exported(plan, demo_directory, tmp_path) -> tuple[dict[str, Any], Draw]:
    draw_cli("prepare", f"{plan.pk}/2", "--on", DRAW_DAY.isoformat(), "--risk", "高=100")
    draw = Draw.objects.get()
    draw_cli("seed", str(draw.pk), "--witness", "张三:31415926535", "--witness", "李四:8979323846")
    draw_cli("execute", str(draw.pk))
    path = tmp_path / "draw.json"
    draw_cli("export", str(draw.pk), "-o", str(path))
    return json.loads(path.read_text(encoding="utf-8")), draw


def alter(document: dict[str, Any], change: str) -> dict[str, Any]:
    doc = copy.deepcopy(document)
    selected = {e["id"] for e in doc["selection"]}
    stratum, ids = next((s, ids) for s, ids in doc["population"]["strata"].items() if len(ids) > 3)
    unselected = next(i for i in ids if i not in selected)
    if change == "population id":
        ids[ids.index(unselected)] = unselected[:-1] + ("0" if unselected[-1] != "0" else "1")
    elif change == "selected id":
        doc["selection"][0]["id"] = unselected
    elif change == "seed digit":
        value = doc["seed"]["value"]
        doc["seed"]["value"] = str((int(value[0]) + 1) % 10) + value[1:]
    elif change == "witness digit":
        digits = doc["seed"]["witnesses"][1]["digits"]
        doc["seed"]["witnesses"][1]["digits"] = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    elif change == "ticket":
        entry = doc["selection"][-1]
        entry["ticket"] = (
            entry["ticket"][:10]
            + ("1" if entry["ticket"][10] != "1" else "2")
            + entry["ticket"][11:]
        )
    else:
        raise AssertionError(change)
    return doc


def test_the_exported_demo_draw_verifies(exported, tmp_path):
    document, draw = exported
    path = tmp_path / "genuine.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = verify(path, "--population-hash", draw.population_hash)
    assert result.returncode == 0 and result.stdout.splitlines()[-1] == "VERIFIED"
    assert document["allocation"]["stratum_ratio_percent"] == {"high": "100"}
    high = document["population"]["strata"].get("high", [])
    assert document["allocation"]["sizes"].get("high", 0) == len(high)
    # The names of the selected entities travel with the document.
    assert all(e["id"] in document["entities"] for e in document["selection"])
    first = document["selection"][0]
    assert first["ticket"] == ticket(document["seed"]["value"], first["id"])


@pytest.mark.parametrize(
    "change", ["population id", "selected id", "seed digit", "witness digit", "ticket"]
)
def test_any_alteration_is_a_mismatch(exported, tmp_path, change):
    document, draw = exported
    path = tmp_path / "altered.json"
    path.write_text(json.dumps(alter(document, change), ensure_ascii=False), encoding="utf-8")
    result = verify(path, "--population-hash", draw.population_hash)
    assert result.returncode == 1, result.stdout
    assert result.stdout.splitlines()[-1].startswith("MISMATCH: ")


def test_a_replacement_keeps_the_export_verifiable(exported, tmp_path):
    document, draw = exported
    from django.utils import timezone

    from spotcheck.registry.actions import update_entity

    target = draw.selections.order_by("position").first()
    update_entity(entity=target.entity, actor=None, values={"status": "moved_out"})
    output = draw_cli(
        "replace",
        str(draw.pk),
        target.public_id,
        "--reason-code",
        "moved_out",
        "--since",
        timezone.localdate().isoformat(),
        "--reason",
        "已迁至外县",
    )
    assert "已替补" in output
    path = tmp_path / "replaced.json"
    draw_cli("export", str(draw.pk), "-o", str(path))
    result = verify(path, "--population-hash", draw.population_hash)
    assert result.stdout.splitlines()[-1] == "VERIFIED", result.stdout
    assert "OK   replacement 1:" in result.stdout
    shown = draw_cli("show", str(draw.pk))
    assert (
        f"[已由 {json.loads(path.read_text())['replacements'][0]['replacement_id']} 替补]" in shown
    )


def test_cli_errors_name_the_rule(plan, demo_directory, tmp_path):
    with pytest.raises(CommandError, match="按实际执行的事项没有抽取"):
        draw_cli("prepare", f"{plan.pk}/5")
    with pytest.raises(CommandError, match="没有编号为 99 的事项"):
        draw_cli("prepare", f"{plan.pk}/99")
    draw_cli("prepare", f"{plan.pk}/3", "--on", DRAW_DAY.isoformat())
    draw = Draw.objects.get()
    with pytest.raises(CommandError, match="尚未在抽取仪式上录入种子"):
        draw_cli("execute", str(draw.pk))
    with pytest.raises(CommandError, match="一一对应"):
        draw_cli(
            "seed", str(draw.pk), "--witness", "张三", "--witness", "李四", "--digits", "1" * 20
        )
    with pytest.raises(CommandError, match="至少需要2名见证人"):
        draw_cli("seed", str(draw.pk), "--witness", "张三:" + "1" * 20)
    with pytest.raises(CommandError, match="尚未执行"):
        draw_cli("export", str(draw.pk))
    with pytest.raises(CommandError, match="找不到编号为 999 的抽取"):
        draw_cli("show", "999")
    path = tmp_path / "population.txt"
    draw_cli("population", str(draw.pk), "-o", str(path))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == draw.population_hash
    draw_cli("cancel", str(draw.pk), "--reason", "演示")
    assert Draw.objects.get().status == Draw.Status.CANCELLED


def test_one_ceremony_seeds_the_round_and_items_8_to_11_select_the_same_entities(
    plan, demo_directory
):
    drawn = {}
    for number in (8, 9, 10, 11):
        draw_cli("prepare", f"{plan.pk}/{number}", "--on", DRAW_DAY.isoformat())
        drawn[number] = Draw.objects.get(item__number=number)
    ids = [str(d.pk) for d in drawn.values()]
    output = draw_cli("seed", *ids, "--witness", "张三:31415926535", "--witness", "李四:8979323846")
    assert "、".join(ids) in output
    for draw in drawn.values():
        draw_cli("execute", str(draw.pk))
    seeds = set(Draw.objects.values_list("seed", flat=True))
    assert len(seeds) == 1
    selections = [
        sorted(Draw.objects.get(pk=d.pk).selections.values_list("public_id", flat=True))
        for d in drawn.values()
    ]
    # Same seed and same population: consistent sampling picks the same entities for all four.
    assert all(s == selections[0] for s in selections)


def test_a_round_ceremony_is_all_or_nothing(plan, demo_directory):
    draw_cli("prepare", f"{plan.pk}/8", "--on", DRAW_DAY.isoformat())
    draw_cli("prepare", f"{plan.pk}/9", "--on", DRAW_DAY.isoformat())
    first, second = Draw.objects.order_by("pk")
    draw_cli("seed", str(second.pk), "--witness", "甲:11111111111", "--witness", "乙:22222222222")
    with pytest.raises(CommandError):
        draw_cli(
            "seed",
            str(first.pk),
            str(second.pk),
            "--witness",
            "张三:" + "3" * 11,
            "--witness",
            "李四:" + "4" * 11,
        )
    first.refresh_from_db()
    assert first.status == Draw.Status.PREPARED and not first.seed


def test_the_web_ceremony_can_seed_the_rounds_other_prepared_draws(
    client, coordinator, plan, demo_directory
):
    client.force_login(coordinator)
    for number in (8, 9, 10, 11):
        item = plan.items.get(number=number)
        client.post(reverse("draws:item", args=[item.pk]), {"round": 1, "on": DRAW_DAY.isoformat()})
    first, *others = Draw.objects.order_by("item__position")
    page = client.get(reverse("draws:ceremony", args=[first.pk])).content.decode()
    assert "同一仪式同时为以下抽取录入同一种子" in page
    seed = {
        "witness_1": "王五",
        "digits_1": "31415926535",
        "witness_2": "赵六",
        "digits_2": "8459045235",
        "also": [d.pk for d in others],
    }
    assert client.post(reverse("draws:seed", args=[first.pk]), seed).status_code == 302
    assert set(Draw.objects.values_list("status", flat=True)) == {Draw.Status.SEEDED}
    assert len(set(Draw.objects.values_list("seed", flat=True))) == 1
