from django.contrib import admin

from spotcheck.inspections.models import (
    Event,
    ItemSetting,
    JointProposal,
    TeamMatching,
    TeamMember,
    Visit,
)


@admin.register(ItemSetting)
class ItemSettingAdmin(admin.ModelAdmin):
    """Team size and required qualifications of an item (read when visits are built)."""

    list_display = ("item", "team_size", "qualifications")
    list_select_related = ("item", "item__plan")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Visits, matchings and teams change only through the actions (audited, locked)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("visit_key", "entity_name", "responsible_unit", "round", "status")
    list_filter = ("plan", "round", "status", "responsible_unit")
    search_fields = ("visit_key", "entity_name")


@admin.register(TeamMember)
class TeamMemberAdmin(ReadOnlyAdmin):
    list_display = ("visit", "inspector", "role", "pool", "replaced_at", "replaced_reason")
    list_filter = ("role", "pool")


admin.site.register([Event, JointProposal, TeamMatching], ReadOnlyAdmin)
