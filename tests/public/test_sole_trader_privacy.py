"""Nothing published about a draw names a sole trader's operator: the bulletin, draw.json (site
and API), the verification kit, the API's list and detail, the open data, both Atom feeds and
the population text show the public name (张*) only, and the kit still verifies."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.urls import reverse

from spotcheck.draws import integrity
from spotcheck.draws.models import Draw, compress_text
from spotcheck.lib import opendata as spec
from spotcheck.public.cache import clear_public_pages
from spotcheck.registry.models import Entity
from tests.inspections.conftest import run_draw
from tests.public.helpers import verify_kit

pytestmark = pytest.mark.django_db

YEAR = 2022
OPERATOR = "张三丰"


def _body(response) -> bytes:
    assert response.status_code == 200, response.content[:500]
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def published_texts(client, draw: Draw, tmp_path: Path) -> dict[str, str]:
    """Every public rendering of the draw, by where it was read; the kit unzipped under tmp_path."""
    clear_public_pages()
    urls = {
        "bulletin": reverse("public:bulletin", args=[draw.pk]),
        "bulletins": reverse("public:bulletins"),
        "draw.json": reverse("public:draw_json", args=[draw.pk]),
        "population.txt": reverse("public:population", args=[draw.pk]),
        "feed": reverse("public:feed"),
        "announcements feed": reverse("public:announcements"),
        "api list": "/api/v1/draws",
        "api detail": f"/api/v1/draws/{draw.pk}",
        "api draw.json": f"/api/v1/draws/{draw.pk}/draw.json",
    }
    for dataset in spec.DATASETS:
        for fmt in ("csv", "json"):
            urls[f"{dataset}.{fmt}"] = reverse("public:data_file", args=[YEAR, f"{dataset}.{fmt}"])
    texts = {where: _body(client.get(url)).decode("utf-8") for where, url in urls.items()}
    kit = _body(client.get(reverse("public:kit", args=[draw.pk])))
    with zipfile.ZipFile(io.BytesIO(kit)) as archive:
        for name in archive.namelist():
            texts[f"kit {name}"] = archive.read(name).decode("utf-8")
        archive.extractall(tmp_path)
    return texts


@pytest.fixture
def sole_trader_draw(published_plan, directory, coordinator) -> Draw:
    """A draw of sole traders run by 张三丰, named after him alone (张三丰) or with his name
    before their 字号 (张三丰沂源县…)."""
    Entity.objects.update(
        legal_representative=OPERATOR,
        name=Concat(Value(OPERATOR), F("name")),
        credit_code=Concat(Value("92"), Substr("credit_code", 3)),
    )
    # Every other one is called by its operator's name alone (no 字号).
    bare = list(Entity.objects.order_by("pk").values_list("pk", flat=True)[::2])
    Entity.objects.filter(pk__in=bare).update(name=OPERATOR)
    item = published_plan.items.filter(event_driven=False).order_by("number").first()
    return run_draw(item, coordinator)


def assert_nothing_names_the_operator(texts: dict[str, str], draw: Draw) -> None:
    leaks = [where for where, text in texts.items() if OPERATOR in text]
    assert not leaks, f"{OPERATOR} published in: {', '.join(leaks)}"
    selections = list(draw.selections.all())
    assert selections and all(s.public_name.startswith("张**") for s in selections)
    kit_document = next(t for w, t in texts.items() if w.endswith("/draw.json"))
    for text in (texts["bulletin"], texts["draw.json"], texts["api draw.json"], kit_document):
        assert all(s.public_name in text for s in selections)
    detail = json.loads(texts["api detail"])
    assert [s["name"] for s in detail["selection"]] == [
        s.public_name for s in draw.selections.order_by("position")
    ]


def test_no_public_path_names_a_sole_traders_operator(client, sole_trader_draw, tmp_path):
    draw = sole_trader_draw
    stored = json.dumps(draw.document(), ensure_ascii=False)
    assert OPERATOR not in stored  # masked when the document was built and stored
    texts = published_texts(client, draw, tmp_path)
    assert_nothing_names_the_operator(texts, draw)
    assert verify_kit(draw, tmp_path / f"draw-{draw.pk}-kit") == "VERIFIED"
    assert integrity.draw_problems(draw) == []


def test_a_document_stored_before_masking_is_served_masked(client, sole_trader_draw, tmp_path):
    """A draw executed before names were masked in the stored document: the stored document
    keeps the names as drawn (it is never rewritten), what is served names them as published,
    and the integrity checks still hold."""
    draw = sole_trader_draw
    document = draw.document()
    by_id = {s.public_id: s for s in draw.selections.all()}
    for public_id, info in document["entities"].items():
        info["name"] = by_id[public_id].name
    # As stored then: past the models' guards, which refuse to change an executed draw.
    models.QuerySet(Draw).filter(pk=draw.pk).update(
        document_gz=compress_text(json.dumps(document, ensure_ascii=False))
    )
    draw = Draw.objects.get(pk=draw.pk)
    assert OPERATOR in json.dumps(draw.document(), ensure_ascii=False)
    assert integrity.draw_problems(draw) == []
    texts = published_texts(client, draw, tmp_path)
    assert_nothing_names_the_operator(texts, draw)
    assert verify_kit(draw, tmp_path / f"draw-{draw.pk}-kit") == "VERIFIED"
