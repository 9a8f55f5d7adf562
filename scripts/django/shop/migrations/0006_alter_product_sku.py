from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0005_product_created_idx_concurrently"),
    ]

    operations = [
        # unique=True on an existing column: ALTER TABLE ... ADD CONSTRAINT
        # ... UNIQUE builds the unique index while holding ACCESS EXCLUSIVE on
        # shop_product (no reads, no writes until it is done).
        migrations.AlterField(
            model_name="product",
            name="sku",
            field=models.CharField(blank=True, max_length=32, null=True, unique=True),
        ),
    ]
