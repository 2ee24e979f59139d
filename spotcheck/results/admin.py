from django.contrib import admin

from spotcheck.audit.admin import ReadOnlyAdmin
from spotcheck.results.models import (
    Attachment,
    CheckpointFinding,
    ItemResult,
    Measure,
    Result,
    ResultVersion,
)

# Results change only through spotcheck.results.actions (audited; locked after approval).


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = ("visit", "state", "version", "inspected_on", "due_on")
    list_filter = ("state",)
    list_select_related = ("visit",)


admin.site.register(
    [ItemResult, CheckpointFinding, Measure, ResultVersion, Attachment], ReadOnlyAdmin
)
