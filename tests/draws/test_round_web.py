"""The round ceremony page: preview (nothing frozen), freeze all, one dice ceremony, execute all."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from spotcheck.draws import actions
from spotcheck.draws.models import Draw

pytestmark = pytest.mark.django_db

ON = "2022-03-01"
DICE = {
    "witness_1": "王五",
    "digits_1": "27182818284",
    "witness_2": "赵六",
    "digits_2": "5904523536",
}
RATIO_ITEMS = 8


def text(response) -> str:
    return response.content.decode("utf-8")


def url(plan, name: str = "draws:round", round: int = 1) -> str:
    return reverse(name, args=[plan.pk, round])


def test_the_round_ceremony_through_the_web(client, coordinator, plan, demo_directory):
    client.force_login(coordinator)
    page = text(client.get(url(plan) + f"?on={ON}&risk_high=100"))
    assert Draw.objects.count() == 0  # a preview freezes nothing
    assert "尚未冻结任何内容" in page and page.count("预览（未冻结）") == RATIO_ITEMS
    assert 'name="risk_high" value="100"' in page  # the previewed options are what is frozen
    assert "冻结并公布全部8个事项的名录" in page
    response = client.post(url(plan, "draws:round_prepare"), {"on": ON, "risk_high": "100"})
    assert response.status_code == 302
    draws = list(Draw.objects.all())
    assert len(draws) == RATIO_ITEMS and {d.status for d in draws} == {Draw.Status.PREPARED}
    assert {d.stratum_ratio_percent.get("high") for d in draws} == {"100"}
    page = text(client.get(url(plan)))
    assert all(d.population_hash in page for d in draws)
    assert "事项8、9、10、11的名录相同" in page
    assert "为本轮8个抽取录入同一种子" in page and "data-later-ceremony" not in page
    response = client.post(url(plan, "draws:round_seed"), DICE)
    assert response.status_code == 302
    assert {d.seed for d in Draw.objects.all()} == {"27182818284" + "5904523536"}
    page = text(client.get(url(plan)))
    assert "执行全部抽取" in page
    response = client.post(url(plan, "draws:round_execute"))
    assert response.status_code == 302 and "reveal=1" in response["Location"]
    page = text(client.get(response["Location"]))
    assert Draw.objects.filter(status=Draw.Status.EXECUTED).count() == RATIO_ITEMS
    # Items 8-11 are shown once: they selected the same entities.
    assert "事项8、9、10、11：同一名录、同一种子，抽中相同的" in page
    assert page.count('data-reveal="1"') == RATIO_ITEMS - 3
    assert "data-reveal-speed" in page and "每份 draw.json 都附带本轮检查组" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and "<style" not in page and "onclick" not in page


def test_errors_are_shown_on_the_round_page(client, coordinator, plan, demo_directory):
    client.force_login(coordinator)
    response = client.post(url(plan, "draws:round_prepare"), {"on": ON, "risk_low": "1"})
    assert response.status_code == 400 and "低于事项的最低比例" in text(response)
    assert Draw.objects.count() == 0
    client.post(url(plan, "draws:round_prepare"), {"on": ON})
    response = client.post(url(plan, "draws:round_seed"), {"witness_1": "王五", "digits_1": "1"})
    assert response.status_code == 400 and "见证人" in text(response)
    assert not Draw.objects.exclude(status=Draw.Status.PREPARED).exists()


def test_the_base_date_defaults_inside_the_plans_year_and_warns_outside(
    client, coordinator, plan, demo_directory
):
    client.force_login(coordinator)
    page = text(client.get(url(plan)))
    default = actions.default_population_date(plan.year)
    assert default.year == plan.year and f'value="{default:%Y-%m-%d}"' in page
    assert "data-date-warning" not in page
    page = text(client.get(url(plan) + "?on=2024-03-01"))
    assert "data-date-warning" in page and "不在计划年度（2022年）内" in page
    item_page = text(client.get(reverse("draws:item", args=[plan.items.get(number=1).pk])))
    assert f'value="{default:%Y-%m-%d}"' in item_page


def test_a_later_draw_says_before_the_dice_what_it_means(client, coordinator, plan, demo_directory):
    client.force_login(coordinator)
    client.post(url(plan, "draws:round_prepare"), {"on": ON})
    late = Draw.objects.get(item__number=3)
    actions.cancel_draw(draw=late, reason="名录有误", actor=coordinator)
    page = text(client.get(url(plan)))
    assert "data-unprepared" in page and "事项3" in page  # said before the first dice too
    client.post(url(plan, "draws:round_seed"), DICE)
    client.post(url(plan, "draws:round_execute"))
    actions.prepare_round(plan=plan, round=1, actor=coordinator, on=date(2022, 3, 1))
    page = text(client.get(url(plan)))
    dice = page.index('id="dice"')
    warning = page.index("data-later-ceremony")
    form = page.index(reverse("draws:round_seed", args=[plan.pk, 1]))
    assert dice < warning < form  # before the dice
    assert "不能附带检查组" in page and "teams.json" in page and "本轮将有2个种子" in page
    assert "为本轮1个抽取录入同一种子" in page


def test_other_roles_see_the_round_but_do_not_act(client, users_by_role, plan, demo_directory):
    from spotcheck.accounts.models import Role

    client.force_login(users_by_role[Role.INSPECTOR])
    page = text(client.get(url(plan)))
    assert "尚未冻结任何内容" in page and "冻结并公布全部8个事项" not in page
    assert client.post(url(plan, "draws:round_prepare"), {"on": ON}).status_code == 403


def test_the_pages_lead_to_the_round_ceremony(client, coordinator, plan, demo_directory):
    client.force_login(coordinator)
    round_url = url(plan)
    assert round_url in text(client.get(reverse("draws:list")))
    item = plan.items.get(number=1)
    assert round_url in text(client.get(reverse("draws:item", args=[item.pk])))
    assert round_url in text(client.get(reverse("inspections:round", args=[plan.pk, 1])))
    # A draw's own ceremony screen points to its round before the dice, and says what a
    # ceremony of its own means once the round has a seed.
    draw = actions.prepare_draw(item=item, round=1, actor=coordinator, on=date(2022, 3, 1))
    page = text(client.get(reverse("draws:ceremony", args=[draw.pk])))
    assert "data-round-note" in page and round_url in page and "本轮已有抽取" not in page
    other = actions.prepare_draw(
        item=plan.items.get(number=2), round=1, actor=coordinator, on=date(2022, 3, 1)
    )
    actions.seed_draw(
        draw=other, witnesses=[("王五", "2718281828"), ("赵六", "4590452353")], actor=coordinator
    )
    page = text(client.get(reverse("draws:ceremony", args=[draw.pk])))
    assert "本轮已有抽取使用了此前掷骰的种子" in page and "teams.json" in page


def test_a_locked_rounds_number_is_not_offered(client, coordinator, plan, demo_directory):
    client.force_login(coordinator)
    item = plan.items.get(number=1)
    page = text(client.get(reverse("draws:item", args=[item.pk])))
    assert '<option value="1" selected>第1轮</option>' in page
    client.post(url(plan, "draws:round_prepare"), {"on": ON})
    client.post(url(plan, "draws:round_seed"), DICE)
    client.post(url(plan, "draws:round_execute"))
    assert actions.open_rounds(item) == ([] if item.times_per_year == 1 else [2])
    page = text(client.get(reverse("draws:item", args=[item.pk])))
    assert 'value="1"' not in page.split("准备抽取")[-1]  # round 1 is locked: not offered
    response = client.post(reverse("draws:item", args=[item.pk]), {"round": 1, "on": ON})
    assert response.status_code == 200 and Draw.objects.filter(item=item).count() == 1
