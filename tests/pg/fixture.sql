-- The tables every lock-fact shape starts from (and the context the rule examples are
-- linted against): an online shop, a partitioned event log, a table to attach, a legacy
-- table without a primary key.
CREATE TABLE shop_customer (id bigserial PRIMARY KEY, name varchar(100) NOT NULL);
CREATE TABLE shop_order (
    id bigserial PRIMARY KEY,
    customer_id bigint,
    status varchar(20) NOT NULL DEFAULT 'new',
    code varchar(50),
    note text,
    total numeric(10, 2),
    qty integer,
    placed timestamp
);
CREATE INDEX shop_order_status_idx ON shop_order (status);
CREATE TABLE app_event (id bigint NOT NULL, kind varchar(20), created_at date NOT NULL)
    PARTITION BY RANGE (created_at);
CREATE TABLE app_event_2024_01 PARTITION OF app_event
    FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
CREATE TABLE app_event_2024_02 PARTITION OF app_event
    FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
CREATE TABLE app_event_2024_03 (id bigint NOT NULL, kind varchar(20), created_at date NOT NULL);
CREATE TABLE legacy_log (id integer, msg text);
INSERT INTO shop_customer (name) SELECT 'customer ' || g FROM generate_series(1, 500) g;
INSERT INTO shop_order (customer_id, status, code, note, total, qty, placed)
    SELECT g % 500 + 1, 'new', 'code-' || g, 'note', g * 1.5, g, '2024-01-01'::timestamp + g * interval '1 minute'
    FROM generate_series(1, 3000) g;
INSERT INTO app_event SELECT g, 'k' || g % 5, date '2024-01-01' + g % 59 FROM generate_series(1, 2000) g;
INSERT INTO app_event_2024_03 SELECT g, 'k', date '2024-03-05' FROM generate_series(1, 500) g;
INSERT INTO legacy_log SELECT g, 'm' FROM generate_series(1, 1000) g;
