import pytest
from django.core.management import CommandError, call_command

from spotcheck.registry.models import Entity, EntityStatus, Inspector, Recusal
from tests.conftest import DEMO_AS_OF

pytestmark = pytest.mark.django_db


def test_every_ratio_item_of_the_2022_plan_finds_an_active_population(seed_plan, tmp_path):
    call_command(
        "demo_data",
        "--seed",
        "2022",
        "--as-of",
        "2024-03-01",
        "--dir",
        str(tmp_path),
        "--no-progress",
    )
    ratio_items = [item for item in seed_plan.items.all() if item.ratio_percent is not None]
    assert [item.number for item in ratio_items] == [1, 2, 3, 4, 8, 9, 10, 11]
    for item in ratio_items:
        assert item.entity_type is not None, item
        population = Entity.objects.filter(
            agency=seed_plan.agency, status=EntityStatus.ACTIVE, target_types=item.entity_type
        )
        assert population.count() > 0, item.name
        # The plan's own estimate of targets (5 % of the population) fits the demo county.
        if item.estimated_targets:
            assert population.count() * item.ratio_percent / 100 >= item.estimated_targets * 0.5
    units = {item.responsible_unit for item in ratio_items}
    for unit in units:
        assert Inspector.objects.filter(unit=unit, is_active=True).count() >= 2, unit
    joint = seed_plan.items.get(number=1)
    (housing,) = joint.cooperating_agencies.all()
    assert Inspector.objects.filter(agency=housing).count() >= 2


def test_demo_data_is_idempotent_and_real_files_are_written(tmp_path, capsys):
    call_command(
        "demo_data", "--seed", "5", "--entities", "80", "--dir", str(tmp_path), "--no-progress"
    )
    first = (Entity.objects.count(), Inspector.objects.count(), Recusal.objects.count())
    call_command(
        "demo_data", "--seed", "5", "--entities", "80", "--dir", str(tmp_path), "--no-progress"
    )
    assert (Entity.objects.count(), Inspector.objects.count(), Recusal.objects.count()) == first
    assert first[0] == 80
    assert "未变80" in capsys.readouterr().out
    assert {p.name for p in tmp_path.iterdir()} == {
        "entities.csv",
        "inspectors.csv",
        "recusals.csv",
    }


def test_demo_data_refuses_sizes_the_county_cannot_name():
    with pytest.raises(CommandError, match="1到2000"):
        call_command("demo_data", "--entities", "5000", "--no-progress")


def test_setup_demo_loads_the_directory_once(capsys):
    call_command("setup_demo")
    out = capsys.readouterr().out
    assert "600个检查对象" in out
    entities = Entity.objects.count()
    call_command("setup_demo")
    assert Entity.objects.count() == entities == 600


def test_fixture_directory_is_as_of_its_date(demo_directory):
    assert demo_directory.entities.created == 120
    assert all(i.certificate_valid_until for i in Inspector.objects.all())
    assert Inspector.objects.filter(certificate_valid_until__lt=DEMO_AS_OF).count() == 3
