"""The directories in the admin: read-only. Entities and officers change through the registry
pages (history and audit); a recusal is ended here by the registry action, never deleted."""

from typing import Any

from django.contrib import admin, messages

from spotcheck.accounts.permissions import PLAN_MANAGERS, user_has_role
from spotcheck.audit.admin import ReadOnlyAdmin
from spotcheck.public.admin import PublicReferenceAdmin
from spotcheck.registry.actions import end_recusal
from spotcheck.registry.models import (
    Entity,
    ImportBatch,
    Inspector,
    Recusal,
    TargetType,
)


@admin.register(TargetType)
class TargetTypeAdmin(PublicReferenceAdmin):
    list_display = ("name", "aliases")
    search_fields = ("name",)


@admin.register(Entity)
class EntityAdmin(ReadOnlyAdmin):
    list_display = ("name", "public_id", "town", "risk_level", "status", "agency")
    list_filter = ("status", "risk_level", "target_types", "agency")
    search_fields = ("name", "public_id", "pinyin_initials")


@admin.register(Inspector)
class InspectorAdmin(ReadOnlyAdmin):
    list_display = ("name", "certificate_number", "certificate_valid_until", "unit", "is_active")
    list_filter = ("agency", "unit", "is_active")
    search_fields = ("name", "certificate_number", "badge_number")


@admin.register(Recusal)
class RecusalAdmin(ReadOnlyAdmin):
    list_display = ("inspector", "entity", "reason", "valid_from", "valid_until")
    list_filter = ("reason",)
    actions = ["end_today"]

    def has_plan_manager_permission(self, request: Any) -> bool:
        return user_has_role(request.user, PLAN_MANAGERS)

    @admin.action(description="自今日起结束所选回避（记入审计日志）", permissions=["plan_manager"])
    def end_today(self, request: Any, queryset: Any) -> None:
        ended = 0
        for recusal in queryset:
            try:
                end_recusal(recusal=recusal, actor=request.user)
            except ValueError as exc:
                self.message_user(request, f"{recusal}：{exc}", messages.WARNING)
            else:
                ended += 1
        if ended:
            self.message_user(request, f"已结束{ended}条回避", messages.SUCCESS)


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    """Import batches are evidence: readable here, never edited."""

    list_display = ("created_at", "kind", "agency", "filename", "actor", "created", "updated")
    list_filter = ("kind", "agency")
    readonly_fields = [field.name for field in ImportBatch._meta.fields]
