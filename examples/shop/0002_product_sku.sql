BEGIN;
--
-- Add field sku to product
--
ALTER TABLE "shop_product" ADD COLUMN "sku" varchar(32) NULL;
CREATE INDEX "shop_product_sku_20049d15" ON "shop_product" ("sku");
CREATE INDEX "shop_product_sku_20049d15_like" ON "shop_product" ("sku" varchar_pattern_ops);
COMMIT;
