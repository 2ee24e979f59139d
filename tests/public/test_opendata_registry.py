"""What a draw published shows after the registry changes: the names stored at selection."""

from __future__ import annotations

import json

import pytest
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.urls import reverse

from spotcheck.public import opendata
from spotcheck.public.cache import clear_public_pages
from spotcheck.public.models import public_version
from spotcheck.registry.actions import update_entity
from spotcheck.registry.models import Entity
from tests.inspections.conftest import run_draw

pytestmark = pytest.mark.django_db

YEAR = 2022


def test_a_registry_change_after_the_draw_leaves_the_published_selection_alone(
    client, published_plan, directory, coordinator
):
    """The bulletin and the open data show the name stored when the entity was selected: the
    operator of a sole trader changed in the registry later neither unmasks the name (张三丰)
    nor changes what was published, so the year's published version stays right."""
    Entity.objects.update(
        legal_representative="张三丰",
        name=Concat(Value("张三丰"), F("name")),
        credit_code=Concat(Value("92"), Substr("credit_code", 3)),
    )
    item = published_plan.items.filter(event_driven=False).order_by("number").first()
    draw = run_draw(item, coordinator)
    selections = list(draw.selections.select_related("entity"))
    assert selections and all(s.public_name.startswith("张**") for s in selections)
    version = public_version(YEAR)
    for selection in selections:
        update_entity(
            entity=selection.entity,
            actor=coordinator,
            values={"legal_representative": "李四", "name": f"{selection.name}（新）"},
        )
    clear_public_pages()
    page = client.get(reverse("public:bulletin", args=[draw.pk])).content.decode()
    rows = json.dumps(list(opendata.draw_rows(YEAR)), ensure_ascii=False, default=str)
    for text in (page, rows):
        assert "张三丰" not in text and "（新）" not in text
        assert all(s.public_name in text for s in selections)
    assert public_version(YEAR) == version
