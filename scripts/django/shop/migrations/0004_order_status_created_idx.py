from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0003_order_handled_by"),
    ]

    operations = [
        # AddIndex on an existing table: CREATE INDEX without CONCURRENTLY.
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["status", "created_at"], name="order_status_created_idx"),
        ),
    ]
