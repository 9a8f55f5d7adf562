from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0006_alter_product_sku"),
    ]

    operations = [
        # A table Django does not manage, created by hand. Raw SQL is where
        # serial, timestamp (without time zone) and json still show up.
        migrations.RunSQL(
            sql="""
            CREATE TABLE shop_auditlog (
                id serial PRIMARY KEY,
                happened_at timestamp NOT NULL DEFAULT now(),
                actor varchar(150),
                payload json NOT NULL
            );
            """,
            reverse_sql="DROP TABLE shop_auditlog;",
        ),
    ]
