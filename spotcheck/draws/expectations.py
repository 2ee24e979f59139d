"""What the fairness statistics need of an executed draw, stored once when it is executed (the
frozen population is never read again for the statistics): per stratum, its population cut
into consecutive groups with the selections expected and drawn in each (DrawBin,
lib.stats.position_bins). execute_draw calls `record_bins`; so do the backfill of draws
executed before the table existed and the benchmark's data generator."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

from spotcheck.draws.models import Draw, DrawBin, DrawSelection
from spotcheck.lib import stats


def draw_event(draw: Draw) -> str:
    """The random experiment a draw is: the same seed, population and allocation make the same
    selection (tickets depend on the seed and the ids only), so such draws count once."""
    allocation = json.dumps(draw.allocation, sort_keys=True)
    text = f"{draw.seed}\n{draw.population_hash}\n{allocation}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_bins(draw: Draw, *, strata: Mapping[str, Sequence[str]] | None = None) -> int:
    """Store (replace) the draw's DrawBin rows from its frozen population (`strata`, when the
    caller has it parsed already) and its drawn selections; returns the number of rows."""
    if draw.status != Draw.Status.EXECUTED:
        raise ValueError(f"draw {draw.pk} is not executed")
    if strata is None:
        strata = draw.population_strata()
    drawn: dict[str, list[str]] = {}
    for stratum, public_id in DrawSelection.objects.filter(
        draw=draw, kind=DrawSelection.Kind.DRAWN
    ).values_list("stratum", "public_id"):
        drawn.setdefault(stratum, []).append(public_id)
    event = draw_event(draw)
    rows = []
    for stratum, ids in strata.items():
        if not ids:
            continue
        probability = min(1.0, draw.allocation.get(stratum, 0) / len(ids))
        found = stats.position_bins(ids, drawn.pop(stratum, []), probability)
        rows.extend(
            DrawBin(
                draw=draw,
                event=event,
                stratum=stratum,
                bins=len(found),
                position=b.position,
                probability=probability,
                population=b.population,
                expected=b.expected,
                observed=b.observed,
            )
            for b in found
        )
    if any(drawn.values()):
        raise ValueError(f"draw {draw.pk}: selections in strata outside its population")
    DrawBin.objects.filter(draw=draw).delete()
    DrawBin.objects.bulk_create(rows)
    return len(rows)
