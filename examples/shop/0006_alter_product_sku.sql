BEGIN;
--
-- Alter field sku on product
--
DROP INDEX IF EXISTS "shop_product_sku_20049d15";
DROP INDEX IF EXISTS "shop_product_sku_20049d15_like";
ALTER TABLE "shop_product" ADD CONSTRAINT "shop_product_sku_20049d15_uniq" UNIQUE ("sku");
CREATE INDEX "shop_product_sku_20049d15_like" ON "shop_product" ("sku" varchar_pattern_ops);
COMMIT;
