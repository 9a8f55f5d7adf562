BEGIN;
--
-- Remove index order_status_created_idx from order
--
DROP INDEX IF EXISTS "order_status_created_idx";
COMMIT;
