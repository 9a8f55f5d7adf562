from django.db import migrations


class Migration(migrations.Migration):
    # Forgot "atomic = False": sqlmigrate happily prints this inside
    # BEGIN/COMMIT, and `migrate` then fails with
    # "CREATE INDEX CONCURRENTLY cannot run inside a transaction block".

    dependencies = [
        ("shop", "0008_reindex_order_status_created_idx"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX CONCURRENTLY shop_auditlog_happened_at_idx ON shop_auditlog (happened_at);",
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS shop_auditlog_happened_at_idx;",
        ),
    ]
