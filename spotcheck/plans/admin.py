"""Plans in the admin: read-only; publishing runs the plans action (audited)."""

from typing import Any

from django.contrib import admin, messages

from spotcheck.accounts.permissions import PLAN_MANAGERS, user_has_role
from spotcheck.audit.admin import ReadOnlyAdmin, ReadOnlyInline
from spotcheck.plans.actions import PlanImportError, publish_plan
from spotcheck.plans.models import Plan, PlanItem


class PlanItemInline(ReadOnlyInline):
    model = PlanItem
    fields = ("number", "name", "mode", "target_type", "responsible_unit", "ratio_percent")
    readonly_fields = fields
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ("title", "agency", "year", "status")
    list_filter = ("status", "year", "agency")
    inlines = [PlanItemInline]
    actions = ["publish"]

    def has_plan_manager_permission(self, request: Any) -> bool:
        return user_has_role(request.user, PLAN_MANAGERS)

    @admin.action(description="公开所选计划（记入审计日志）", permissions=["plan_manager"])
    def publish(self, request: Any, queryset: Any) -> None:
        for plan in queryset:
            try:
                publish_plan(plan=plan, actor=request.user)
            except PlanImportError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                self.message_user(request, f"已公开“{plan.title}”", messages.SUCCESS)


@admin.register(PlanItem)
class PlanItemAdmin(ReadOnlyAdmin):
    list_display = ("plan", "number", "name", "responsible_unit", "event_driven")
    list_filter = ("plan", "mode", "event_driven")
    search_fields = ("name", "target_type")
