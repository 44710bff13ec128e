"""Platforms in the staff screens as the portal names them: list columns, filters, change pages.

The database keeps a platform's key; staff read the name the registry gives it (its
`short_name`, as the merchant's lists show it), never the key.
"""

from __future__ import annotations

from django.contrib import admin

from .platforms import registry


def platform_name(key: str) -> str:
    """The name the pages give a platform; the key itself for one no longer installed."""
    return registry.get(key).short_name if registry.is_known(key) else key


def platform_choices() -> list[tuple[str, str]]:
    """(key, name) of every installed platform, for a filter or a choice."""
    return [(platform.key, platform.short_name) for platform in registry.all_platforms()]


class PlatformFilter(admin.SimpleListFilter):
    """By platform, each by its name; the address keeps the lookup Django's own filter used (`?platform=…`)."""

    title = "platform"
    parameter_name = "platform"

    def lookups(self, request, model_admin):
        return platform_choices()

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.parameter_name: self.value()})
        return queryset


def platform_filter(path: str) -> type[PlatformFilter]:
    """A PlatformFilter for a model that reaches its connection's platform through `path`."""
    return type(f"PlatformFilter_{path}", (PlatformFilter,), {"parameter_name": path})
