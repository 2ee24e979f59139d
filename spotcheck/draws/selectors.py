"""Draws as staff may reach them: the draws of their own agency's plans (the public pages use
`spotcheck.public.selectors.published_draws`)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from spotcheck.accounts.actors import AnyUser
from spotcheck.accounts.permissions import narrow_to_agency
from spotcheck.draws.models import Draw


def draws_for_user(user: AnyUser) -> QuerySet[Draw]:
    return narrow_to_agency(Draw.objects.all(), user, "item__plan__agency")


def get_draw_for_user(user: AnyUser, pk: int) -> Draw:
    return get_object_or_404(
        draws_for_user(user).select_related(
            "item", "item__plan", "item__plan__agency", "item__entity_type"
        ),
        pk=pk,
    )
