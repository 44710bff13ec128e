"""Trigram indexes (PostgreSQL only) for the audit trail's admin search: connections.admin_search."""

from django.db import migrations

from portal.postgres_only import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_scale_admin_list_indexes")]

    operations = [trigram_indexes("audit_auditentry", ["connection_label", "merchant_label", "actor_label"])]
