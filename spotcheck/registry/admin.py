from django.contrib import admin

from spotcheck.registry.models import (
    Entity,
    ImportBatch,
    InspectionRecord,
    Inspector,
    Recusal,
    TargetType,
)


@admin.register(TargetType)
class TargetTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "aliases")
    search_fields = ("name",)


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ("name", "public_id", "town", "risk_level", "status", "agency")
    list_filter = ("status", "risk_level", "target_types", "agency")
    search_fields = ("name", "public_id", "pinyin_initials")


@admin.register(Inspector)
class InspectorAdmin(admin.ModelAdmin):
    list_display = ("name", "certificate_number", "certificate_valid_until", "unit", "is_active")
    list_filter = ("agency", "unit", "is_active")
    search_fields = ("name", "certificate_number", "badge_number")


@admin.register(Recusal)
class RecusalAdmin(admin.ModelAdmin):
    list_display = ("inspector", "entity", "reason", "valid_from", "valid_until")
    list_filter = ("reason",)


@admin.register(InspectionRecord)
class InspectionRecordAdmin(admin.ModelAdmin):
    list_display = ("entity", "item_name", "inspected_on", "problem_found")


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Import batches are evidence: readable here, never edited."""

    list_display = ("created_at", "kind", "agency", "filename", "actor", "created", "updated")
    list_filter = ("kind", "agency")
    readonly_fields = [field.name for field in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
