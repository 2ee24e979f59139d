from dataclasses import replace
from datetime import date

from django.urls import reverse

from spotcheck.lib.results import ReviewState
from spotcheck.registry.models import Entity
from spotcheck.results import actions
from spotcheck.results.selectors import (
    inspection_history,
    last_inspections,
    last_inspections_by_item,
    results_for_user,
)
from tests.results.conftest import complete_content
from tests.results.factories import approved_inspection


def _saved(scene, **changes):
    return actions.save_draft(
        visit=scene.visit,
        content=complete_content(scene, **changes),
        revision=0,
        actor=scene.member_a,
    )


def test_results_are_scoped_like_their_visits(scene, supervisor, coordinator, other_users_by_role):
    result = _saved(scene)
    for user in (scene.member_a, scene.member_b, supervisor, coordinator):
        assert list(results_for_user(user)) == [result]
    assert not results_for_user(scene.other_leader).exists()
    for user in other_users_by_role.values():
        assert not results_for_user(user).exists()


def test_last_inspections_over_approved_results_only(scene, unit_leader):
    result = _saved(scene, problem_at=2)
    ids = [scene.entity.pk, scene.other_visit.entity_id]
    assert last_inspections(ids, item_name=scene.items[11].item.name) == {}
    item11 = result.items.get(visit_item=scene.items[11])
    actions.add_measure(
        item_result=item11,
        kind="other",
        opened_on=date(2022, 9, 30),
        text="当场教育",
        actor=scene.member_a,
    )
    actions.submit_result(result=result, actor=scene.member_a)
    assert last_inspections(ids) == {}  # pending is not an inspection on record yet
    actions.approve_result(result=result, actor=unit_leader)

    found = last_inspections(ids, item_name=scene.items[11].item.name)
    assert list(found) == [scene.entity.pk]
    last = found[scene.entity.pk]
    assert last.inspected_on == date(2022, 9, 30)
    assert last.category == "pending_follow_up" and last.problem_found
    assert set(last.inspector_ids) == {seat.inspector_id for seat in scene.seats}
    clean = last_inspections(ids, item_name=scene.items[12].item.name)[scene.entity.pk]
    assert clean.category == "no_problem" and not clean.problem_found
    assert last_inspections(ids, before=date(2022, 9, 30)) == {}
    assert scene.entity.pk in last_inspections(ids, before=date(2022, 10, 1))
    assert last_inspections(ids, item_name="不存在的事项") == {}


def test_last_inspections_by_target_type(scene, unit_leader):
    result = _saved(scene)
    actions.approve_result(
        result=actions.submit_result(result=result, actor=scene.member_a), actor=unit_leader
    )
    target_type = scene.items[11].item.target_type
    assert target_type
    assert scene.entity.pk in last_inspections([scene.entity.pk], target_type=target_type)
    assert last_inspections([scene.entity.pk], target_type="不存在的对象类型") == {}


def test_last_inspection_per_item_names_the_inspectors_by_certificate(
    scene, unit_leader, django_assert_num_queries
):
    result = _saved(scene)
    actions.approve_result(
        result=actions.submit_result(result=result, actor=scene.member_a), actor=unit_leader
    )
    names = [scene.items[11].item.name, scene.items[12].item.name]
    ids = [scene.entity.pk, scene.other_visit.entity_id]
    with django_assert_num_queries(2):
        found = last_inspections_by_item(ids, names)
    assert set(found) == {(scene.entity.pk, name) for name in names}
    last = found[(scene.entity.pk, names[0])]
    assert set(last.certificates) == {seat.inspector.certificate_number for seat in scene.seats}
    assert last.visit_id == scene.visit.pk and last.result_id == result.pk
    # Bounds are strict on both sides; a queryset of ids works as a subquery.
    day = date(2022, 9, 30)
    assert last_inspections_by_item(ids, names, before=day) == {}
    assert last_inspections_by_item(ids, names, since=day) == {}
    assert len(last_inspections_by_item(ids, names, since=date(2022, 9, 29))) == 2
    pool = Entity.objects.filter(pk__in=ids).values("pk")
    assert set(last_inspections(pool)) == {scene.entity.pk}


