"""Draws in the admin: read-only. Every change goes through the draw steps (actions.py)."""

from django.contrib import admin

from spotcheck.audit.admin import ReadOnlyAdmin
from spotcheck.draws.models import Draw, DrawReplacement, DrawSelection


@admin.register(Draw)
class DrawAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status", "population_size", "population_hash", "prepared_at")
    list_filter = ("status",)
    exclude = ("population_gz", "excluded_gz", "document_gz")


@admin.register(DrawSelection)
class DrawSelectionAdmin(ReadOnlyAdmin):
    list_display = ("draw", "stratum", "rank", "public_id", "name", "kind")
    list_filter = ("kind", "stratum")
    search_fields = ("public_id", "name")


@admin.register(DrawReplacement)
class DrawReplacementAdmin(ReadOnlyAdmin):
    list_display = ("draw", "sequence", "original", "replacement", "reason_code", "created_at")
