BEGIN;
--
-- Raw SQL operation
--

            CREATE TABLE shop_auditlog (
                id serial PRIMARY KEY,
                happened_at timestamp NOT NULL DEFAULT now(),
                actor varchar(150),
                payload json NOT NULL
            );
            
COMMIT;
