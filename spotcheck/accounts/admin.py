"""Users, agencies and units: reference data edited in the admin, every save audited."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from spotcheck.accounts.models import Agency, Unit, User
from spotcheck.audit.admin import AuditedAdmin, AuditedInline
from spotcheck.audit.models import record
from spotcheck.public.admin import PublicReferenceAdmin


@admin.register(User)
class SpotcheckUserAdmin(AuditedAdmin, UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("岗位", {"fields": ("role", "agency", "unit")}),)
    list_display = ("username", "first_name", "last_name", "role", "agency", "unit", "is_active")
    list_filter = ("role", "agency", "is_active")

    def user_change_password(self, request: Any, id: str, form_url: str = "") -> Any:
        # The password form saves the user itself, outside save_model: audit it here.
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = User.objects.get(pk=id)
                record(actor=request.user, action="admin.user.password", obj=user)
        return response


class UnitInline(AuditedInline):
    model = Unit


@admin.register(Agency)
class AgencyAdmin(PublicReferenceAdmin):
    list_display = ("name", "short_name", "division_code")
    search_fields = ("name",)
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ("name", "agency")
    list_filter = ("agency",)
    search_fields = ("name",)
