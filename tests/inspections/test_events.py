"""Events of event-driven items on their own page: a date inside the item's window, the
organiser from the directory or new, the ceremony entered as at a draw, a mistaken event
cancelled before its ceremony (with a reason, audited)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils.html import escape

from spotcheck.audit.models import AuditEntry
from spotcheck.inspections.actions import (
    InspectionError,
    cancel_event,
    match_event_team,
    register_event,
)
from spotcheck.inspections.models import Event, Visit, window_days
from spotcheck.inspections.selectors import organiser_suggestions
from spotcheck.registry.models import Entity

pytestmark = pytest.mark.django_db

WITNESSES = [("王五", "271828182845"), ("赵六", "904523536028")]


@pytest.fixture
def item(published_plan, directory):
    item = published_plan.items.get(number=5)
    assert item.event_driven
    return item


def window_of(item):
    return window_days(item.plan.year, item.window_start_month or 1, item.window_end_month or 12)


def register(item, actor, **changes):
    fields = {
        "item": item,
        "organiser": "县文化馆",
        "place": "沂源县体育中心",
        "date": window_of(item)[0],
        "scale": "约3000人",
        "actor": actor,
        **changes,
    }
    return register_event(**fields)


def test_a_date_outside_the_items_window_is_refused_naming_it(published_plan, item, coordinator):
    item.window_start_month, item.window_end_month = 6, 8
    item.save(update_fields=["window_start_month", "window_end_month"])
    with pytest.raises(InspectionError) as error:
        register(item, coordinator, date=date(2022, 9, 1))
    assert "6月—8月" in str(error.value) and "2022-06-01至2022-08-31" in str(error.value)
    assert not Event.objects.exists()
    assert register(item, coordinator, date=date(2022, 8, 31)).date == date(2022, 8, 31)


def test_organiser_picked_from_the_directory_is_linked(item, coordinator):
    entity = Entity.objects.filter(agency=item.plan.agency).order_by("pk").first()
    event = register(item, coordinator, organiser="", organiser_entity=entity)
    assert event.organiser_entity == entity and event.organiser == entity.name
    new = register(item, coordinator, organiser="一家名录里没有的公司")
    assert new.organiser_entity is None and new.visit.entity_key == f"event-{new.pk}"


def test_a_mistaken_event_is_cancelled_before_its_ceremony(item, coordinator):
    event = register(item, coordinator)
    key = event.visit.visit_key
    with pytest.raises(InspectionError, match="原因"):
        cancel_event(event=event, reason="  ", actor=coordinator)
    cancel_event(event=event, reason="重复登记", actor=coordinator)
    event.refresh_from_db()
    assert event.is_cancelled and event.cancel_reason == "重复登记"
    assert not Visit.objects.filter(event=event).exists()
    entry = AuditEntry.objects.get(action="inspections.cancel_event")
    assert entry.details == {"reason": "重复登记", "visit": key}
    with pytest.raises(InspectionError, match="已取消"):
        match_event_team(event=event, witnesses=WITNESSES, beacon=None, actor=coordinator)
    with pytest.raises(InspectionError, match="已经取消"):
        cancel_event(event=event, reason="再取消", actor=coordinator)


def test_an_event_cannot_be_cancelled_after_its_ceremony(item, coordinator):
    event = register(item, coordinator)
    match_event_team(event=event, witnesses=WITNESSES, beacon=None, actor=coordinator)
    with pytest.raises(InspectionError, match="已经匹配"):
        cancel_event(event=event, reason="写错了", actor=coordinator)
    assert not Event.objects.get().is_cancelled


def test_events_page_registers_holds_the_ceremony_and_cancels(client, item, coordinator):
    client.force_login(coordinator)
    url = reverse("inspections:event_register", args=[item.plan.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="date"' in html and 'list="organisers"' in html and "<datalist" in html
    first = window_of(item)[0]
    data = {"item": item.pk, "place": "体育场", "date": first, "scale": "3000人"}
    response = client.post(url, {**data, "organiser": "县文化馆"}, follow=True)
    html = response.content.decode()
    assert "新单位" in html
    assert "witness_1" in html and "digits_1" in html  # the ceremony, as at a draw
    outside = date(item.plan.year - 1, 12, 31)
    response = client.post(url, {**data, "organiser": "县文化馆", "date": outside})
    assert response.status_code == 200 and "min=" in response.content.decode()
    assert Event.objects.count() == 1
    event = Event.objects.get()
    response = client.post(
        reverse("inspections:event_cancel", args=[event.pk]), {"reason": "日期填错"}, follow=True
    )
    assert "已取消活动登记" in response.content.decode() and "日期填错" in response.content.decode()
    client.post(url, {**data, "organiser": "县文化馆"})
    again = Event.objects.get(cancelled_at__isnull=True)
    response = client.post(
        reverse("inspections:event_match", args=[again.pk]),
        {
            "witness_1": "王五",
            "digits_1": "1234567890",
            "witness_2": "赵六",
            "digits_2": "0987654321",
        },
        follow=True,
    )
    assert "已为活动" in response.content.decode()
    again.refresh_from_db()
    assert again.visit.current_members().exists()


def suggested(html: str) -> list[str]:
    found = re.search(r'<datalist id="organisers">(.*?)</datalist>', html, re.S)
    assert found, "no organisers datalist"
    return re.findall(r'<option value="([^"]*)">', found[1])


def test_both_event_forms_suggest_the_same_directory_units(client, item, coordinator):
    """The events page and the round page both register events: both suggest the directory's
    units of the types the event-driven items draw from (all units when none is of those
    types), not the rest of the directory."""
    plan = item.plan
    names = organiser_suggestions(plan)
    agency_units = Entity.objects.filter(agency=plan.agency)
    assert item.entity_type is not None and item.target_type != item.entity_type.name
    own_type = set(
        agency_units.filter(target_types=item.entity_type).values_list("name", flat=True)
    )
    event_types = plan.items.filter(event_driven=True).values("entity_type")
    of_events = agency_units.filter(target_types__in=event_types).values_list("name", flat=True)
    assert own_type and own_type <= set(names) and set(names) == set(of_events)
    assert len(names) < agency_units.count()
    client.force_login(coordinator)
    for url in (
        reverse("inspections:event_register", args=[plan.pk]),
        reverse("inspections:round", args=[plan.pk, 1]),
    ):
        html = client.get(url).content.decode()
        assert 'list="organisers"' in html, url
        assert suggested(html) == [escape(name) for name in names], url
    plan.items.filter(event_driven=True).update(entity_type=None, target_type="名录中没有的类型")
    everyone = set(agency_units.values_list("name", flat=True))
    fallback = organiser_suggestions(plan)
    assert len(fallback) == min(500, len(everyone)) and set(fallback) <= everyone
    assert set(fallback) - set(of_events)
