"""The draw sequence through the actions: prepare → seed → execute, locked, replaced, cancelled."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from spotcheck.audit.models import AuditEntry, verify_chain
from spotcheck.draws import actions
from spotcheck.draws.forms import CancelForm
from spotcheck.draws.models import Draw, DrawError, DrawLocked, DrawSelection
from spotcheck.lib import drawdoc
from spotcheck.lib.results import ReviewState
from spotcheck.lib.sampling import ticket
from spotcheck.public.cache import clear_public_pages
from spotcheck.public.opendata import draw_rows
from spotcheck.registry import actions as registry_actions
from spotcheck.registry.models import Entity
from tests.results.factories import approved_inspection

from .conftest import DRAW_DAY, WITNESSES, hotel_rows, insert_entities

pytestmark = pytest.mark.django_db


def prepare(item, coordinator, **kwargs):
    kwargs.setdefault("on", DRAW_DAY)
    return actions.prepare_draw(item=item, actor=coordinator, **kwargs)


def run_draw(item, coordinator, **kwargs) -> Draw:
    draw = prepare(item, coordinator, **kwargs)
    actions.seed_draw(draw=draw, witnesses=WITNESSES, actor=coordinator)
    return actions.execute_draw(draw=draw, actor=coordinator)


def test_the_full_sequence(hotel_item, hotels, coordinator):
    draw = prepare(hotel_item, coordinator)
    assert draw.status == Draw.Status.PREPARED
    assert draw.population_counts == {"low": 60, "medium_low": 25, "medium": 10, "high": 5}
    assert draw.allocation == {"low": 3, "medium_low": 2, "medium": 1, "high": 1}
    assert draw.effective_ratio_percent == {s: "5" for s in draw.population_counts}
    strata = draw.population_strata()
    assert draw.population_hash == drawdoc.population_hash(strata)
    assert sorted(i for ids in strata.values() for i in ids) == sorted(e.public_id for e in hotels)
    assert draw.seed == "" and not draw.selections.exists()

    seeded = actions.seed_draw(
        draw=draw, witnesses=WITNESSES, beacon=" 2024-03-01 block 845210 ", actor=coordinator
    )
    assert seeded.status == Draw.Status.SEEDED
    assert seeded.seed == "314159265358979323846|2024-03-01 block 845210"
    assert seeded.witnesses == [{"name": n, "digits": d} for n, d in WITNESSES]

    executed = actions.execute_draw(draw=draw, actor=coordinator)
    assert executed.status == Draw.Status.EXECUTED and executed.is_locked
    selections = list(executed.selections.order_by("position"))
    assert len(selections) == 7
    for stratum, size in executed.allocation.items():
        expected = sorted((ticket(executed.seed, i), i) for i in strata[stratum])[:size]
        got = [(s.ticket, s.public_id) for s in selections if s.stratum == stratum]
        assert got == expected
        assert [s.rank for s in selections if s.stratum == stratum] == list(range(1, size + 1))
    assert selections[0].name == Entity.objects.get(public_id=selections[0].public_id).name

    document = actions.export_draw_document(executed)
    results = drawdoc.verify_draw_document(document, published_population_hash=draw.population_hash)
    assert all(r.ok for r in results), results
    assert document["draw"]["round"] == 1 and document["item"]["item_number"] == "1"
    assert document["entities"][selections[0].public_id]["name"] == selections[0].name
    assert [a.action for a in AuditEntry.objects.filter(object_type="draws.Draw")] == [
        "draw.prepare",
        "draw.seed",
        "draw.execute",
    ]
    assert verify_chain().ok


def test_steps_cannot_be_taken_out_of_order(hotel_item, hotels, coordinator):
    with pytest.raises(DrawError, match="找不到编号为 999 的抽取"):
        actions.seed_draw(draw=999, witnesses=WITNESSES, actor=coordinator)
    draw = prepare(hotel_item, coordinator)
    with pytest.raises(DrawError, match="尚未在抽取仪式上录入种子，不能执行抽取"):
        actions.execute_draw(draw=draw, actor=coordinator)
    with pytest.raises(DrawError, match="该事项第1轮已有抽取"):
        prepare(hotel_item, coordinator)
    actions.seed_draw(draw=draw, witnesses=WITNESSES, actor=coordinator)
    with pytest.raises(DrawError, match="种子已于.*录入，不能录入种子"):
        actions.seed_draw(
            draw=draw, witnesses=[("王五", "1" * 20), ("赵六", "2")], actor=coordinator
        )
    with pytest.raises(DrawError, match="该事项第1轮已有抽取"):
        prepare(hotel_item, coordinator)
    with pytest.raises(DrawError, match="种子已录入，结果已经确定，不能作废"):
        actions.cancel_draw(draw=draw, reason="重来", actor=coordinator)
    actions.execute_draw(draw=draw, actor=coordinator)
    with pytest.raises(DrawLocked, match="该事项第1轮已有执行完毕的抽取"):
        actions.execute_draw(draw=draw, actor=coordinator)
    with pytest.raises(DrawLocked, match="该事项第1轮已有执行完毕的抽取"):
        prepare(hotel_item, coordinator)
    with pytest.raises(DrawLocked):
        actions.seed_draw(draw=draw, witnesses=WITNESSES, actor=coordinator)
    # A second round is another draw (the 2022 items say once a year).
    with pytest.raises(DrawError, match="每年抽查1次，不能抽取第2轮"):
        prepare(hotel_item, coordinator, round=2)


def test_an_executed_draw_is_locked_in_the_model(hotel_item, hotels, coordinator):
    draw = run_draw(hotel_item, coordinator)
    draw.refresh_from_db()
    draw.seed = "99999999999999999999"
    with pytest.raises(DrawLocked, match="抽取已锁定，不能修改"):
        draw.save()
    draw.refresh_from_db()
    with pytest.raises(DrawLocked):
        draw.delete()
    with pytest.raises(DrawLocked):
        Draw.objects.filter(pk=draw.pk).update(seed="1")
    with pytest.raises(DrawLocked):
        Draw.objects.filter(pk=draw.pk).delete()
    selection = draw.selections.first()
    selection.public_id = "913703230000000000"
    with pytest.raises(DrawLocked):
        selection.save()
    with pytest.raises(DrawLocked):
        selection.delete()
    with pytest.raises(DrawLocked):
        DrawSelection.objects.filter(draw=draw).update(ticket="0.1")
    with pytest.raises(DrawLocked):
        DrawSelection.objects.filter(draw=draw).delete()
    assert Draw.objects.get(pk=draw.pk).seed == "314159265358979323846"
    assert draw.selections.count() == 7


def test_published_commitments_cannot_be_edited_before_the_draw(hotel_item, hotels, coordinator):
    draw = prepare(hotel_item, coordinator)
    draw.allocation = {"low": 1}
    with pytest.raises(DrawLocked, match="allocation"):
        draw.save()
    draw.refresh_from_db()
    draw.seed = "12345678901234567890"  # a seed without the seeding step
    with pytest.raises(DrawLocked, match="seed"):
        draw.save()
    draw.refresh_from_db()
    draw.cancel_reason = "悄悄作废"
    with pytest.raises(DrawLocked, match="cancel_reason"):
        draw.save()
    draw.refresh_from_db()
    draw.status = Draw.Status.EXECUTED  # skipping the seed
    with pytest.raises(DrawError, match="不能从"):
        draw.save()
    draw.refresh_from_db()
    actions.seed_draw(draw=draw, witnesses=WITNESSES, actor=coordinator)
    draw.refresh_from_db()
    draw.witnesses = [{"name": "张三", "digits": "1" * 20}, {"name": "李四", "digits": "2"}]
    with pytest.raises(DrawLocked, match="witnesses"):
        draw.save()
    with pytest.raises(DrawLocked):
        Draw.objects.filter(pk=draw.pk).delete()


def test_a_tampered_stored_population_is_detected(hotel_item, hotels, coordinator):
    draw = prepare(hotel_item, coordinator)
    actions.seed_draw(draw=draw, witnesses=WITNESSES, actor=coordinator)
    text = draw.population_text().replace(hotels[0].public_id + "\n", "")
    # Bypass the model guard as someone with direct database access would.
    from django.db import connection

    from spotcheck.draws.models import compress_text

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE draws_draw SET population_gz = %s WHERE id = %s", [compress_text(text), draw.pk]
        )
    with pytest.raises(DrawError, match="分层户数|哈希不符"):
        actions.execute_draw(draw=draw, actor=coordinator)


@pytest.mark.parametrize(
    ("witnesses", "beacon", "message"),
    [
        ([("张三", "12345678901234567890")], None, "至少需要2名见证人"),
        ([("张三", "1234567890"), ("李四", "123456789")], None, "种子至少需要20位数字"),
        ([("张三", "1234567890"), ("李四", "12345678ab")], None, "只能包含数字"),
        ([("张三", "1234567890"), ("李四", "１２３４５６７８９０")], None, "只能包含数字"),
        ([("张三", "1234567890"), ("张三", "1234567890")], None, "不能重复"),
        ([("张三", "1234567890"), (" ", "1234567890")], None, "须填写姓名"),
        ([("张三", "1234567890"), ("李四", "")], None, "只能包含数字"),
    ],
)
def test_seed_rules(hotel_item, hotels, coordinator, witnesses, beacon, message):
    draw = prepare(hotel_item, coordinator)
    with pytest.raises(DrawError, match=message):
        actions.seed_draw(draw=draw, witnesses=witnesses, beacon=beacon, actor=coordinator)
    draw.refresh_from_db()
    assert draw.status == Draw.Status.PREPARED and draw.seed == ""


@pytest.mark.parametrize("second", ["张 三", "张\u3000三", " 张三\u200b"])
def test_seed_refuses_names_that_differ_only_in_spaces_or_invisible_characters(
    hotel_item, hotels, coordinator, second
):
    draw = prepare(hotel_item, coordinator)
    with pytest.raises(DrawError, match="第2名见证人.*与第1名见证人姓名相同"):
        actions.seed_draw(
            draw=draw,
            witnesses=[("张三", "1234567890"), (second, "1234567890")],
            actor=coordinator,
        )
    draw.refresh_from_db()
    assert draw.status == Draw.Status.PREPARED and draw.seed == ""


def test_seed_is_recorded_normalised(hotel_item, hotels, coordinator):
    draw = prepare(hotel_item, coordinator)
    draw = actions.seed_draw(
        draw=draw,
        witnesses=[("\u3000欧阳  娜娜 ", "12345 67890"), ("李四", "1234567890")],
        beacon=" abc ",
        actor=coordinator,
    )
    assert draw.witnesses == [
        {"name": "欧阳 娜娜", "digits": "1234567890"},
        {"name": "李四", "digits": "1234567890"},
    ]
    assert draw.seed == "12345678901234567890|abc" and draw.beacon == "abc"


def test_seed_minimums_come_from_settings(hotel_item, hotels, coordinator, settings):
    settings.SPOTCHECK_MIN_SEED_DIGITS = 24
    settings.SPOTCHECK_MIN_WITNESSES = 3
    draw = prepare(hotel_item, coordinator)
    with pytest.raises(DrawError, match="至少需要3名见证人"):
        actions.seed_draw(draw=draw, witnesses=WITNESSES, actor=coordinator)
    three = [*WITNESSES, ("王五", "12")]
    with pytest.raises(DrawError, match="种子至少需要24位数字（当前23位）"):
        actions.seed_draw(draw=draw, witnesses=three, actor=coordinator)
    # Spaces typed between dice are not part of the digits.
    three[2] = ("王五", "1 2 3")
    assert actions.seed_draw(draw=draw, witnesses=three, actor=coordinator).seed.endswith("123")


def test_item_rules(seed_plan, coordinator, hotels_unpublished):
    item = seed_plan.items.get(number=1)
    with pytest.raises(DrawError, match="计划未公开，不能抽取"):
        prepare(item, coordinator)


@pytest.fixture
def hotels_unpublished(seed_plan):
    return insert_entities(seed_plan.agency, hotel_rows(20))


def test_event_driven_items_have_no_draw(plan, coordinator):
    with pytest.raises(DrawError, match="按实际执行的事项没有抽取"):
        prepare(plan.items.get(number=5), coordinator)


def test_empty_population_is_refused(hotel_item, coordinator):
    with pytest.raises(DrawError, match="名录中没有可抽取的对象"):
        prepare(hotel_item, coordinator)
    assert not Draw.objects.exists()


def test_only_operating_entities_of_the_type_and_agency(hotel_item, hotels, coordinator):
    from spotcheck.accounts.models import Agency

    Entity.objects.filter(pk=hotels[0].pk).update(status="deregistered")
    Entity.objects.filter(pk=hotels[1].pk).update(status="suspended")
    other = Agency.objects.create(name="邻县公安局")
    insert_entities(other, hotel_rows(5, start=500))
    insert_entities(
        hotel_item.plan.agency,
        [{**row, "types": ["保安服务公司"]} for row in hotel_rows(3, start=600)],
    )
    draw = prepare(hotel_item, coordinator)
    ids = {i for ids in draw.population_strata().values() for i in ids}
    assert ids == {e.public_id for e in hotels[2:]}


def test_unrated_entities_form_their_own_stratum(hotel_item, coordinator):
    insert_entities(hotel_item.plan.agency, hotel_rows(30, risk=(0, 0, 0, 0)))
    draw = prepare(hotel_item, coordinator)
    assert draw.population_counts == {"unknown": 30} and draw.allocation == {"unknown": 2}
    assert any("未评定风险等级" in w for w in draw.warnings)


def test_risk_policy_raises_strata_and_is_recorded(hotel_item, hotels, coordinator):
    draw = prepare(hotel_item, coordinator, risk_policy={"高": "100", "medium": "30%"})
    assert draw.allocation == {"low": 3, "medium_low": 2, "medium": 3, "high": 5}
    assert draw.stratum_ratio_percent == {"high": "100", "medium": "30"}
    assert draw.options["risk_policy"] == {"high": "100", "medium": "30"}
    actions.seed_draw(draw=draw, witnesses=WITNESSES, actor=coordinator)
    document = actions.export_draw_document(actions.execute_draw(draw=draw, actor=coordinator))
    assert document["allocation"]["stratum_ratio_percent"] == {"medium": "30", "high": "100"}
    assert document["allocation"]["effective_ratio_percent"]["high"] == "100"
    assert all(r.ok for r in drawdoc.verify_draw_document(document))


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"低": "1"}, "只能提高"),
        ({"severe": "10"}, "未知的风险分层"),
        ({"high": "abc"}, "不是数字"),
        ({"high": "120"}, "不超过100%"),
    ],
)
def test_invalid_risk_policies(hotel_item, hotels, coordinator, policy, message):
    with pytest.raises(DrawError, match=message):
        prepare(hotel_item, coordinator, risk_policy=policy)


def test_allocation_is_compared_with_the_plan_estimates(plan, coordinator):
    item = plan.items.get(number=2)  # estimated 5: low 4, medium-low 1
    rows = [
        {**row, "types": ["使用易制毒化学品的企业"]}
        for row in hotel_rows(30, risk=(2, 0, 0, 1))  # 20 low, 10 high
    ]
    insert_entities(plan.agency, rows)
    draw = prepare(item, coordinator)
    assert draw.allocation == {"low": 1, "high": 1}
    assert draw.options["plan_estimates"] == {
        "total": 5,
        "low": 4,
        "medium_low": 1,
        "medium": 0,
        "high": 0,
    }
    assert draw.warnings == [
        "计划预估抽查5家，按名录现有30户和比例应抽2家",
        "低风险：计划预估4家，名录中20户，应抽1家",
        "中低风险：计划预估1家，名录中0户，应抽0家",
        "高风险：计划预估0家，名录中10户，应抽1家",
        # DRAW_DAY is in 2024, outside the 2022 plan's year: published with the draw, not refused.
        "基准日期 2024-03-01 不在计划年度（2022年）内：近期检查的排除期将由这一天往前计算，"
        "请确认没有填错年份",
    ]


def test_excluding_recently_inspected_entities(hotel_item, hotels, coordinator):
    name = hotel_item.name
    day = DRAW_DAY

    other_item = hotel_item.plan.items.exclude(name=name).first()

    def inspected(entity, days_ago, problem, item=hotel_item, state=ReviewState.APPROVED):
        approved_inspection(
            entity=entity,
            item=item,
            inspected_on=day - timedelta(days=days_ago),
            problem=problem,
            state=state,
        )

    inspected(hotels[0], 90, False)  # excluded
    inspected(hotels[1], 90, True)  # a problem was found: drawn again
    inspected(hotels[2], 400, False)  # more than 12 months ago
    inspected(hotels[3], 90, False, item=other_item)  # another item
    inspected(hotels[7], 90, False, state=ReviewState.PENDING)  # not approved: not on record
    inspected(hotels[8], -5, False)  # after the draw day
    inspected(hotels[4], 200, False)
    inspected(hotels[4], 30, True)  # latest check found a problem
    inspected(hotels[5], 200, True)
    inspected(hotels[5], 30, False)  # latest check found none: excluded
    inspected(hotels[6], 366, False)  # 2023-03-01 is exactly 12 months before: no longer recent

    without = prepare(hotel_item, coordinator)
    assert without.options["exclude_recently_inspected"] is False
    assert without.options["excluded_count"] == 0 and without.population_size == 100
    actions.cancel_draw(draw=without, reason="改为排除近期已检查对象", actor=coordinator)

    draw = prepare(hotel_item, coordinator, exclude_recently_inspected=True)
    assert draw.options["exclude_recently_inspected"] is True
    assert draw.options["exclusion_months"] == 12
    assert draw.options["excluded_count"] == 2
    assert draw.excluded_ids() == sorted([hotels[0].public_id, hotels[5].public_id])
    population = {i for ids in draw.population_strata().values() for i in ids}
    assert population == {e.public_id for e in hotels} - set(draw.excluded_ids())
    actions.seed_draw(draw=draw, witnesses=WITNESSES, actor=coordinator)
    document = actions.export_draw_document(actions.execute_draw(draw=draw, actor=coordinator))
    assert document["options"] == {
        "exclude_recently_inspected": True,
        "exclusion_months": 12,
        "excluded_count": 2,
    }
    assert all(r.ok for r in drawdoc.verify_draw_document(document))


def test_months_before():
    assert actions.months_before(date(2024, 3, 1), 12) == date(2023, 3, 1)
    assert actions.months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)
    assert actions.months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert actions.months_before(date(2024, 1, 15), 13) == date(2022, 12, 15)


def test_cancel_then_prepare_again(hotel_item, hotels, coordinator):
    first = prepare(hotel_item, coordinator)
    with pytest.raises(DrawError, match="作废须写明原因"):
        actions.cancel_draw(draw=first, reason=" ", actor=coordinator)
    # An over-long reason is refused, not cut: what is audited is what is stored.
    with pytest.raises(DrawError, match="作废原因最多300个字符，现有301个"):
        actions.cancel_draw(draw=first, reason="原" * 301, actor=coordinator)
    first.refresh_from_db()
    assert first.status == Draw.Status.PREPARED
    actions.cancel_draw(draw=first, reason="名录有误，更正后重新公布", actor=coordinator)
    first.refresh_from_db()
    assert first.status == Draw.Status.CANCELLED and first.cancel_reason
    with pytest.raises(DrawError, match="抽取已作废"):
        actions.seed_draw(draw=first, witnesses=WITNESSES, actor=coordinator)
    second = prepare(hotel_item, coordinator)
    assert second.pk != first.pk and Draw.objects.count() == 2
    with pytest.raises(DrawLocked):
        first.delete()


def test_a_cancel_reason_is_published_without_phone_numbers(
    client, hotel_item, hotels, coordinator
):
    """The cancel reason is public (bulletin, feed, API, open data): phone numbers masked; the
    form says so; the stored reason keeps what was written."""
    draw = prepare(hotel_item, coordinator)
    phone = "13812345678"
    actions.cancel_draw(draw=draw, reason=f"名录有误，联系{phone}", actor=coordinator)
    draw.refresh_from_db()
    assert phone in draw.cancel_reason and draw.public_cancel_reason == "名录有误，联系" + "*" * 11
    clear_public_pages()
    for url in (
        reverse("public:bulletin", args=[draw.pk]),
        reverse("public:announcements"),
        f"/api/v1/draws/{draw.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert phone not in response.content.decode() and "*" * 11 in response.content.decode()
    rows = json.dumps(list(draw_rows(hotel_item.plan.year)), ensure_ascii=False, default=str)
    assert phone not in rows and draw.public_cancel_reason in rows
    assert "公开" in str(CancelForm().fields["reason"].help_text)


# --- replacements ----------------------------------------------------------------------------


def deregister(entity, actor, status="deregistered"):
    """The directory records the change (with its history), as the registry does."""
    registry_actions.update_entity(entity=entity, actor=actor, values={"status": status})


def test_replacement_takes_the_next_ticket_and_verifies(hotel_item, hotels, coordinator):
    draw = prepare(hotel_item, coordinator)
    draw = actions.seed_draw(draw=draw, witnesses=WITNESSES, actor=coordinator)
    strata = draw.population_strata()
    ranked = [i for _, i in sorted((ticket(draw.seed, i), i) for i in strata["low"])]
    # Recorded in the directory after the population was frozen, before the draw executed.
    target = Entity.objects.get(public_id=ranked[0])
    deregister(target, coordinator)
    registry_actions.update_entity(
        entity=Entity.objects.get(public_id=ranked[3]),
        actor=coordinator,
        values={"target_types": []},
    )
    draw = actions.execute_draw(draw=draw, actor=coordinator)
    today = timezone.localdate(draw.executed_at)
    with pytest.raises(DrawError, match="经营状态为“在营”"):
        actions.replace_target(
            draw=draw,
            entity=Entity.objects.get(public_id=ranked[1]),
            reason_code="deregistered",
            out_of_scope_since=today,
            reason="据称已注销",
            actor=coordinator,
        )
    with pytest.raises(DrawError, match="之后才不在检查范围内"):
        actions.replace_target(
            draw=draw,
            entity=target,
            reason_code="deregistered",
            out_of_scope_since=today + timedelta(days=1),
            reason="登记机关核准注销",
            actor=coordinator,
        )
    with pytest.raises(DrawError, match="原因最多300个字符"):
        actions.replace_target(
            draw=draw,
            entity=target,
            reason_code="deregistered",
            out_of_scope_since=today,
            reason="注" * 301,
            actor=coordinator,
        )
    with pytest.raises(DrawError, match="不属于该类型"):
        actions.replace_target(
            draw=draw,
            entity=target,
            reason_code="not_of_type",
            out_of_scope_since=today,
            reason="不是宾馆",
            actor=coordinator,
        )
    # A date before the directory recorded the deregistration is not believed.
    with pytest.raises(DrawError, match="名录变更记录显示"):
        actions.replace_target(
            draw=draw,
            entity=target,
            reason_code="deregistered",
            out_of_scope_since=today - timedelta(days=10),
            reason="登记机关已核准注销",
            actor=coordinator,
        )
    row = actions.replace_target(
        draw=draw,
        entity=target,
        reason_code="deregistered",
        out_of_scope_since=today,
        reason="登记机关已核准注销",
        actor=coordinator,
    )
    assert row.replacement.public_id == ranked[3] and row.replacement.rank == 4
    assert row.replacement.kind == DrawSelection.Kind.REPLACEMENT
    assert row.document_entry["reason"] == f"已注销（{today:%Y-%m-%d}）：登记机关已核准注销"
    active = [s.public_id for s in actions.active_selections(draw)]
    assert target.public_id not in active and ranked[3] in active and len(active) == 7

    # The replacement itself leaves the type: the next one is rank 5.
    successor = row.replacement.entity
    second = actions.replace_target(
        draw=draw,
        entity=successor,
        reason_code="not_of_type",
        out_of_scope_since=today,
        reason="已改为经营餐饮",
        actor=coordinator,
    )
    assert second.replacement.public_id == ranked[4] and second.sequence == 2
    with pytest.raises(DrawError, match="不是本次抽取当前的检查对象"):
        actions.replace_target(
            draw=draw,
            entity=target,
            reason_code="deregistered",
            out_of_scope_since=DRAW_DAY,
            reason="再次替换",
            actor=coordinator,
        )
    document = actions.export_draw_document(draw)
    assert [r["replacement_id"] for r in document["replacements"]] == ranked[3:5]
    assert document["entities"][ranked[4]]["name"] == second.replacement.name
    assert all(r.ok for r in drawdoc.verify_draw_document(document))
    assert json.loads(actions.draw_document_bytes(draw)) == document


def test_replacement_needs_an_executed_draw(hotel_item, hotels, coordinator):
    draw = prepare(hotel_item, coordinator)
    with pytest.raises(DrawError, match="只有执行完毕的抽取才能替补"):
        actions.replace_target(
            draw=draw,
            entity=hotels[0],
            reason_code="deregistered",
            out_of_scope_since=DRAW_DAY,
            reason="x",
            actor=coordinator,
        )


def test_ratio_is_published_without_trailing_zeros(hotel_item, hotels, coordinator):
    draw = prepare(hotel_item, coordinator)
    assert draw.ratio_percent == Decimal("5")
    assert actions.ratio_text(Decimal("100.000")) == "100"
    assert actions.ratio_text(Decimal("2.500")) == "2.5"
