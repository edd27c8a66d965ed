"""Admin for the coded reasons: the unit's admin adds, rewords and retires them (never deletes).

Registered from ``JourneyConfig.ready``; it moves into ``journey/admin.py`` once issue 9's split lands.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from journey.models import Reason


@admin.register(Reason)
class ReasonAdmin(admin.ModelAdmin):
    list_display = ["label", "category", "occasion", "code", "order", "is_active"]
    list_filter = ["occasion", "category", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["label", "code"]
    ordering = ["occasion", "order", "label"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Reasons already given point at their entry: retire one by unticking "offered".
        return False
