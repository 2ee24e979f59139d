from datetime import date

import pytest
from django.http import Http404

from spotcheck.results import actions
from spotcheck.results.selectors import get_result_for_user, last_inspections, results_for_user
from tests.results.conftest import complete_content


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
        assert get_result_for_user(user, result.pk) == result
    assert not results_for_user(scene.other_leader).exists()
    for user in other_users_by_role.values():
        assert not results_for_user(user).exists()
        with pytest.raises(Http404):
            get_result_for_user(user, result.pk)


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
