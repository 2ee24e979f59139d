from django.contrib import admin

from spotcheck.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("seq", "created_at", "actor", "action", "object_repr")
    list_filter = ("action",)
    search_fields = ("actor", "object_repr", "object_id")

    def has_add_permission(self, request):  # append-only: only actions write entries
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
