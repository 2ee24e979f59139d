"""Whether the stored counts have the layout this code reads (docs/statistics.md, "Upgrading").

`FACTS_LAYOUT_VERSION` is the layout of the stored counts this code expects.
Bump rule: add 1 whenever a release adds or changes a kind of stored count (a new `Fact` kind,
a new counting table, a changed key) that `rebuild_facts()` must recompute for existing data,
and add a migration running `stamp_when_empty(<new version>)` so that fresh installs stay
current without a rebuild. History: 1 = Fact, VisitFact, EntityCheck; 2 = CoverageCount and
the `public_item` / `public_month` kinds; 3 = the `due_month` kind; 4 = FairnessLoad,
FairnessTally and the `target_replaced` kind.

Until `rebuild_facts()` stamps the current version, a deployment with data to count gets a
system-check warning and the dashboard and the public statistics page show no numbers. A
database without the row (emptied whole, e.g. flushed) counts as current: every upgrade writes
the row in its migration, so only a database that was emptied lacks it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import DatabaseError
from django.utils import timezone

from spotcheck.inspections.models import Visit
from spotcheck.registry.models import Entity
from spotcheck.stats.models import FactsLayout

FACTS_LAYOUT_VERSION = 4
REBUILD_COMMAND = "spotcheck stats-rebuild"


def stored_version() -> int | None:
    """The stamped layout version, None when there is no row."""
    return FactsLayout.objects.order_by("pk").values_list("version", flat=True).first()


def has_data_to_count() -> bool:
    """Anything the stored counts are made from: visits, or a directory (coverage)."""
    return Visit.objects.exists() or Entity.objects.exists()


def facts_are_stale() -> bool:
    """The stored counts are older than the code's layout and there is something to count."""
    stored = stored_version()
    if stored is None or stored >= FACTS_LAYOUT_VERSION:
        return False
    return has_data_to_count()


def stamp_current() -> None:
    """Record that the stored counts have the code's layout (called by `rebuild_facts()`)."""
    FactsLayout.objects.all().delete()
    FactsLayout.objects.create(version=FACTS_LAYOUT_VERSION, rebuilt_at=timezone.now())


def stale_facts_check(**_kwargs: Any) -> list[Any]:
    """System check: warn, with the command to run, while the stored counts are stale."""
    from django.core.checks import Warning

    try:
        stale = facts_are_stale()
        stored = stored_version()
    except DatabaseError:  # not migrated yet, or no database: nothing to say
        return []
    if not stale:
        return []
    return [
        Warning(
            f"统计汇总表的结构版本为 {stored}，当前程序需要 {FACTS_LAYOUT_VERSION}："
            "统计页面和公开统计页在重建前不显示数字。",
            hint=f"请运行 `{REBUILD_COMMAND}` 重建统计汇总表（一次即可）。",
            id="stats.W001",
        )
    ]


def stamp_when_empty(version: int) -> Callable[[Any, Any], None]:
    """A migration's RunPython step: stamp `version` when the database has nothing to count
    (a fresh install needs no rebuild); otherwise keep (or write, as 0) an older stamp, so that
    the deployment is told to rebuild."""

    def forward(apps: Any, schema_editor: Any) -> None:
        layout = apps.get_model("stats", "FactsLayout")
        empty = (
            not apps.get_model("inspections", "Visit").objects.exists()
            and not apps.get_model("registry", "Entity").objects.exists()
        )
        if empty:
            layout.objects.all().delete()
            layout.objects.create(version=version)
        elif not layout.objects.exists():
            layout.objects.create(version=0)

    return forward
