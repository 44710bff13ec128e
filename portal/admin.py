from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages

from audit.trail import Actor

from . import lockout
from .models import Heartbeat, Membership, Merchant


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ("user",)
    extra = 0


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone", "created_at")
    search_fields = ("name", "members__user__username", "members__user__email")
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "merchant", "role")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "merchant__name")
    raw_id_fields = ("user", "merchant")


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "at")
    readonly_fields = ("name", "at")


# -- Sign-in lockouts (django-axes; AXES_ENABLE_ADMIN is off so that they are registered here) ----------


@admin.register(AccessAttempt)
class SignInAttemptAdmin(AccessAttemptAdmin):
    """Failed sign-ins still counting. Unlock forgets every failure of the chosen rows' usernames and
    addresses, which lifts their locks; a plain delete removes only the chosen rows. Both are audited."""

    actions = ["unlock", "cleanup_expired_attempts"]

    @admin.action(
        description="Unlock: forget the failed sign-ins of these usernames and addresses", permissions=["delete"]
    )
    def unlock(self, request, queryset):
        attempts = list(queryset)
        lockout.unlock(attempts, Actor.from_request(request))
        who = ", ".join(sorted({f"{a.username or '(no username)'} from {a.ip_address or '?'}" for a in attempts}))
        self.message_user(request, f"Unlocked: {who}. They may sign in again.", messages.SUCCESS)

    def delete_model(self, request, obj):
        lockout.unlock([obj], Actor.from_request(request), whole=False)

    def delete_queryset(self, request, queryset):
        lockout.unlock(queryset, Actor.from_request(request), whole=False)


admin.site.register(AccessLog, AccessLogAdmin)
admin.site.register(AccessFailureLog, AccessFailureLogAdmin)
