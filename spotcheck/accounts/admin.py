from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from spotcheck.accounts.models import Agency, Unit, User


@admin.register(User)
class SpotcheckUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("岗位", {"fields": ("role", "agency", "unit")}),)
    list_display = ("username", "first_name", "last_name", "role", "agency", "unit", "is_active")
    list_filter = ("role", "agency", "is_active")


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "division_code")
    search_fields = ("name",)
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "agency")
    list_filter = ("agency",)
    search_fields = ("name",)
