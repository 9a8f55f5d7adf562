from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # The safe way to build and drop indexes on a busy table: CONCURRENTLY,
    # which PostgreSQL only allows outside a transaction block.
    atomic = False

    dependencies = [
        ("shop", "0004_order_status_created_idx"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="product",
            index=models.Index(fields=["created_at"], name="product_created_idx"),
        ),
        RemoveIndexConcurrently(
            model_name="product",
            name="product_name_idx",
        ),
    ]