def test_history_lists_inspections_newest_first(scene, published_plan):
    item = scene.items[11].item
    older = approved_inspection(entity=scene.entity, item=item, inspected_on=date(2020, 5, 1))
    newer = approved_inspection(
        entity=scene.entity, item=item, inspected_on=date(2021, 5, 1), problem=True
    )
    approved_inspection(
        entity=scene.entity,
        item=item,
        inspected_on=date(2021, 8, 1),
        state=ReviewState.RETURNED,
    )
    rows = inspection_history([scene.entity.pk])[(scene.entity.pk, item.name)]
    assert [r.result_id for r in rows] == [newer.pk, older.pk]
    assert rows[0].problem_found and not rows[1].problem_found


def test_entity_page_shows_the_last_inspection_per_item(client, scene, coordinator):
    item = scene.items[12].item
    approved_inspection(entity=scene.entity, item=item, inspected_on=date(2021, 5, 1))
    approved_inspection(entity=scene.entity, item=item, inspected_on=date(2021, 7, 1), problem=True)
    client.force_login(coordinator)
    page = client.get(reverse("registry:entity", args=[scene.entity.pk])).content.decode()
    assert "2021-07-01" in page and "发现问题待后续处理" in page
    assert "2021-05-01" not in page


def _page_rows(client, visit) -> list[tuple]:
    response = client.get(reverse("results:visit", args=[visit.pk]))
    assert response.status_code == 200
    return [
        (
            row.visit_item.pk,
            row.category,
            row.chosen_category,
            [
                (
                    p.number,
                    p.text,
                    p.stored.finding if p.stored else "",
                    p.stored.problem if p.stored else "",
                )
                for p in row.points
            ],
            [m.pk for m in row.measures],
        )
        for row in response.context["items"]
    ]


def _api_rows(client, visit) -> list[tuple]:
    response = client.get(f"/api/v1/visits/{visit.pk}/result")
    assert response.status_code == 200
    return [
        (
            item["visit_item_id"],
            item["category"],
            item["chosen_category"],
            [(f["number"], f["text"], f["finding"], f["problem"]) for f in item["findings"]],
            [m["id"] for m in item["measures"]],
        )
        for item in response.json()["items"]
    ]


def test_result_page_and_api_show_the_same_rows(scene, client):
    """Both read result_sheet: the same items, checkpoints, findings, categories and measures,
    before anything is recorded and after a problem, a chosen category and a measure."""
    client.force_login(scene.member_a)
    empty = _page_rows(client, scene.visit)
    assert empty == _api_rows(client, scene.visit)
    assert [len(row[3]) for row in empty] == [13, 5]
    assert all(row[1] == "" and row[3][0][2] == "" for row in empty)

    result = _saved(scene, problem_at=2)
    item12 = scene.items[12]
    content = complete_content(scene, problem_at=2)
    items = tuple(
        replace(item, category="no_problem") if item.visit_item_id == item12.pk else item
        for item in content.items
    )
    result = actions.save_draft(
        visit=scene.visit,
        content=replace(content, items=items),
        revision=result.revision,
        actor=scene.member_a,
    )
    measure = actions.add_measure(
        item_result=result.items.get(visit_item=scene.items[11]),
        kind="other",
        opened_on=date(2022, 9, 30),
        text="当场教育",
        actor=scene.member_a,
    )
    recorded = _page_rows(client, scene.visit)
    assert recorded == _api_rows(client, scene.visit)
    by_item = {row[0]: row for row in recorded}
    item11 = by_item[scene.items[11].pk]
    assert item11[3][1][2:] == ("problem", "登记不全") and item11[4] == [measure.pk]
    assert by_item[item12.pk][1:3] == ("no_problem", "no_problem")
