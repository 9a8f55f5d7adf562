from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0001_initial"),
    ]

    operations = [
        # db_index=True on a table that already has rows: Django emits a plain
        # CREATE INDEX (and a second "_like" index), which blocks writes to
        # shop_product for as long as the builds take.
        migrations.AddField(
            model_name="product",
            name="sku",
            field=models.CharField(blank=True, db_index=True, max_length=32, null=True),
        ),
    ]
