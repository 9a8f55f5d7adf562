from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0010_remove_order_order_status_created_idx"),
    ]

    operations = [
        # Safe: nullable, no default, no index -> a catalog-only change.
        migrations.AddField(
            model_name="customer",
            name="phone",
            field=models.CharField(blank=True, max_length=32, null=True),
        ),
    ]
