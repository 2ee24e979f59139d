from django.contrib import admin

from spotcheck.plans.models import Plan, PlanItem


class PlanItemInline(admin.TabularInline):
    model = PlanItem
    fields = ("number", "name", "mode", "target_type", "responsible_unit", "ratio_percent")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("title", "agency", "year", "status")
    list_filter = ("status", "year", "agency")
    readonly_fields = ("source_filename", "source_sha256", "imported_at", "imported_by")
    inlines = [PlanItemInline]


@admin.register(PlanItem)
class PlanItemAdmin(admin.ModelAdmin):
    list_display = ("plan", "number", "name", "responsible_unit", "event_driven")
    list_filter = ("plan", "mode", "event_driven")
    search_fields = ("name", "target_type")
