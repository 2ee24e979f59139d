"""Finding or creating the organisations a plan or a directory names."""

import re

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


def get_or_create_agency(name: str) -> tuple[Agency, bool]:
    return Agency.objects.get_or_create(name=canonical_agency_name(name))


def get_or_create_unit(agency: Agency, name: str) -> tuple[Unit, bool]:
    return Unit.objects.get_or_create(agency=agency, name=re.sub(r"\s+", "", name))
