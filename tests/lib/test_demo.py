from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from spotcheck.lib.codes import classify_entity_code
from spotcheck.lib.demo import (
    HOUSING_AGENCY,
    POLICE_AGENCY,
    TOWNS,
    DemoCounty,
    generate_county,
    write_demo_files,
)
from spotcheck.lib.directory import (
    DEFAULT_TARGET_TYPES,
    ENTITY_COLUMNS,
    INSPECTOR_COLUMNS,
    OPEN_ENDED,
    RECUSAL_COLUMNS,
    EntityRecord,
    InspectorRecord,
    InspectorStatus,
    OperatingStatus,
    RecusalRecord,
    RiskLevel,
    validate_entity_row,
    validate_inspector_row,
    validate_recusal_row,
)
from spotcheck.lib.tabular import HeaderMap, iter_rows


@pytest.fixture(scope="module")
def county() -> DemoCounty:
    return generate_county(2022)


def test_deterministic() -> None:
    assert generate_county(5, 120) == generate_county(5, 120)
    assert generate_county(5, 120) != generate_county(6, 120)


def test_real_towns_and_division(county: DemoCounty) -> None:
    assert county.division == "370323"
    assert len(TOWNS) == 12 and {"历山街道", "南麻街道", "鲁村镇", "南鲁山镇"} <= set(TOWNS)
    assert {entity.town for entity in county.entities} == set(TOWNS)


def test_target_mix_matches_the_plan(county: DemoCounty) -> None:
    counts = {kind: len(county.entities_of_type(kind)) for kind in county.target_types}
    assert len(county.entities) == 600
    # 5 % of each gives the plan's estimates: 5 precursor users, 1 security firm, 2 pharma, 3 net.
    assert counts["使用易制毒化学品的企业"] == 100
    assert counts["保安服务公司"] == 20
    assert counts["医药公司"] == 40
    assert counts["互联网服务提供者和联网使用单位"] == 60
    assert counts["宾馆旅店"] >= 300
    assert all(count > 0 for count in counts.values())
    assert all(DEFAULT_TARGET_TYPES.resolve(kind) == kind for kind in counts)
    assert sum(len(entity.target_types) > 1 for entity in county.entities) == 28


def test_scaling_keeps_every_type() -> None:
    small = generate_county(1, 40)
    assert len(small.entities) == 40
    assert all(small.entities_of_type(kind) for kind in small.target_types)
    assert len(generate_county(1, 3).entities) == 3
    with pytest.raises(ValueError):
        generate_county(1, 0)


def test_names_and_codes(county: DemoCounty) -> None:
    names = [entity.name for entity in county.entities]
    assert len(set(names)) == len(names)
    codes = [entity.code for entity in county.entities if entity.code]
    assert len(set(codes)) == len(codes)
    kinds = Counter(classify_entity_code(entity.code).kind for entity in county.entities)
    assert all(classify_entity_code(code).valid for code in codes)
    assert kinds["credit_code"] > 550
    assert kinds["registration_number"] >= 3
    assert kinds["none"] >= 3
    assert any(code.startswith("92370323") for code in codes)  # individual businesses
    assert any(code.startswith("91370300") for code in codes)  # registered by the city


def test_risk_and_status_mix(county: DemoCounty) -> None:
    risks = Counter(entity.risk_level for entity in county.entities)
    assert risks[RiskLevel.LOW] > 0.6 * len(county.entities)
    assert risks[RiskLevel.HIGH] > 0
    statuses = Counter(entity.status for entity in county.entities)
    assert statuses[OperatingStatus.ACTIVE] > 0.85 * len(county.entities)
    for status in (
        OperatingStatus.DEREGISTERED,
        OperatingStatus.REVOKED,
        OperatingStatus.SUSPENDED,
    ):
        assert statuses[status] > 0


def test_hotel_licences(county: DemoCounty) -> None:
    hotels = county.entities_of_type("宾馆旅店")
    licensed = [hotel for hotel in hotels if hotel.licence_number]
    assert 0.85 * len(hotels) < len(licensed) < len(hotels)
    expired = [
        hotel
        for hotel in licensed
        if hotel.licence_valid_until and hotel.licence_valid_until < county.as_of
    ]
    assert expired
    assert not any(
        entity.licence_number for entity in county.entities if "宾馆旅店" not in entity.target_types
    )


