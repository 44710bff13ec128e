from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts"


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with the portal's site as `admin.site`: every `admin.register` lands there."""

    default = False
    default_site = "accounts.admin_site.PortalAdminSite"
