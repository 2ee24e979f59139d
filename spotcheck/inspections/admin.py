from django.contrib import admin

from spotcheck.audit.admin import ReadOnlyAdmin
from spotcheck.inspections.models import (
    Event,
    ItemSetting,
    JointProposal,
    Notice,
    NoticeCounter,
    TeamMatching,
    TeamMember,
    Visit,
)

# Visits, matchings, teams and item settings change only through the actions (audited,
# locked); item settings are set on the round page (set_item_setting).


@admin.register(ItemSetting)
class ItemSettingAdmin(ReadOnlyAdmin):
    """Team size and required qualifications of an item (read when visits are built)."""

    list_display = ("item", "team_size", "qualifications")
    list_select_related = ("item", "item__plan")


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("visit_key", "entity_name", "responsible_unit", "round", "status")
    list_filter = ("plan", "round", "status", "responsible_unit")
    search_fields = ("visit_key", "entity_name")


@admin.register(TeamMember)
class TeamMemberAdmin(ReadOnlyAdmin):
    list_display = ("visit", "inspector", "role", "pool", "replaced_at", "replaced_reason")
    list_filter = ("role", "pool")


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    """Notices are issued and their delivery recorded on the visit page (audited actions)."""

    list_display = ("number", "visit", "unit", "issued_at", "delivery_method", "delivered_at")
    list_filter = ("unit", "year", "delivery_method")
    search_fields = ("number", "visit__entity_name", "visit__visit_key")


admin.site.register([Event, NoticeCounter, JointProposal, TeamMatching], ReadOnlyAdmin)
