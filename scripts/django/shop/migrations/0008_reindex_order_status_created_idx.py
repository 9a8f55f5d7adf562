from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0007_auditlog"),
    ]

    operations = [
        # Rebuilding a bloated index: plain REINDEX takes a lock that blocks
        # writes to shop_order (and reads that would use the index).
        migrations.RunSQL(
            sql="REINDEX INDEX order_status_created_idx;",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
