--
-- Concurrently create index product_created_idx on field(s) created_at of model product
--
CREATE INDEX CONCURRENTLY "product_created_idx" ON "shop_product" ("created_at");
--
-- Concurrently remove index product_name_idx from product
--
DROP INDEX CONCURRENTLY IF EXISTS "product_name_idx";
