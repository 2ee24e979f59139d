from datetime import date
from typing import Any

from django.contrib import admin, messages

from spotcheck.audit.admin import AuditedAdmin, ReadOnlyAdmin
from spotcheck.results.actions import refresh_deadlines
from spotcheck.results.models import (
    Attachment,
    CheckpointFinding,
    HolidayOverride,
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


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(AuditedAdmin):
    """Administrators enter the State Council's holidays and make-up working days for the years
    chinesecalendar does not cover; every save is audited and the deadlines it affects are
    recomputed (refresh_deadlines, audited too)."""

    list_display = ("day", "kind", "note")
    list_filter = ("kind",)
    date_hierarchy = "day"

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        years = [obj.day.year]
        if isinstance(form.initial.get("day"), date):
            years.append(form.initial["day"].year)
        # a deadline counted from late in the previous year runs into this one
        changed = refresh_deadlines(actor=request.user, since=date(min(years) - 1, 1, 1))
        if changed:
            self.message_user(
                request, f"已按新的节假日表重新计算{changed}条检查结果的公示期限", messages.INFO
            )
