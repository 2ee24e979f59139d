"""Finding or creating the organisations a plan or a directory names."""

import re
from datetime import datetime

from django.utils import timezone

from spotcheck.accounts.models import Agency, Unit

# "住房城乡建设等相关部门" names the housing department and, loosely, others: the agency
# created for it is the department actually named.
_LOOSE_SUFFIX = re.compile(r"(等相关部门|等有关部门|等部门|相关部门|有关部门)$")


def canonical_agency_name(text: str) -> str:
    name = re.sub(r"\s+", "", text)
    stripped = _LOOSE_SUFFIX.sub("", name)
    if stripped != name:
        return stripped + "部门"
    return name


def get_or_create_agency(name: str, *, now: datetime | None = None) -> tuple[Agency, bool]:
    """The agency named, created at `now` (the calling action's moment; default the current
    time) when there is none."""
    return Agency.objects.get_or_create(
        name=canonical_agency_name(name), defaults={"created_at": now or timezone.now()}
    )


def get_or_create_unit(
    agency: Agency, name: str, *, now: datetime | None = None
) -> tuple[Unit, bool]:
    """The agency's unit named, created at `now` (default the current time) when there is none."""
    return Unit.objects.get_or_create(
        agency=agency,
        name=re.sub(r"\s+", "", name),
        defaults={"created_at": now or timezone.now()},
    )
