"""Trigram indexes (PostgreSQL only) for the admin's searches: connections.admin_search."""

from django.db import migrations

from portal.postgres_only import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("connections", "0014_scale_admin_list_indexes")]

    operations = [
        trigram_indexes("connections_webhookevent", ["order_external_id"]),
        trigram_indexes("connections_syncrun", ["error"]),
        trigram_indexes("connections_problem", ["message"]),
    ]
