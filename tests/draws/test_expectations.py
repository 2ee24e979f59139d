"""The chi-square figures stored with each executed draw (DrawBin): written by execute_draw,
equal to a recomputation from the frozen population and the drawn selections."""

from __future__ import annotations

import pytest

from spotcheck.draws.expectations import draw_event, record_bins
from spotcheck.draws.models import DrawBin, DrawSelection

from .test_actions import run_draw

pytestmark = pytest.mark.django_db


def test_an_executed_draw_stores_its_groups(hotel_item, hotels, coordinator):
    draw = run_draw(hotel_item, coordinator)
    rows = list(DrawBin.objects.filter(draw=draw).order_by("stratum", "position"))
    assert rows, "execute_draw stores the draw's groups"
    strata = draw.population_strata()
    drawn = {
        s.public_id: s.stratum
        for s in DrawSelection.objects.filter(draw=draw, kind=DrawSelection.Kind.DRAWN)
    }
    for stratum, ids in strata.items():
        mine = [r for r in rows if r.stratum == stratum]
        p = min(1.0, draw.allocation.get(stratum, 0) / len(ids))
        assert [r.position for r in mine] == list(range(len(mine)))
        assert all(r.bins == len(mine) and r.probability == pytest.approx(p) for r in mine)
        assert sum(r.population for r in mine) == len(ids)
        # the groups are consecutive runs of the canonical order: recount each one
        start = 0
        for r in mine:
            run = ids[start : start + r.population]
            assert r.observed == sum(1 for i in run if drawn.get(i) == stratum)
            assert r.expected == pytest.approx(r.population * p)
            start += r.population
    assert sum(r.observed for r in rows) == len(drawn) == draw.total_allocation
    assert {r.event for r in rows} == {draw_event(draw)}


def test_recording_again_replaces_the_groups(hotel_item, hotels, coordinator):
    draw = run_draw(hotel_item, coordinator)
    before = list(DrawBin.objects.filter(draw=draw).values_list("stratum", "position", "observed"))
    DrawBin.objects.filter(draw=draw).delete()
    assert record_bins(draw) == len(before)
    again = list(DrawBin.objects.filter(draw=draw).values_list("stratum", "position", "observed"))
    assert sorted(again) == sorted(before)
