BEGIN;
--
-- Create index order_status_created_idx on field(s) status, created_at of model order
--
CREATE INDEX "order_status_created_idx" ON "shop_order" ("status", "created_at");
COMMIT;
