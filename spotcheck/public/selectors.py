"""What the public sees: one published-only selector per model.

Everything here answers the same question, "is it public?", with the one rule of
`spotcheck.plans.models.plan_is_public` (an object is public when its plan is published). The
public pages, draw.json, the feeds and the open data read only through these selectors, never
through the staff selectors (which add an agency's own drafts for its staff). The last section
holds the staff side of publication (what a unit may publish or withdraw).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.db.models import Exists, Min, Q, QuerySet

from spotcheck.accounts.actors import AnyUser
from spotcheck.accounts.models import Role
from spotcheck.accounts.permissions import has_right, is_deployment_wide, narrow_to_agency
from spotcheck.draws.models import Draw
from spotcheck.inspections.models import TeamMatching
from spotcheck.lib.codes import normalise_code
from spotcheck.lib.pinyin import name_key
from spotcheck.plans.models import Plan, PlanItem, PlanRevision, plan_is_public
from spotcheck.prepared import Kind, PreparedQuery
from spotcheck.public.models import PublicName, PublicNameKey, PublishedResult
from spotcheck.registry.search import prefix_end, prefix_range
from spotcheck.results.models import Result


def published_plans() -> QuerySet[Plan]:
    return Plan.objects.filter(plan_is_public()).select_related("agency")


def published_items() -> QuerySet[PlanItem]:
    return PlanItem.objects.filter(plan_is_public("plan")).select_related(
        "plan", "plan__agency", "entity_type"
    )


def published_revisions() -> QuerySet[PlanRevision]:
    """Published revisions (计划调整) of published plans."""
    return PlanRevision.objects.filter(
        plan_is_public("plan"), status=PlanRevision.Status.PUBLISHED
    ).select_related("plan", "plan__agency")


def published_draws() -> QuerySet[Draw]:
    """Draws of published plans: from the moment a draw is prepared its commitment is public."""
    return Draw.objects.public().select_related(
        "item", "item__plan", "item__plan__agency", "item__entity_type"
    )


def published_matchings() -> QuerySet[TeamMatching]:
    return TeamMatching.objects.filter(plan_is_public("plan")).select_related(
        "plan", "event", "event__organiser_entity"
    )


def latest_bulletins(limit: int = 10) -> list[Draw]:
    return list(published_draws().order_by("-prepared_at", "-pk")[:limit])


# --- published results ----------------------------------------------------------------------


def published_versions() -> QuerySet[PublishedResult]:
    """Every published result record of published plans, the earlier versions that a
    correction superseded included (the result page lists them; nothing disappears silently)."""
    return PublishedResult.objects.filter(plan_is_public("plan")).select_related("agency", "plan")


def published_results() -> QuerySet[PublishedResult]:
    """Published result records of published plans, current ones (a record published again
    after an amendment supersedes the earlier one), withdrawn ones included: their pages say
    they were withdrawn and when."""
    return published_versions().filter(superseded_at__isnull=True)


def first_published_on(result_ids: Iterable[int]) -> dict[int, date]:
    """The day each result was first published: its first version's date. A result's
    publication deadline (公示期限) is met or missed by that day; a correction republished
    later (a new version, the earlier one superseded) does not make it late."""
    rows = (
        PublishedResult.objects.filter(result_id__in=set(result_ids))
        .values("result_id")
        .annotate(first=Min("published_on"))
        .order_by()
    )
    return {row["result_id"]: row["first"] for row in rows}


def live_results() -> QuerySet[PublishedResult]:
    """Published and not withdrawn: what searches and statistics count."""
    return published_results().filter(withdrawn_at__isnull=True)


CODE_LIKE = re.compile(r"(?=.*\d)[0-9A-Z]{4,18}")  # a credit code or registration number prefix
LETTERS = re.compile(r"[a-z]+")  # pinyin initials
# A text found in more names than this is common ("有限公司", "gs"): its records are then read
# newest first and filtered, which soon fills a page; a rarer one is looked up by its names.
SEARCH_NAMES_LIMIT = 500


def search_published_results(text: str) -> QuerySet[PublishedResult] | None:
    """The published records (withdrawn ones marked, as everywhere) a search box finds, or
    None for an empty box: a credit code or registration number by its first characters; Latin
    letters as pinyin initials anywhere in the name (yybg, or bg for ...宾馆) or as part of the
    name; any other text as part of the name. Parts are looked up in the index of published
    names (`PublicName`), so a search reads only the records of the names it finds."""
    found = published_search(text)
    return None if found is None else SEARCHES[found[0]][0](**found[1])


def published_search(text: str) -> tuple[str, dict[str, Any]] | None:
    """What `search_published_results` finds, as the name of one of the SEARCHES and its
    values (the public search page runs it as a prepared query: spotcheck.prepared)."""
    cleaned = " ".join(text.split())[:100]
    if not cleaned:
        return None
    code = normalise_code(cleaned)
    if CODE_LIKE.fullmatch(code):
        return "code", {"start": code, "end": prefix_end(code)}
    probe = name_key(cleaned)  # "沂源 宾馆" finds 沂源宾馆, "abc科技" finds ABC科技
    by_initials = LETTERS.fullmatch(probe) is not None
    names = _names_with_part(probe)
    if names is None:  # a common text: compared by the database, on the same key
        return ("text or initials" if by_initials else "text"), {"probe": probe}
    # The names found are compared here, by the same key the stored keys were cut from.
    containing = [name for name in names if probe in name_key(name)]
    if not by_initials:
        return "names", {"containing": containing}
    return "names or initials", {"names": names, "containing": containing, "probe": probe}


def _by_code(start: str, end: str) -> QuerySet[PublishedResult]:
    by_code = prefix_range("credit_code", start, end) | prefix_range("entity_key", start, end)
    return published_results().filter(by_code)


def _by_text(probe: str) -> QuerySet[PublishedResult]:
    return published_results().filter(name_key__contains=probe)


def _by_text_or_initials(probe: str) -> QuerySet[PublishedResult]:
    match = Q(name_key__contains=probe) | Q(name_initials__contains=probe)
    return published_results().filter(match)


def _by_names(containing: list[str]) -> QuerySet[PublishedResult]:
    # one list of names: a second, overlapping one would make PostgreSQL expect far too few
    # records (it multiplies their selectivities) and scan the newest records instead
    return published_results().filter(entity_name__in=containing)


def _by_names_or_initials(
    names: list[str], containing: list[str], probe: str
) -> QuerySet[PublishedResult]:
    match = Q(entity_name__in=containing) | Q(name_initials__contains=probe)
    return published_results().filter(entity_name__in=names).filter(match)


# The searches by name, each with its values' kinds (spotcheck.prepared).
SEARCHES: dict[str, tuple[Callable[..., QuerySet[PublishedResult]], dict[str, Kind]]] = {
    "code": (_by_code, {"start": "str", "end": "str"}),
    "text": (_by_text, {"probe": "str"}),
    "text or initials": (_by_text_or_initials, {"probe": "str"}),
    "names": (_by_names, {"containing": "strs"}),
    "names or initials": (
        _by_names_or_initials,
        {"names": "strs", "containing": "strs", "probe": "str"},
    ),
}


def _name_keys(start: str, end: str) -> QuerySet[PublicNameKey]:
    return PublicNameKey.objects.filter(prefix_range("key", start, end), key__startswith=start)


_NAMES_CAP = SEARCH_NAMES_LIMIT * 4  # a name has several keys starting with a short probe


def _past_the_cap(start: str, end: str) -> QuerySet[PublicNameKey]:
    # a common text: one index entry past the cap says so, without reading `cap` rows
    return _name_keys(start, end)[_NAMES_CAP : _NAMES_CAP + 1]


_PAST_THE_CAP = PreparedQuery(
    lambda start, end: _past_the_cap(start, end).values_list("name_id", flat=True),
    start="str",
    end="str",
)
# The names, unless past the cap: the databases test an uncorrelated EXISTS once, before
# reading any name (PostgreSQL: a one-time filter), so a rare text is one statement; only an
# empty answer needs the cap asked about alone.
_NAMES = PreparedQuery(
    lambda start, end: PublicName.objects.filter(
        ~Exists(_past_the_cap(start, end)), pk__in=_name_keys(start, end).values("name_id")
    ).values_list("name", flat=True)[: SEARCH_NAMES_LIMIT + 1],
    start="str",
    end="str",
)


def _names_with_part(probe: str) -> list[str] | None:
    """The published names with a key starting with the probe's first characters (a superset
    of those containing the probe), or None when there are more than SEARCH_NAMES_LIMIT."""
    start = probe[: PublicNameKey.LENGTH]
    end = prefix_end(start)
    names = _NAMES.run(start=start, end=end)
    if not names and _PAST_THE_CAP.run(start=start, end=end):
        return None
    return None if len(names) > SEARCH_NAMES_LIMIT else names


# --- staff: what a unit publishes and withdraws ---------------------------------------------


def publishable_results(user: AnyUser) -> QuerySet[Result]:
    """Results whose publication the user manages: unit leaders their unit's visits,
    coordinators their agency's (lib.results: publishing is theirs)."""
    if not has_right(user, "result.publish"):
        return Result.objects.none()
    results = narrow_to_agency(Result.objects.all(), user, "visit__plan__agency")
    if user.role == Role.UNIT_LEADER and not is_deployment_wide(user):
        results = results.filter(visit__responsible_unit_id=user.unit_id)
    return results


def managed_publications(user: AnyUser) -> QuerySet[PublishedResult]:
    return PublishedResult.objects.filter(
        result__in=publishable_results(user).values("pk")
    ).select_related("publication", "plan")
