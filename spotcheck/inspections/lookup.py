"""Finding visits, proposals, events and members from command-line references."""

from django.core.exceptions import ObjectDoesNotExist

from spotcheck.inspections.models import Event, JointProposal, TeamMember, Visit
from spotcheck.plans.exports import find_plan
from spotcheck.plans.models import PlanItem


def find_visit(ref: str) -> Visit:
    """A visit by id, or by its visit key (e.g. 2022/91370323MA3C000001/8+9+10+11)."""
    visits = Visit.objects.select_related("plan", "responsible_unit")
    if ref.isdigit() and visits.filter(pk=int(ref)).exists():
        return visits.get(pk=int(ref))
    found = visits.filter(visit_key=ref)
    if found.count() == 1:
        return found.get()
    raise ObjectDoesNotExist(f"找不到检查任务“{ref}”：请使用任务编号或检查编号")


def find_member(visit: Visit, inspector_ref: str) -> TeamMember:
    """A current member of the visit's team by certificate number, badge number or name."""
    for field in ("inspector__certificate_number", "inspector__badge_number", "inspector__name"):
        found = visit.current_members().filter(**{field: inspector_ref})
        if found.count() == 1:
            return found.get()
    raise ObjectDoesNotExist(f"“{inspector_ref}”不是检查任务{visit.visit_key}的现任组员")


def find_item(plan_ref: str, number: str) -> PlanItem:
    plan = find_plan(plan_ref)
    try:
        return plan.items.get(number=int(number))
    except (ValueError, PlanItem.DoesNotExist):
        raise ObjectDoesNotExist(f"计划“{plan.title}”中没有事项{number}") from None


def find_proposal(ref: str) -> JointProposal:
    try:
        return JointProposal.objects.select_related("plan", "entity").get(pk=int(ref))
    except (ValueError, JointProposal.DoesNotExist):
        raise ObjectDoesNotExist(f"找不到联合检查建议“{ref}”") from None


def find_event(ref: str) -> Event:
    try:
        return Event.objects.select_related("item__plan").get(pk=int(ref))
    except (ValueError, Event.DoesNotExist):
        raise ObjectDoesNotExist(f"找不到活动登记“{ref}”") from None
