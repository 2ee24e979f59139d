"""Coordinator pages, the ceremony screen, public bulletins, downloads and access per role."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from spotcheck import kit
from spotcheck.accounts.models import Role
from spotcheck.draws import actions
from spotcheck.draws.models import Draw
from spotcheck.lib import drawdoc
from spotcheck.registry.actions import update_entity

from .conftest import DRAW_DAY, WITNESSES

pytestmark = pytest.mark.django_db

SEED_POST = {
    "witness_1": "张三",
    "digits_1": "3141 5926 535",
    "witness_2": "李四",
    "digits_2": "8979323846",
    "witness_3": "",
    "digits_3": "",
    "beacon": "",
}


def prepare_via_web(client, item, **extra):
    data = {"round": 1, "on": DRAW_DAY.isoformat(), **extra}
    return client.post(reverse("draws:item", args=[item.pk]), data)


def text(response) -> str:
    return response.content.decode()


def test_the_whole_draw_through_the_web(client, coordinator, hotel_item, hotels):
    client.force_login(coordinator)
    page = client.get(reverse("draws:item", args=[hotel_item.pk]))
    assert page.status_code == 200
    assert "在营的“宾馆旅店”共 <strong>100</strong> 户" in text(page)

    response = prepare_via_web(client, hotel_item, risk_high="100")
    draw = Draw.objects.get()
    # Prepared on its own, an item still goes to its round's ceremony (one seed for the round).
    assert response.status_code == 302 and response["Location"] == reverse(
        "draws:round", args=[hotel_item.plan_id, 1]
    )
    assert draw.allocation == {"low": 3, "medium_low": 2, "medium": 1, "high": 5}
    ceremony = text(client.get(reverse("draws:ceremony", args=[draw.pk])))
    # The commitment is on screen before any seed: the hash in groups, the allocation.
    assert all(f"<span>{g}</span>" in ceremony for g in draw.hash_groups)
    assert "合计抽取 <strong>11</strong> 户" in ceremony
    assert 'name="digits_1"' in ceremony and "执行抽取</button>" not in ceremony

    response = client.post(reverse("draws:seed", args=[draw.pk]), SEED_POST)
    assert response.status_code == 302
    draw.refresh_from_db()
    assert draw.seed == "314159265358979323846"
    ceremony = text(client.get(reverse("draws:ceremony", args=[draw.pk])))
    assert "314159265358979323846" in ceremony and "执行抽取</button>" in ceremony

    response = client.post(reverse("draws:execute", args=[draw.pk]))
    assert response["Location"].endswith("?reveal=1")
    ceremony = text(client.get(response["Location"]))
    assert 'data-reveal="1"' in ceremony and "ceremony.js" in ceremony
    draw.refresh_from_db()
    selections = list(draw.selections.order_by("position"))
    assert len(selections) == 11
    # The full list is in the HTML (no JavaScript needed), in ticket order within each stratum.
    positions = [ceremony.index(s.ticket) for s in selections]
    assert positions == sorted(positions)

    client.logout()
    bulletin = text(client.get(draw.get_public_url()))
    assert "抽查任务公告" in bulletin and draw.population_hash in bulletin
    for s in selections:
        assert s.name in bulletin and s.ticket in bulletin and s.credit_code in bulletin
    assert "张三" in bulletin and "31415926535" in bulletin
    assert f"--population-hash {draw.population_hash}" in bulletin
    document = json.loads(client.get(reverse("public:draw_json", args=[draw.pk])).content)
    checks = drawdoc.verify_draw_document(document, published_population_hash=draw.population_hash)
    assert all(r.ok for r in checks)


def test_seed_errors_are_shown_on_the_ceremony_screen(client, coordinator, hotel_item, hotels):
    client.force_login(coordinator)
    prepare_via_web(client, hotel_item)
    draw = Draw.objects.get()
    data = {**SEED_POST, "witness_2": "", "digits_2": ""}
    response = client.post(reverse("draws:seed", args=[draw.pk]), data)
    assert response.status_code == 400
    assert "至少需要2名见证人" in text(response)
    assert 'value="3141 5926 535"' in text(response)  # what was typed is kept
    data = {**SEED_POST, "digits_2": "89793238"}  # 11 + 8 digits
    assert "种子至少需要20位数字" in text(client.post(reverse("draws:seed", args=[draw.pk]), data))
    draw.refresh_from_db()
    assert draw.status == Draw.Status.PREPARED


def test_execute_twice_from_the_web_gives_a_clear_message(client, coordinator, hotel_item, hotels):
    client.force_login(coordinator)
    prepare_via_web(client, hotel_item)
    draw = Draw.objects.get()
    client.post(reverse("draws:seed", args=[draw.pk]), SEED_POST)
    client.post(reverse("draws:execute", args=[draw.pk]))
    response = client.post(reverse("draws:execute", args=[draw.pk]), follow=True)
    assert f"该事项第1轮已有执行完毕的抽取（编号 {draw.pk}）" in text(response)


def test_prepare_errors_are_shown(client, coordinator, hotel_item, hotels):
    client.force_login(coordinator)
    response = prepare_via_web(client, hotel_item, risk_low="1")
    assert response.status_code == 200 and "分层比例只能提高" in text(response)
    assert not Draw.objects.exists()


def test_event_driven_items_show_why_there_is_no_draw(client, coordinator, plan):
    client.force_login(coordinator)
    page = text(client.get(reverse("draws:item", args=[plan.items.get(number=5).pk])))
    assert "按实际执行的事项没有抽取" in page and "冻结并公布名录</button>" not in page


def test_prepared_draws_publish_their_commitment(client, coordinator, hotel_item, hotels):
    draw = actions.prepare_draw(
        item=hotel_item, actor=coordinator, on=DRAW_DAY, exclude_recently_inspected=True
    )
    bulletin = text(client.get(draw.get_public_url()))
    assert "尚未掷骰" in bulletin and draw.population_hash in bulletin
    assert "已排除本事项12个月内检查且最近一次未发现问题的对象 <strong>0</strong> 户" in bulletin
    assert "低风险</th><td>60</td>" in bulletin
    population = client.get(reverse("public:population", args=[draw.pk]))
    assert hashlib.sha256(population.content).hexdigest() == draw.population_hash
    assert client.get(reverse("public:draw_json", args=[draw.pk])).status_code == 404
    listing = text(client.get(reverse("public:bulletins")))
    assert draw.get_public_url() in listing
    assert draw.get_public_url() in text(client.get(reverse("home")))


def test_cancel_and_replace_through_the_web(client, coordinator, hotel_item, hotels):
    client.force_login(coordinator)
    prepare_via_web(client, hotel_item)
    first = Draw.objects.get()
    client.post(reverse("draws:cancel", args=[first.pk]), {"reason": "名录日期有误"})
    first.refresh_from_db()
    assert first.status == Draw.Status.CANCELLED
    assert "本次抽取已于" in text(client.get(first.get_public_url()))

    prepare_via_web(client, hotel_item)
    draw = Draw.objects.exclude(pk=first.pk).get()
    client.post(reverse("draws:seed", args=[draw.pk]), SEED_POST)
    client.post(reverse("draws:execute", args=[draw.pk]))
    target = draw.selections.order_by("position").first()
    form = {
        "selection": target.pk,
        "reason_code": "revoked",
        "out_of_scope_since": DRAW_DAY.isoformat(),
        "reason": "许可证被吊销",
    }
    response = client.post(reverse("draws:replace", args=[draw.pk]), form)
    assert "经营状态为“在营”" in text(response)
    update_entity(entity=target.entity, actor=coordinator, values={"status": "revoked"})
    # The directory recorded the revocation today: an earlier typed date is refused.
    response = client.post(reverse("draws:replace", args=[draw.pk]), form)
    assert "名录变更记录显示" in text(response)
    today = timezone.localdate()
    form["out_of_scope_since"] = today.isoformat()
    response = client.post(reverse("draws:replace", args=[draw.pk]), form, follow=True)
    assert "已由同层下一号签" in text(response)
    assert draw.replacements.count() == 1
    bulletin = text(client.get(draw.get_public_url()))
    assert "替补记录" in bulletin and f"已吊销（{today:%Y-%m-%d}）：许可证被吊销" in bulletin


def test_the_verifier_and_its_explanation_are_served(client, coordinator, hotel_item, hotels):
    response = client.get(reverse("public:verifier"))
    assert response.status_code == 200
    assert response.content == kit.verifier_bytes()
    page = text(client.get(reverse("public:verify")))
    assert "python3 verify_draw.py draw.json --population-hash" in page
    assert "pip install consistent-sampler" in page and "digits=78" in page
    assert "<h2>核验一次摇号 · Verifying a draw</h2>" in page  # docs/verification.md, rendered
    assert "<script>" not in page


def test_pages_keep_to_the_content_security_policy(client, coordinator, hotel_item, hotels):
    client.force_login(coordinator)
    prepare_via_web(client, hotel_item)
    draw = Draw.objects.get()
    client.post(reverse("draws:seed", args=[draw.pk]), SEED_POST)
    client.post(reverse("draws:execute", args=[draw.pk]))
    for url in [
        reverse("draws:ceremony", args=[draw.pk]) + "?reveal=1",
        reverse("draws:detail", args=[draw.pk]),
        reverse("draws:item", args=[hotel_item.pk]),
        reverse("draws:list"),
        draw.get_public_url(),
    ]:
        body = text(client.get(url))
        assert not re.search(r"<script(?![^>]*\bsrc=)", body), url
        assert " style=" not in body and "<style" not in body and "onclick" not in body, url


STAFF_VIEWS = ["draws:list"]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.COORDINATOR, True),
        (Role.ADMINISTRATOR, True),
        (Role.UNIT_LEADER, False),
        (Role.INSPECTOR, False),
        (Role.SUPERVISOR, False),
    ],
)
def test_only_coordinators_and_administrators_draw(
    client, users_by_role, coordinator, hotel_item, hotels, role, allowed
):
    user = users_by_role[role]
    client.force_login(user)
    assert client.get(reverse("draws:list")).status_code == 200  # every staff role may look
    response = prepare_via_web(client, hotel_item)
    assert (response.status_code == 302) is allowed
    if not allowed:
        assert response.status_code == 403
        draw = actions.prepare_draw(item=hotel_item, actor=coordinator, on=DRAW_DAY)
    else:
        draw = Draw.objects.get()
    assert client.get(reverse("draws:ceremony", args=[draw.pk])).status_code == 200
    response = client.post(reverse("draws:seed", args=[draw.pk]), SEED_POST)
    assert response.status_code == (302 if allowed else 403)
    if not allowed:
        actions.seed_draw(draw=draw, witnesses=WITNESSES, actor=coordinator)
    response = client.post(reverse("draws:execute", args=[draw.pk]))
    assert response.status_code == (302 if allowed else 403)
    draw.refresh_from_db()
    assert (draw.status == Draw.Status.EXECUTED) is allowed
    assert client.get(reverse("draws:replace", args=[draw.pk])).status_code in (
        (200, 302) if allowed else (403,)
    )


def test_the_public_sees_bulletins_but_not_the_coordinator_pages(
    client, coordinator, hotel_item, hotels
):
    draw = actions.prepare_draw(item=hotel_item, actor=coordinator, on=DRAW_DAY)
    for name in ["draws:list"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("login") in response["Location"]
    for url in [
        reverse("draws:item", args=[hotel_item.pk]),
        reverse("draws:ceremony", args=[draw.pk]),
        reverse("draws:detail", args=[draw.pk]),
    ]:
        assert client.get(url).status_code == 302
    response = client.post(reverse("draws:seed", args=[draw.pk]), SEED_POST)
    assert response.status_code == 302 and Draw.objects.get().status == Draw.Status.PREPARED
    assert client.get(draw.get_public_url()).status_code == 200
    assert client.get(reverse("public:bulletins")).status_code == 200
