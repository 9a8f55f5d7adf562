BEGIN;
--
-- Raw SQL operation
--
CREATE INDEX CONCURRENTLY shop_auditlog_happened_at_idx ON shop_auditlog (happened_at);
COMMIT;
