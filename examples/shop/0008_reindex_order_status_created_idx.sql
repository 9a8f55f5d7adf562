BEGIN;
--
-- Raw SQL operation
--
REINDEX INDEX order_status_created_idx;
COMMIT;
