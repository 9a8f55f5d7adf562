from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0005_product_created_idx_concurrently"),
    ]

    operations = [
        # db_index=True -> unique=True on an existing column: Django drops the
        # old indexes (DROP INDEX without CONCURRENTLY), then ALTER TABLE ...
        # ADD CONSTRAINT ... UNIQUE builds the unique index while holding
        # ACCESS EXCLUSIVE on shop_product, then rebuilds the "_like" index.
        migrations.AlterField(
            model_name="product",
            name="sku",
            field=models.CharField(blank=True, max_length=32, null=True, unique=True),
        ),
    ]
