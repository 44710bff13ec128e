"""Admin for the sandbox NOTHS: its orders, read-only (the API and the pages keep `document` in step)."""

from django.contrib import admin

from .models import SandboxNothsOrder


@admin.register(SandboxNothsOrder)
class SandboxNothsOrderAdmin(admin.ModelAdmin):
    """Orders change through the API and the sandbox pages, which keep `document` in step."""

    list_display = ["number", "noths_id", "account", "state", "placed_at", "updated_at", "enquiry_state"]
    list_filter = ["state", "account"]
    search_fields = ["number", "=noths_id", "customer_name", "account__token", "account__shortcode"]
    list_select_related = ["account"]
    date_hierarchy = "placed_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
