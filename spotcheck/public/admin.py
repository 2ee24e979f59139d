"""Reference data the portal prints, edited in the admin."""

from typing import Any

from spotcheck.audit.admin import AuditedAdmin
from spotcheck.public.models import note_public_change


class PublicReferenceAdmin(AuditedAdmin):
    """An AuditedAdmin of data the public pages show as it is now, not as published (an
    agency's name and its setting on publishing inspectors' names, a target type's name): a
    save also moves the portal's version in the admin's transaction, so that no cached public
    page shows the old value."""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        note_public_change()
