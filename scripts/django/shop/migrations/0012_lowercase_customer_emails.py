from django.db import migrations
from django.db.models.functions import Lower


def lowercase_emails(apps, schema_editor):
    Customer = apps.get_model("shop", "Customer")
    Customer.objects.exclude(email=Lower("email")).update(email=Lower("email"))


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0011_customer_phone"),
    ]

    operations = [
        # A data migration: sqlmigrate can only say it cannot be written as SQL.
        migrations.RunPython(lowercase_emails, migrations.RunPython.noop),
    ]
