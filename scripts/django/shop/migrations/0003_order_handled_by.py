import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0002_product_sku"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # A foreign key added to an existing table: the FK is validated at once
        # (SET CONSTRAINTS ... IMMEDIATE) and its index is built without
        # CONCURRENTLY.
        migrations.AddField(
            model_name="order",
            name="handled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="handled_orders",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
