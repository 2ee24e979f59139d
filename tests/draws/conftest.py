"""A small, self-contained directory for draw tests, written with the ORM.

The registry app's import action is built separately; these fixtures insert entities directly:
either 100 hotels with well-formed credit codes, or the deterministic demo county
(spotcheck.lib.demo.generate_county) whose type mix matches the ratio-based items of the 2022 plan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import Any

import pytest

from spotcheck.accounts.models import Agency
from spotcheck.lib.codes import make_credit_code
from spotcheck.lib.demo import DemoCounty, generate_county
from spotcheck.registry.models import CodeKind, Entity, TargetType

DRAW_DAY = date(2024, 3, 1)
WITNESSES = [("张三", "31415926535"), ("李四", "8979323846")]


@lru_cache(maxsize=1)
def demo_county() -> DemoCounty:
    return generate_county(2022, 600, as_of=DRAW_DAY)


def public_id_for(code: str, name: str) -> str:
    if code:
        return code
    return "SC" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:16].upper()


def insert_entities(agency: Agency, rows: Iterable[dict[str, Any]]) -> list[Entity]:
    """bulk_create entities and their target types; rows carry `types` (type names)."""
    rows = list(rows)
    types = {name: TargetType.resolve(name) for row in rows for name in row["types"]}
    entities = Entity.objects.bulk_create(
        Entity(agency=agency, **{k: v for k, v in row.items() if k != "types"}) for row in rows
    )
    if not all(e.pk for e in entities):  # backends without RETURNING ids
        by_id = Entity.objects.in_bulk([e.public_id for e in entities], field_name="public_id")
        entities = [by_id[e.public_id] for e in entities]
    through = Entity.target_types.through
    through.objects.bulk_create(
        through(entity_id=entity.pk, targettype_id=types[name].pk)
        for entity, row in zip(entities, rows, strict=True)
        for name in row["types"]
    )
    return entities


def hotel_rows(count: int, *, risk: tuple[int, int, int, int] = (60, 25, 10, 5), start: int = 0):
    levels = (
        ["low"] * risk[0] + ["medium_low"] * risk[1] + ["medium"] * risk[2] + ["high"] * risk[3]
    )
    for n in range(start, start + count):
        code = make_credit_code("9", "2", "370323", f"MA{n:06d}")
        yield {
            "public_id": code,
            "credit_code": code,
            "code_kind": CodeKind.CREDIT_CODE,
            "name": f"沂源县测试{n:03d}号宾馆",
            "risk_level": levels[n % len(levels)] if levels else "",
            "status": "active",
            "types": ["宾馆旅店"],
        }


@pytest.fixture
def plan(published_plan):
    return published_plan


@pytest.fixture
def hotel_item(plan):
    return plan.items.get(number=1)


@pytest.fixture
def hotels(plan) -> list[Entity]:
    """100 operating hotels: 60 low, 25 medium-low, 10 medium, 5 high risk."""
    return insert_entities(plan.agency, hotel_rows(100))


@pytest.fixture
def demo_directory(plan) -> list[Entity]:
    county = demo_county()
    rows = []
    for entity in county.entities:
        code = entity.code
        rows.append(
            {
                "public_id": public_id_for(code, entity.name),
                "credit_code": code,
                "code_kind": (
                    CodeKind.NONE
                    if not code
                    else CodeKind.REGISTRATION_NUMBER
                    if len(code) == 15
                    else CodeKind.CREDIT_CODE
                ),
                "name": entity.name,
                "town": entity.town,
                "risk_level": str(entity.risk_level),
                "status": str(entity.status),
                "types": list(entity.target_types),
            }
        )
    return insert_entities(plan.agency, rows)


@pytest.fixture
def ratio_items(plan):
    return list(
        plan.items.filter(event_driven=False, ratio_percent__isnull=False).order_by("number")
    )
