BEGIN;
--
-- Add field handled_by to order
--
ALTER TABLE "shop_order" ADD COLUMN "handled_by_id" integer NULL CONSTRAINT "shop_order_handled_by_id_08cf542d_fk_auth_user_id" REFERENCES "auth_user"("id") DEFERRABLE INITIALLY DEFERRED; SET CONSTRAINTS "shop_order_handled_by_id_08cf542d_fk_auth_user_id" IMMEDIATE;
CREATE INDEX "shop_order_handled_by_id_08cf542d" ON "shop_order" ("handled_by_id");
COMMIT;
