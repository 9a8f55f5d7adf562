from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0009_auditlog_happened_at_idx"),
    ]

    operations = [
        # RemoveIndex: DROP INDEX without CONCURRENTLY waits for, then blocks,
        # every query on shop_order.
        migrations.RemoveIndex(
            model_name="order",
            name="order_status_created_idx",
        ),
    ]
