from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Staff see and revoke tokens; members make them (the token is shown only to its maker)."""

    list_display = ("name", "hint", "user", "merchant", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "merchant")
    search_fields = ("name", "prefix", "user__username", "merchant__name")
    fields = ("name", "user", "merchant", "hint", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "merchant", "hint", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        revoked = sum(token.revoke() for token in queryset)
        self.message_user(request, f"{revoked} token(s) revoked.")
