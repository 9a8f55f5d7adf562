"""A small shop, used to produce the sqlmigrate output in examples/shop/.

This file is the state *after* the last migration; the migrations in
migrations/ are hand-written (in Django's own style) so that each one shows
one thing pglint is meant to catch, or one thing that is safe.
gen-django-fixtures.sh runs `makemigrations --check` to keep the two in sync.
"""

from django.conf import settings
from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=100)
    # SlugField + unique=True: inline UNIQUE plus a second "_like" index.
    slug = models.SlugField(unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    class Meta:
        verbose_name_plural = "categories"


class Customer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    # 0011: nullable, no default -> a metadata-only ADD COLUMN.
    phone = models.CharField(max_length=32, null=True, blank=True)


class Product(models.Model):
    name = models.CharField(max_length=200)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    price = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    # 0002 added it with db_index=True; 0006 made it unique.
    sku = models.CharField(max_length=32, null=True, blank=True, unique=True)

    class Meta:
        indexes = [
            # 0001 created "product_name_idx"; 0005 replaced it concurrently.
            models.Index(fields=["created_at"], name="product_created_idx"),
        ]


class Order(models.Model):
    class Status(models.TextChoices):
        NEW = "new"
        PAID = "paid"
        SHIPPED = "shipped"
        CANCELLED = "cancelled"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    reference = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(auto_now_add=True)
    # 0003: a foreign key added to an existing table.
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_orders",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "reference"], name="order_customer_reference_uniq"
            ),
        ]
        # 0004 added "order_status_created_idx"; 0010 removed it again.


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    # db_index=False and not the leading column of unique_together: nothing
    # indexes product_id, so deleting a product scans the whole table.
    product = models.ForeignKey(Product, on_delete=models.PROTECT, db_index=False)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        unique_together = [("order", "product")]


class Review(models.Model):
    """0013: a new table; every foreign key is indexed."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField()
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