def test_inspectors(county: DemoCounty) -> None:
    inspectors = county.inspectors
    departments = {
        inspector.department for inspector in inspectors if inspector.unit == POLICE_AGENCY
    }
    assert {"治安大队", "禁毒大队", "网安大队", "南麻派出所", "鲁村派出所"} <= departments
    assert any(inspector.unit == HOUSING_AGENCY for inspector in inspectors)
    assert all(
        not inspector.badge_number for inspector in inspectors if inspector.unit == HOUSING_AGENCY
    )
    numbers = [inspector.certificate_number for inspector in inspectors]
    assert len(set(numbers)) == len(numbers)
    assert sum(inspector.certificate_valid_until < county.as_of for inspector in inspectors) == 3
    inactive = [
        inspector.status_label
        for inspector in inspectors
        if inspector.status is InspectorStatus.INACTIVE
    ]
    assert sorted(inactive) == sorted(["退休", "离职", "停职"])


def test_recusals_point_at_known_people_and_entities(county: DemoCounty) -> None:
    certificates = {inspector.certificate_number for inspector in county.inspectors}
    names = {entity.name for entity in county.entities}
    assert len(county.recusals) == 8
    for recusal in county.recusals:
        assert recusal.certificate_number in certificates
        assert recusal.entity_name in names
        assert recusal.valid_until is None or recusal.valid_until > recusal.valid_from


def test_demo_files_pass_the_import_path(county: DemoCounty, tmp_path: Path) -> None:
    paths = write_demo_files(county, tmp_path / "demo")
    assert sorted(paths) == ["entities.csv", "inspectors.csv", "recusals.csv"]

    header, rows = iter_rows(paths["entities.csv"], "entities.csv")
    mapping = HeaderMap.match(header, ENTITY_COLUMNS)
    assert mapping.ok and not mapping.unknown
    entities = []
    for row_number, cells in rows:
        result = validate_entity_row(
            row_number, mapping.pick(cells), towns=TOWNS, today=county.as_of
        )
        assert isinstance(result, EntityRecord), (row_number, result)
        entities.append(result)
    assert [record.name for record in entities] == [entity.name for entity in county.entities]
    assert [record.code for record in entities] == [entity.code for entity in county.entities]
    assert [record.target_types for record in entities] == [
        entity.target_types for entity in county.entities
    ]
    assert [record.status for record in entities] == [entity.status for entity in county.entities]
    assert [record.licence_valid_until for record in entities] == [
        entity.licence_valid_until for entity in county.entities
    ]

    header, rows = iter_rows(paths["inspectors.csv"], "inspectors.csv")
    mapping = HeaderMap.match(header, INSPECTOR_COLUMNS)
    assert mapping.ok and not mapping.unknown
    inspectors = [
        validate_inspector_row(number, mapping.pick(cells), today=county.as_of)
        for number, cells in rows
    ]
    assert all(isinstance(record, InspectorRecord) for record in inspectors)
    assert [
        record.certificate_number for record in inspectors if isinstance(record, InspectorRecord)
    ] == [inspector.certificate_number for inspector in county.inspectors]
    expired = [
        record for record in inspectors if isinstance(record, InspectorRecord) and record.warnings
    ]
    assert len(expired) == 3

    header, rows = iter_rows(paths["recusals.csv"], "recusals.csv")
    mapping = HeaderMap.match(header, RECUSAL_COLUMNS)
    recusals = [validate_recusal_row(number, mapping.pick(cells)) for number, cells in rows]
    assert all(isinstance(record, RecusalRecord) for record in recusals)
    assert [record.reason for record in recusals if isinstance(record, RecusalRecord)] == [
        recusal.reason for recusal in county.recusals
    ]


def test_as_of_moves_the_dates() -> None:
    later = generate_county(3, 60, as_of=date(2025, 6, 1))
    assert all(entity.risk_assessed_on < date(2025, 6, 1) for entity in later.entities)
    assert all(inspector.certificate_valid_until != OPEN_ENDED for inspector in later.inspectors)


def test_some_sole_trader_inns_trade_under_their_operators_name(county: DemoCounty) -> None:
    """Sole traders (个体工商户, "92…") whose name holds their operator's: the portal publishes
    them masked, and the demo shows it (tests/public/test_demo_year_played.py)."""
    from spotcheck.lib.publication import public_entity_name

    named = [
        entity
        for entity in county.entities
        if entity.code.startswith("92") and entity.legal_representative in entity.name
    ]
    inns = [e for e in county.entities_of_type("宾馆旅店") if e.name.endswith("农家旅馆")]
    assert 0 < len(named) < len(inns)
    for entity in named:
        public = public_entity_name(
            entity.name, credit_code=entity.code, operators=[entity.legal_representative]
        )
        assert "*" in public and entity.legal_representative not in public
    assert named == [e for e in generate_county(2022).entities if e.legal_representative in e.name]
