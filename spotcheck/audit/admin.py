"""Admin bases: nothing changes in the admin without an audit entry.

- `ReadOnlyAdmin`: shown, never added, changed or deleted here. Changes go through the
  app's actions (history and audit); where the admin offers one, it is an admin action calling
  that very function (publish a plan, end a recusal).
- `AuditedAdmin`: reference data edited here (users, agencies, units, target types): every
  save, also of inline rows, writes an audit entry in the admin's own transaction; nothing is
  deleted (deactivate a user instead).
"""

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db import models

from spotcheck.audit.models import AuditEntry, record


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class AuditedInline(admin.TabularInline):
    """Rows edited inside an AuditedAdmin page (its save_formset audits them); never deleted."""

    extra = 0
    can_delete = False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | dict):
        return [_plain(v) for v in value]
    return value


def form_changes(form: Any, *, change: bool) -> dict[str, list[Any]]:
    """{field: [old, new]} of a saved admin form; passwords are named, never recorded."""
    changes: dict[str, list[Any]] = {}
    for name in form.changed_data:
        if "password" in name:
            changes[name] = ["***", "***"]
            continue
        old = _plain(form.initial.get(name)) if change else None
        changes[name] = [old, _plain(form.cleaned_data.get(name))]
    return changes


class AuditedAdmin(admin.ModelAdmin):
    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def audit_action(self, model: type[models.Model], verb: str) -> str:
        return f"admin.{model._meta.model_name}.{verb}"

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record(
            actor=request.user,
            action=self.audit_action(type(obj), "change" if change else "add"),
            obj=obj,
            details={"changes": form_changes(form, change=change)},
        )

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            record(
                actor=request.user,
                action=self.audit_action(type(obj), "add"),
                obj=obj,
                details={"via": form.instance._meta.label, "parent": str(form.instance)},
            )
        for obj, fields in formset.changed_objects:
            record(
                actor=request.user,
                action=self.audit_action(type(obj), "change"),
                obj=obj,
                details={"fields": list(fields), "via": form.instance._meta.label},
            )


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "created_at", "actor", "action", "object_repr", "keyed")
    list_filter = ("action",)
    search_fields = ("actor", "object_repr", "object_id")
