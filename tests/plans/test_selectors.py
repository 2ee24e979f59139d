"""Agency scoping of plans: drafts stay inside their agency; only the plan's own agency
publishes it."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from spotcheck.accounts.models import Role
from spotcheck.plans.actions import publish_plan
from spotcheck.plans.models import Plan
from spotcheck.plans.selectors import managed_plans, plans_for_user

pytestmark = pytest.mark.django_db


def test_other_agencys_draft_plan_is_not_found(client, coordinator, seed_plan, other_plan):
    client.force_login(coordinator)
    assert client.get(reverse("plans:detail", args=[seed_plan.pk])).status_code == 200
    for url in (
        reverse("plans:detail", args=[other_plan.pk]),
        reverse("plans:export", args=[other_plan.pk, "json"]),
        f"/api/v1/plans/{other_plan.pk}/items",
    ):
        assert client.get(url).status_code == 404, url
    listed = {p["id"] for p in client.get("/api/v1/plans").json()}
    assert listed == {seed_plan.pk}
    assert set(plans_for_user(coordinator)) == {seed_plan}


def test_other_agencys_coordinator_cannot_publish_our_plan(client, seed_plan, other_users_by_role):
    stranger = other_users_by_role[Role.COORDINATOR]
    client.force_login(stranger)
    assert client.post(reverse("plans:publish", args=[seed_plan.pk])).status_code == 404
    seed_plan.refresh_from_db()
    assert seed_plan.status == Plan.Status.DRAFT
    with pytest.raises(PermissionDenied):
        publish_plan(plan=seed_plan, actor=stranger)


def test_a_published_plan_is_public_but_managed_only_by_its_agency(
    client, published_plan, other_users_by_role
):
    stranger = other_users_by_role[Role.COORDINATOR]
    client.force_login(stranger)
    page = client.get(reverse("plans:detail", args=[published_plan.pk]))
    assert page.status_code == 200
    assert published_plan in plans_for_user(stranger)
    assert published_plan not in managed_plans(stranger)
    assert client.get(reverse("inspections:round", args=[published_plan.pk, 1])).status_code == 404
